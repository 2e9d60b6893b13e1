#include "support/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>
#include <thread>

namespace parley::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

WsClient::WsClient() : ws_(io_) {}

WsClient::~WsClient() {
  // Pending handlers are destroyed with the io_context, never run.
  beast::error_code ignored;
  ws_.next_layer().close(ignored);
}

int WsClient::connect(std::uint16_t port, std::string_view target, Duration timeout) {
  return connect(port, target, HttpHeaders{}, timeout);
}

int WsClient::connect(std::uint16_t port, std::string_view target, const HttpHeaders& headers,
                      Duration timeout) {
  beast::error_code error;
  tcp::socket& socket = ws_.next_layer();
  socket.open(tcp::v4(), error);
  if (error) return 0;
  if (receive_buffer_bytes_ > 0) {
    socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer_bytes_), error);
  }
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  bool done = false;
  socket.async_connect(endpoint, [&](beast::error_code result) {
    error = result;
    done = true;
  });
  if (!run_until([&] { return done; }, timeout) || error) return 0;

  if (!headers.empty()) {
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
      for (const auto& [name, value] : headers) request.set(name, value);
    }));
  }
  websocket::response_type response;
  done = false;
  const std::string host = "127.0.0.1:" + std::to_string(port);
  ws_.async_handshake(response, host, target, [&](beast::error_code result) {
    error = result;
    done = true;
  });
  if (!run_until([&] { return done; }, timeout)) return 0;
  if (error) return error == websocket::error::upgrade_declined ? response.result_int() : 0;
  ws_.text(true);
  connected_ = true;
  start_reading();
  return kSwitchingProtocols;
}

bool WsClient::send_json(const Frame& frame, Duration timeout) {
  return write(boost::json::serialize(frame), true, timeout);
}

bool WsClient::send_text(std::string_view text, Duration timeout) {
  return write(text, true, timeout);
}

bool WsClient::send_binary(std::string_view bytes, Duration timeout) {
  return write(bytes, false, timeout);
}

bool WsClient::write(std::string_view data, bool as_text, Duration timeout) {
  if (!connected_ || closed_) return false;
  ws_.text(as_text);
  bool done = false;
  beast::error_code error;
  ws_.async_write(asio::buffer(data.data(), data.size()),
                  [&](beast::error_code result, std::size_t) {
                    error = result;
                    done = true;
                  });
  // The write must finish before `data` and `done` go out of scope.
  if (!run_until([&] { return done; }, timeout)) {
    drop();
    run_until([&] { return done; }, timeout);
    return false;
  }
  return !error;
}

void WsClient::start_reading() {
  if (reading_ || closed_) return;
  reading_ = true;
  ws_.async_read(read_buffer_, [this](beast::error_code error, std::size_t) { on_read(error); });
}

void WsClient::on_read(beast::error_code error) {
  reading_ = false;
  if (error) {
    closed_ = true;
    if (error == websocket::error::closed) {
      close_code_ = ws_.reason().code;
    } else if (!close_code_) {
      close_code_ = kAbnormalClosure;
    }
    return;
  }
  const std::string text = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  boost::system::error_code parse_error;
  boost::json::value value = boost::json::parse(text, parse_error);
  if (!parse_error && value.is_object()) {
    inbox_.push_back(std::move(value.get_object()));
  } else {
    // Kept, so that a test that looks for anything else fails visibly.
    inbox_.push_back(Frame{{"type", "<not a JSON object>"}, {"raw", text}});
  }
  start_reading();
}

std::optional<Frame> WsClient::next_frame(Duration timeout) {
  run_until([this] { return !inbox_.empty() || closed_; }, timeout);
  if (inbox_.empty()) return std::nullopt;
  Frame frame = std::move(inbox_.front());
  inbox_.pop_front();
  return frame;
}

std::optional<Frame> WsClient::wait_for(std::string_view type, const FramePredicate& matches,
                                        Duration timeout) {
  return wait_for_match(
      [&](const Frame& frame) { return has_type(frame, type) && (!matches || matches(frame)); },
      timeout);
}

std::optional<Frame> WsClient::wait_for_match(const FramePredicate& matches, Duration timeout) {
  std::size_t scanned = 0;
  std::optional<std::size_t> found;
  run_until(
      [&] {
        for (; scanned < inbox_.size(); ++scanned) {
          if (matches(inbox_[scanned])) {
            found = scanned;
            return true;
          }
        }
        return closed_;
      },
      timeout);
  if (!found) return std::nullopt;
  auto position = inbox_.begin() + static_cast<std::ptrdiff_t>(*found);
  Frame frame = std::move(*position);
  inbox_.erase(position);
  return frame;
}

Frame WsClient::expect(std::string_view type, const FramePredicate& matches, Duration timeout) {
  if (auto frame = wait_for(type, matches, timeout)) return *std::move(frame);
  throw std::runtime_error("expected a \"" + std::string(type) + "\" frame" +
                           (matches ? " that matches" : "") + "; " + describe_inbox());
}

std::vector<Frame> WsClient::collect_through(std::string_view type, Duration timeout) {
  return collect_matching([type](const Frame& frame) { return has_type(frame, type); }, timeout,
                          "a \"" + std::string(type) + "\" frame");
}

std::vector<Frame> WsClient::collect_until(const FramePredicate& matches, Duration timeout) {
  return collect_matching(matches, timeout, "a frame that matches");
}

std::vector<Frame> WsClient::collect_matching(const FramePredicate& matches, Duration timeout,
                                              std::string_view wanted) {
  std::size_t scanned = 0;
  bool found = false;
  run_until(
      [&] {
        for (; scanned < inbox_.size(); ++scanned) {
          if (matches(inbox_[scanned])) {
            found = true;
            return true;
          }
        }
        return closed_;
      },
      timeout);
  if (!found) {
    throw std::runtime_error("expected " + std::string(wanted) + "; " + describe_inbox());
  }
  std::vector<Frame> frames(
      std::make_move_iterator(inbox_.begin()),
      std::make_move_iterator(inbox_.begin() + static_cast<std::ptrdiff_t>(scanned + 1)));
  inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(scanned + 1));
  return frames;
}

std::vector<Frame> WsClient::take_received() {
  if (io_.stopped()) io_.restart();
  io_.poll();
  std::vector<Frame> frames(std::make_move_iterator(inbox_.begin()),
                            std::make_move_iterator(inbox_.end()));
  inbox_.clear();
  return frames;
}

std::vector<Frame> WsClient::take_within(Duration quiet) {
  run_until([this] { return closed_; }, quiet);
  std::vector<Frame> frames(std::make_move_iterator(inbox_.begin()),
                            std::make_move_iterator(inbox_.end()));
  inbox_.clear();
  return frames;
}

std::optional<int> WsClient::wait_for_close(Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_ && std::chrono::steady_clock::now() < deadline) {
    inbox_.clear();  // a slow reader may have megabytes to get through
    run_until([this] { return !inbox_.empty() || closed_; },
              std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now()));
  }
  inbox_.clear();
  if (!closed_) return std::nullopt;
  return close_code_;
}

void WsClient::close(Duration timeout) {
  if (!connected_ || closed_) return;
  bool done = false;
  ws_.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  if (!run_until([&] { return done; }, timeout)) {
    drop();
    run_until([&] { return done; }, timeout);
  }
  closed_ = true;
}

void WsClient::drop() {
  beast::error_code ignored;
  ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  ws_.next_layer().close(ignored);
  closed_ = true;
  if (!close_code_) close_code_ = kAbnormalClosure;
}

bool WsClient::run_until(const std::function<bool()>& done, Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io_.stopped()) io_.restart();
    if (io_.run_one_until(deadline) == 0 && io_.stopped()) {
      // Nothing left to run: nothing can change until the deadline.
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return true;
}

std::string WsClient::describe_inbox() const {
  std::string text = "inbox (";
  text.append(std::to_string(inbox_.size())).append(" frames):");
  std::size_t shown = 0;
  for (const Frame& frame : inbox_) {
    if (++shown > 20) {
      text.append(" ...");
      break;
    }
    text.append(" ").append(to_text(frame));
  }
  if (closed_) {
    text.append(" [closed, code ").append(std::to_string(close_code_.value_or(0))).append("]");
  }
  return text;
}

}  // namespace parley::test
