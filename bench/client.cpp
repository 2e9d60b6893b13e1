#include "client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cmath>
#include <iostream>

namespace parley::bench {

namespace asio = boost::asio;

namespace {

constexpr int kProblemsLogged = 10;

}  // namespace

Client::Client(Worker& worker, const Placement& placement, bool receives, bool sends)
    : worker_(worker),
      room_(placement.room),
      index_(placement.index),
      node_(placement.node),
      receives_(receives),
      sends_(sends),
      name_(worker.run.options.tag + "_" + std::to_string(placement.index)),
      room_name_(worker.run.options.tag + "-r" + std::to_string(placement.room)) {}

void Client::open_socket(asio::ip::tcp::socket& socket) {
  const auto& sources = run().sources;
  socket.open(asio::ip::tcp::v4());
  // Choose the port at connect time, by the whole address pair, so that each
  // source address is not limited to one connection per ephemeral port.
  const int yes = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &yes, sizeof yes);
  socket.bind(asio::ip::tcp::endpoint(sources[index_ % sources.size()], 0));
}

void Client::start_sending() {
  if (!sends_ || !set_up_ || dropped_) return;
  if (options().is_closed_loop()) {
    for (std::size_t i = 0; i < options().in_flight; ++i) send_one();
    return;
  }
  // Spread the senders over one period (golden ratio steps) so they do not tick together.
  const double period = 1e9 / options().rate;
  const double phase = std::fmod(static_cast<double>(index_) * 0.6180339887, 1.0);
  next_send_ns_ = now_ns() + static_cast<std::uint64_t>(period * phase);
  pace_ = std::make_unique<asio::steady_timer>(worker_.io);
  schedule_send();
}

void Client::schedule_send() {
  pace_->expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next_send_ns_)));
  pace_->async_wait([this](boost::system::error_code error) {
    if (error || dropped_ || !run().is_sending()) return;
    // Open loop: the next send is due one period after the previous one was
    // due, not after it went out, so a late tick does not lower the rate.
    send_one();
    next_send_ns_ += static_cast<std::uint64_t>(1e9 / options().rate);
    schedule_send();
  });
}

void Client::note_set_up(std::uint64_t joined_seq) {
  set_up_ = true;
  bump(worker_.counters.connected);
  if (!receives_) return;
  tracker_.start(joined_seq);
  RoomState& room = run().rooms[room_];
  room.joined_seq_sum.fetch_add(joined_seq, std::memory_order_relaxed);
  room.receivers.fetch_add(1, std::memory_order_relaxed);
}

void Client::note_setup_failed(std::string_view why) {
  bump(worker_.counters.failed);
  log_problem(std::string("setup failed for ") + name_ + ": " + std::string(why));
}

void Client::note_dropped(std::string_view why) {
  if (dropped_) return;
  dropped_ = true;
  if (!set_up_) {
    note_setup_failed(why);
    return;
  }
  // Its deliveries no longer count: neither expected nor received.
  bump(worker_.counters.dropped);
  if (receives_) {
    RoomState& room = run().rooms[room_];
    room.joined_seq_sum.fetch_sub(tracker_.joined_seq(), std::memory_order_relaxed);
    room.receivers.fetch_sub(1, std::memory_order_relaxed);
    unbump(worker_.counters.deliveries, tracker_.distinct());
  }
  if (run().current_phase() != Phase::done) {
    log_problem(std::string("connection of ") + name_ + " dropped: " + std::string(why));
  }
}

void Client::note_error(std::string_view what) {
  bump(worker_.counters.errors);
  log_problem(std::string("error for ") + name_ + ": " + std::string(what));
}

void Client::note_message(const ScannedFrame& message, std::uint64_t received_ns) {
  if (!receives_ || !message.has_seq) return;
  Counters& counters = worker_.counters;
  const std::uint64_t duplicated = tracker_.duplicated();
  const std::uint64_t out_of_order = tracker_.out_of_order();
  if (!tracker_.record(message.seq)) {
    bump(counters.duplicated, tracker_.duplicated() - duplicated);
    return;
  }
  if (tracker_.out_of_order() != out_of_order) bump(counters.out_of_order);
  bump(counters.deliveries);
  if (run().current_phase() != Phase::measuring) return;
  bump(counters.measured_deliveries);
  if (auto sent_ns = parse_send_time(message.text); sent_ns && *sent_ns <= received_ns) {
    worker_.latency.record(received_ns - *sent_ns);
  }
}

void Client::note_ack(std::uint64_t seq) {
  bump(worker_.counters.acked);
  run().rooms[room_].note_acked(seq);
  if (run().current_phase() == Phase::measuring) bump(worker_.counters.measured_acks);
  if (options().is_closed_loop() && run().is_sending() && !dropped_) send_one();
}

void Client::note_request_done(std::uint64_t started_ns) {
  bump(worker_.counters.requests);
  if (run().current_phase() != Phase::measuring) return;
  bump(worker_.counters.measured_requests);
  worker_.request_latency.record(now_ns() - started_ns);
}

std::string Client::make_text() {
  std::string text = "t=" + std::to_string(now_ns()) + " ";
  if (text.size() < options().text_bytes) text.append(options().text_bytes - text.size(), 'x');
  return text;
}

void Client::log_problem(std::string_view what) {
  const int logged = run().problems_logged.fetch_add(1, std::memory_order_relaxed);
  if (logged < kProblemsLogged) std::cerr << "parley-bench: " << what << "\n";
  if (logged == kProblemsLogged) std::cerr << "parley-bench: (further problems not shown)\n";
}

}  // namespace parley::bench
