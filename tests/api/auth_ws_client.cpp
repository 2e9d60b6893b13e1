#include "api/auth_ws_client.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>
#include <thread>

namespace parley::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

AuthWsClient::AuthWsClient() : ws_(io_) {}

AuthWsClient::~AuthWsClient() {
  beast::error_code ignored;
  ws_.next_layer().close(ignored);
}

int AuthWsClient::connect(std::uint16_t port, std::string_view target, const HttpHeaders& headers,
                          Duration timeout) {
  beast::error_code error;
  tcp::socket& socket = ws_.next_layer();
  socket.open(tcp::v4(), error);
  if (error) return 0;
  bool done = false;
  socket.async_connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port),
                       [&](beast::error_code result) {
                         error = result;
                         done = true;
                       });
  if (!run_until([&] { return done; }, timeout) || error) return 0;

  ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
    for (const auto& [name, value] : headers) request.set(name, value);
  }));
  websocket::response_type response;
  done = false;
  ws_.async_handshake(response, "127.0.0.1:" + std::to_string(port), target,
                      [&](beast::error_code result) {
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

bool AuthWsClient::send_json(const Frame& frame, Duration timeout) {
  if (!connected_ || closed_) return false;
  const std::string text = boost::json::serialize(frame);
  bool done = false;
  beast::error_code error;
  ws_.async_write(asio::buffer(text), [&](beast::error_code result, std::size_t) {
    error = result;
    done = true;
  });
  if (!run_until([&] { return done; }, timeout)) {
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
    closed_ = true;
    run_until([&] { return done; }, timeout);
    return false;
  }
  return !error;
}

void AuthWsClient::start_reading() {
  if (reading_ || closed_) return;
  reading_ = true;
  ws_.async_read(read_buffer_, [this](beast::error_code error, std::size_t) {
    reading_ = false;
    if (error) {
      closed_ = true;
      return;
    }
    const std::string text = beast::buffers_to_string(read_buffer_.data());
    read_buffer_.consume(read_buffer_.size());
    boost::system::error_code parse_error;
    boost::json::value value = boost::json::parse(text, parse_error);
    if (!parse_error && value.is_object()) {
      inbox_.push_back(std::move(value.get_object()));
    } else {
      inbox_.push_back(Frame{{"type", "<not a JSON object>"}, {"raw", text}});
    }
    start_reading();
  });
}

std::optional<Frame> AuthWsClient::next_frame(Duration timeout) {
  run_until([this] { return !inbox_.empty() || closed_; }, timeout);
  if (inbox_.empty()) return std::nullopt;
  Frame frame = std::move(inbox_.front());
  inbox_.pop_front();
  return frame;
}

std::optional<Frame> AuthWsClient::wait_for(std::string_view type, const FramePredicate& matches,
                                            Duration timeout) {
  std::size_t scanned = 0;
  std::optional<std::size_t> found;
  run_until(
      [&] {
        for (; scanned < inbox_.size(); ++scanned) {
          if (has_type(inbox_[scanned], type) && (!matches || matches(inbox_[scanned]))) {
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

Frame AuthWsClient::expect(std::string_view type, const FramePredicate& matches, Duration timeout) {
  if (auto frame = wait_for(type, matches, timeout)) return *std::move(frame);
  throw std::runtime_error("expected a \"" + std::string(type) + "\" frame" +
                           (matches ? " that matches" : "") + "; " + describe_inbox());
}

std::vector<Frame> AuthWsClient::take_within(Duration quiet) {
  run_until([this] { return closed_; }, quiet);
  std::vector<Frame> frames(std::make_move_iterator(inbox_.begin()),
                            std::make_move_iterator(inbox_.end()));
  inbox_.clear();
  return frames;
}

void AuthWsClient::close(Duration timeout) {
  if (!connected_ || closed_) return;
  bool done = false;
  ws_.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  if (!run_until([&] { return done; }, timeout)) {
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
    run_until([&] { return done; }, timeout);
  }
  closed_ = true;
}

bool AuthWsClient::run_until(const std::function<bool()>& done, Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io_.stopped()) io_.restart();
    if (io_.run_one_until(deadline) == 0 && io_.stopped()) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return true;
}

std::string AuthWsClient::describe_inbox() const {
  std::string text = "inbox (" + std::to_string(inbox_.size()) + " frames):";
  for (const Frame& frame : inbox_) text.append(" ").append(to_text(frame));
  if (closed_) text.append(" [closed]");
  return text;
}

Frame join_room(AuthWsClient& client, std::string_view room) {
  if (!client.send_json(frames::join(room))) throw std::runtime_error("cannot send join");
  return client.expect("joined",
                       [room](const Frame& frame) { return string_field(frame, "room") == room; });
}

}  // namespace parley::test
