// The composition root: builds the store, the service and the transport from
// a Config, runs the I/O loop on the calling thread, and shuts down in order
// on SIGTERM or SIGINT; SIGHUP reopens the log files.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "app/config.hpp"
#include "auth/authenticator.hpp"
#include "auth/guest_names.hpp"
#include "auth/password_hasher.hpp"
#include "core/clock.hpp"
#include "net/listener.hpp"
#include "net/server_context.hpp"
#include "service/account_service.hpp"
#include "service/chat_service.hpp"
#include "service/poll_service.hpp"
#include "service/retention_service.hpp"
#include "service/rooms_service.hpp"
#include "store/store_worker.hpp"

namespace parley::app {

class Server {
 public:
  // Opens the database and binds the port; throws on failure.
  explicit Server(Config config);
  ~Server();

  // Runs until shut down; returns the process exit code.
  int run();

 private:
  void shut_down();
  // Waits for the next SIGHUP, reopens the log files, and waits again.
  void reopen_logs_on_hangup();
  void wait_for_sessions();
  void give_back_freed_memory();
  // Once a second: idle pollers expire; WebSocket deadlines and pings;
  // every ten minutes, expired sessions are deleted.
  void tick_later();
  void sweep_expired_sessions();

  Config config_;
  core::SystemClock clock_;
  // Before everything that may hold a lease of it, so it outlives them all.
  std::unique_ptr<core::MemoryBudget> memory_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<store::StoreWorker> store_;
  std::unique_ptr<bus::Bus> bus_;
  auth::GuestNames guests_;
  std::unique_ptr<core::ConnectionQuota> connections_;
  int data_dir_lock_ = -1;  // held while this process uses the data folder
  std::unique_ptr<auth::PasswordHasher> hasher_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<service::AccountService> accounts_;
  std::unique_ptr<service::ChatService> chat_;
  std::unique_ptr<service::PollService> polls_;
  std::unique_ptr<service::RoomsService> rooms_;
  std::unique_ptr<service::RetentionService> retention_;
  std::unique_ptr<transport::ServerContext> context_;
  std::shared_ptr<transport::Listener> listener_;
  std::unique_ptr<boost::asio::signal_set> signals_;
  std::unique_ptr<boost::asio::signal_set> hangups_;
  std::unique_ptr<boost::asio::steady_timer> deadline_;
  std::unique_ptr<boost::asio::steady_timer> poll_;
  std::unique_ptr<boost::asio::steady_timer> ticker_;
  bool shutting_down_ = false;
  std::size_t ticks_ = 0;
};

}  // namespace parley::app
