// A WebSocket client for integration tests, built on Beast: one connection
// with its own io_context, used by one thread at a time. Whenever the client
// waits or writes it also reads, so frames collect in an inbox in arrival
// order; every wait has a timeout (async operations run with run_one_until,
// never a blocking read). Not reading at all is possible too: a client that
// is not called does not read (the slow-reader case).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/frames.hpp"
#include "support/http_headers.hpp"

namespace parley::test {

using Duration = std::chrono::milliseconds;
inline constexpr Duration kDefaultTimeout{5000};
inline constexpr int kSwitchingProtocols = 101;
// RFC 6455 7.1.5: the code reported when a connection ends without a close frame.
inline constexpr int kAbnormalClosure = 1006;

using FramePredicate = std::function<bool(const Frame&)>;

class WsClient {
 public:
  WsClient();
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Asks the kernel for a small receive buffer, so that a client that does
  // not read backs up quickly; call before connect().
  void set_receive_buffer_bytes(int bytes) { receive_buffer_bytes_ = bytes; }

  // Connects to 127.0.0.1:`port` and asks to upgrade `target` (e.g.
  // "/ws?name=alice"), with `headers` (Cookie, Origin, Authorization, as a
  // browser or a bot would send them) added to the request; Host is
  // 127.0.0.1:port. Returns 101 on success, the HTTP status of a refusal,
  // or 0 when no answer came (refused connection, timeout).
  int connect(std::uint16_t port, std::string_view target, Duration timeout = kDefaultTimeout);
  int connect(std::uint16_t port, std::string_view target, const HttpHeaders& headers,
              Duration timeout = kDefaultTimeout);

  // Each returns false when the frame could not be written in time.
  bool send_json(const Frame& frame, Duration timeout = kDefaultTimeout);
  bool send_text(std::string_view text, Duration timeout = kDefaultTimeout);
  bool send_binary(std::string_view bytes, Duration timeout = kDefaultTimeout);

  // The oldest frame not yet taken, waiting up to `timeout` for one.
  std::optional<Frame> next_frame(Duration timeout = kDefaultTimeout);
  // The first frame of `type` that `matches` (any when empty); frames before
  // it stay in the inbox, in order.
  std::optional<Frame> wait_for(std::string_view type, const FramePredicate& matches = {},
                                Duration timeout = kDefaultTimeout);
  // The first frame that `matches`, whatever its type; frames before it stay
  // in the inbox, in order.
  std::optional<Frame> wait_for_match(const FramePredicate& matches,
                                      Duration timeout = kDefaultTimeout);
  // As wait_for, but throws (with what did arrive) when nothing matches.
  Frame expect(std::string_view type, const FramePredicate& matches = {},
               Duration timeout = kDefaultTimeout);
  // Every frame up to and including the first of `type`; throws on timeout.
  std::vector<Frame> collect_through(std::string_view type, Duration timeout = kDefaultTimeout);
  // Every frame up to and including the first that `matches`, whatever its
  // type; throws on timeout.
  std::vector<Frame> collect_until(const FramePredicate& matches,
                                   Duration timeout = kDefaultTimeout);
  // Reads what has arrived without waiting and hands over the whole inbox.
  std::vector<Frame> take_received();
  // Every frame that arrives within `quiet` (or until the connection ends),
  // plus those already in the inbox; hands over the whole inbox.
  std::vector<Frame> take_within(Duration quiet);

  // Reads (and discards) frames until the connection ends. Returns the close
  // code the server sent, kAbnormalClosure if it ended without a close frame,
  // or nullopt if it is still open after `timeout`.
  std::optional<int> wait_for_close(Duration timeout = kDefaultTimeout);
  // Closing handshake with 1000, bounded by `timeout`.
  void close(Duration timeout = kDefaultTimeout);
  // Cuts the TCP connection without a closing handshake.
  void drop();
  bool is_closed() const { return closed_; }

 private:
  using Stream = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;

  bool write(std::string_view data, bool as_text, Duration timeout);
  void start_reading();
  std::vector<Frame> collect_matching(const FramePredicate& matches, Duration timeout,
                                      std::string_view wanted);
  void on_read(boost::beast::error_code error);
  // Runs the io_context until `done` or the deadline; returns done().
  bool run_until(const std::function<bool()>& done, Duration timeout);
  std::string describe_inbox() const;

  boost::asio::io_context io_;
  Stream ws_;
  boost::beast::flat_buffer read_buffer_;
  int receive_buffer_bytes_ = 0;
  bool connected_ = false;
  bool reading_ = false;
  bool closed_ = false;
  std::optional<int> close_code_;
  std::deque<Frame> inbox_;
};

}  // namespace parley::test
