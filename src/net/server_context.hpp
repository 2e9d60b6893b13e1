// What every transport session shares: the services it calls and the limits it
// enforces. Built by the composition root; used on the I/O thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

#include "auth/authenticator.hpp"
#include "auth/guest_names.hpp"
#include "auth/identity_settings.hpp"
#include "bus/bus.hpp"
#include "core/connection_quota.hpp"
#include "core/memory_budget.hpp"
#include "http/awaiting_answers.hpp"
#include "net/credential_holders.hpp"
#include "net/trusted_proxies.hpp"
#include "service/account_service.hpp"
#include "service/chat_service.hpp"
#include "service/poll_service.hpp"
#include "service/rooms_service.hpp"
#include "store/store_worker.hpp"
#include "ws/ws_sessions.hpp"

namespace parley::transport {

struct TransportLimits {
  std::size_t http_header_bytes = 8 * 1024;
  std::size_t http_body_bytes = 64 * 1024;
  std::chrono::seconds http_timeout{30};  // to read one request, or write one answer
  std::size_t ws_max_frame_bytes = 64 * 1024;
  std::size_t ws_max_queued_bytes = 1024 * 1024;  // past this a reader is too slow: 1008
  std::size_t ws_max_in_flight_sends = 64;        // sends awaiting their ack before reads pause
  std::chrono::seconds ws_idle_timeout{60};       // silence after which a ping is sent, then close
  std::chrono::seconds ws_close_timeout{3};       // for the closing handshake
  // Frames other than sends per second per connection (a token bucket; 0: no
  // limit), and how many may come at once. Past it the connection's reads pause.
  std::size_t ws_frame_rate = 100;
  std::size_t ws_frame_burst = 500;
  // Connections held at once (0: as many as the open-files limit allows,
  // less a reserve), and from one client address (0: no limit).
  std::size_t max_connections = 0;
  std::size_t max_connections_per_address = 10000;
};

struct ServerContext {
  boost::asio::any_io_executor executor;
  service::ChatService& chat;
  service::PollService& polls;
  service::RoomsService& rooms;
  service::AccountService& accounts;
  auth::Authenticator& authenticator;
  auth::GuestNames& guests;
  core::ConnectionQuota& connections;
  core::MemoryBudget& memory;
  store::StoreWorker& store;
  bus::Bus& bus;
  TransportLimits limits;
  auth::IdentitySettings identity;
  TrustedProxies trusted_proxies;
  std::filesystem::path web_dir;
  WsSessions ws_sessions;
  AwaitingAnswers awaiting_answers;
  // Sockets and long polls by the credential they rest on (see Authenticator::on_ended).
  CredentialHolders credential_holders;
};

}  // namespace parley::transport
