#include "http_client.hpp"

#include <boost/asio/write.hpp>

namespace parley::bench {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kReadBytes = 16 * 1024;
constexpr std::uint64_t kRetryPauseNs = 100'000'000;  // after a refused poll

std::string status_and_body(const HttpAnswer& answer) {
  return std::to_string(answer.status) + " " + std::string(answer.body.substr(0, 200));
}

}  // namespace

HttpClient::HttpClient(Worker& worker, const Placement& placement, bool receives, bool sends)
    : Client(worker, placement, receives, sends), socket_(worker.io), poll_pace_(worker.io) {}

void HttpClient::start() {
  try {
    open_socket(socket_);
  } catch (const boost::system::system_error& failure) {
    note_setup_failed(failure.what());
    return;
  }
  socket_.async_connect(server(), [this](boost::system::error_code e) { on_connect(e); });
}

void HttpClient::on_connect(boost::system::error_code error) {
  if (error) return fail("connect: " + error.message());
  socket_.set_option(asio::ip::tcp::no_delay(true));
  do_request(Step::guest, "POST", "/api/guest", R"({"name":")" + name() + "\"}");
}

void HttpClient::do_request(Step step, std::string_view method, std::string_view target,
                            std::string_view body) {
  step_ = step;
  request_ = build_request(method, target, host_header(), cookie_, csrf_token_, body);
  request_started_ns_ = now_ns();
  send_request();
}

void HttpClient::send_request() {
  asio::async_write(socket_, asio::buffer(request_),
                    [this](boost::system::error_code error, std::size_t) {
                      if (error) return reconnect_or_fail("write: " + error.message());
                      read_answer();
                    });
}

void HttpClient::reconnect_or_fail(std::string_view why) {
  if (!is_set_up() || reconnecting_ || run().current_phase() == Phase::done) return fail(why);
  // Safe to repeat: polls change nothing, and a post carries its message id.
  reconnecting_ = true;
  bump(worker().counters.reconnects);
  boost::system::error_code ignored;
  socket_.close(ignored);
  buffer_.clear();
  try {
    open_socket(socket_);
  } catch (const boost::system::system_error& failure) {
    return fail(failure.what());
  }
  socket_.async_connect(server(), [this](boost::system::error_code error) {
    if (error) return fail("reconnect: " + error.message());
    socket_.set_option(asio::ip::tcp::no_delay(true));
    send_request();
  });
}

void HttpClient::read_answer() {
  HttpAnswer answer;
  const std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  switch (parse_http_answer(data, answer)) {
    case AnswerState::complete: {
      const std::size_t used = answer.total_bytes;
      reconnecting_ = false;
      on_answer(answer);
      buffer_.consume(used);
      return;
    }
    case AnswerState::malformed:
      return fail("malformed HTTP answer");
    case AnswerState::incomplete:
      break;
  }
  socket_.async_read_some(buffer_.prepare(kReadBytes),
                          [this](boost::system::error_code error, std::size_t bytes) {
                            if (error) {
                              if (run().current_phase() != Phase::done)
                                fail("read: " + error.message());
                              return;
                            }
                            buffer_.commit(bytes);
                            read_answer();
                          });
}

void HttpClient::on_answer(const HttpAnswer& answer) {
  switch (step_) {
    case Step::guest:
      return on_guest(answer);
    case Step::first_poll:
    case Step::poll:
      return on_poll(answer);
    case Step::post:
      return on_post(answer);
  }
}

void HttpClient::on_guest(const HttpAnswer& answer) {
  if (answer.status != 200) return fail("POST /api/guest answered " + status_and_body(answer));
  const auto cookie = find_header(answer.headers, "Set-Cookie");
  const auto csrf = find_string_field(answer.body, "csrf_token");
  if (!cookie || !csrf) return fail("POST /api/guest gave no cookie or csrf_token");
  cookie_ = std::string(cookie->substr(0, cookie->find(';')));
  csrf_token_ = std::string(*csrf);
  if (!receives()) {
    note_set_up(0);
    return;
  }
  poll_target_ = "/api/rooms/" + room_name() + "/messages?";
  if (options().transport == Transport::longpoll) {
    poll_target_ += "wait=" + std::to_string(options().poll_wait_seconds) + "&";
  }
  poll_target_ += "after=";
  // Where the room is now: polls start after its last seq.
  do_request(Step::first_poll, "GET", "/api/rooms/" + room_name() + "/messages?after=0&limit=1",
             {});
}

void HttpClient::on_poll(const HttpAnswer& answer) {
  const std::uint64_t received_ns = now_ns();
  const bool first = step_ == Step::first_poll;
  if (answer.status != 200) {
    if (first) return fail("first poll answered " + status_and_body(answer));
    note_error("poll answered " + status_and_body(answer));
    return poll_later(received_ns + kRetryPauseNs);
  }
  std::uint64_t last_seq = 0;
  const bool scanned = scan_message_page(answer.body, last_seq, [&](const ScannedFrame& message) {
    if (!first) note_message(message, received_ns);
  });
  if (!scanned) note_error("unreadable poll answer: " + std::string(answer.body.substr(0, 200)));
  if (first) {
    note_set_up(last_seq);
    next_poll_ns_ = received_ns;
    return do_poll();
  }
  note_request_done(request_started_ns_);
  if (options().transport == Transport::longpoll || options().poll_rate <= 0) return do_poll();
  // Plain polls keep their own pace, like an open-loop sender.
  next_poll_ns_ += static_cast<std::uint64_t>(1e9 / options().poll_rate);
  poll_later(next_poll_ns_);
}

void HttpClient::poll_later(std::uint64_t due_ns) {
  poll_pace_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due_ns)));
  poll_pace_.async_wait([this](boost::system::error_code error) {
    if (!error) do_poll();
  });
}

void HttpClient::do_poll() {
  if (run().current_phase() == Phase::done || is_dropped()) return;
  do_request(Step::poll, "GET", poll_target_ + std::to_string(tracker().highest_seq()), {});
}

void HttpClient::send_one() {
  if (posting_) {
    ++posts_waiting_;
    return;
  }
  posting_ = true;
  bump(worker().counters.sent);
  do_request(Step::post, "POST", "/api/rooms/" + room_name() + "/messages",
             R"({"text":")" + make_text() + R"(","id":")" + next_id() + "\"}");
}

void HttpClient::on_post(const HttpAnswer& answer) {
  posting_ = false;
  ScannedFrame stored;
  if ((answer.status == 200 || answer.status == 201) && scan_frame(answer.body, stored) &&
      stored.has_seq) {
    note_ack(stored.seq);  // in closed loop this sends the next one
  } else {
    note_error("post answered " + status_and_body(answer));
  }
  if (!posting_ && posts_waiting_ > 0 && run().is_sending()) {
    --posts_waiting_;
    send_one();
  }
}

void HttpClient::fail(std::string_view why) {
  if (is_dropped()) return;
  note_dropped(why);
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace parley::bench
