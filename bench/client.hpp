// One simulated user: the bookkeeping every transport shares (setup,
// sequence tracking, latency, acks, the sending pace). Subclasses do the I/O.
// Runs on its Worker's thread only. Clients live until the process exits, so
// handlers may capture `this`.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>

#include "frame_scanner.hpp"
#include "run_state.hpp"
#include "seq_tracker.hpp"

namespace parley::bench {

// Where a client stands in the run: its room, its place in start order, and
// the node (an index into RunState::servers) it connects to.
struct Placement {
  std::size_t room = 0;
  std::size_t index = 0;
  std::size_t node = 0;
};

class Client {
 public:
  // `receives`: counts as a member whose deliveries are tracked.
  Client(Worker& worker, const Placement& placement, bool receives, bool sends);
  virtual ~Client() = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects, identifies and joins; reports through the Worker's counters.
  virtual void start() = 0;
  // Starts the pace (--rate) or fills the window (--in-flight).
  void start_sending();

  std::size_t room() const { return room_; }
  bool receives() const { return receives_; }
  bool sends() const { return sends_; }
  bool is_set_up() const { return set_up_; }
  bool is_dropped() const { return dropped_; }
  const SeqTracker& tracker() const { return tracker_; }

 protected:
  // Sends one message with text() and next_id(), now.
  virtual void send_one() = 0;

  const Options& options() const { return worker_.run.options; }
  RunState& run() { return worker_.run; }
  Worker& worker() { return worker_; }
  const std::string& name() const { return name_; }
  const std::string& room_name() const { return room_name_; }
  const boost::asio::ip::tcp::endpoint& server() const { return worker_.run.servers[node_]; }
  const std::string& host_header() const { return worker_.run.host_headers[node_]; }

  // Opens `socket` bound to this client's source address, for its connect.
  void open_socket(boost::asio::ip::tcp::socket& socket);

  void note_set_up(std::uint64_t joined_seq);
  void note_setup_failed(std::string_view why);
  void note_dropped(std::string_view why);
  void note_error(std::string_view what);
  void note_message(const ScannedFrame& message, std::uint64_t received_ns);
  void note_ack(std::uint64_t seq);
  void note_request_done(std::uint64_t started_ns);

  std::string make_text();
  std::string next_id() { return std::to_string(++messages_sent_); }

 private:
  void schedule_send();
  void log_problem(std::string_view what);

  Worker& worker_;
  std::size_t room_;
  std::size_t index_;
  std::size_t node_;
  bool receives_;
  bool sends_;
  std::string name_;
  std::string room_name_;
  SeqTracker tracker_;
  bool set_up_ = false;
  bool dropped_ = false;
  std::uint64_t messages_sent_ = 0;
  std::uint64_t next_send_ns_ = 0;
  std::unique_ptr<boost::asio::steady_timer> pace_;
};

}  // namespace parley::bench
