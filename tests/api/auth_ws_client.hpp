// A WebSocket client that presents itself as a browser or a bot would: the
// upgrade request carries chosen header fields (Cookie, Origin,
// Authorization). Built on Beast, with its own io_context; every wait has a
// timeout. Frames collect in an inbox in arrival order whenever the client
// waits. Used by one thread at a time.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/frames.hpp"
#include "support/http_client.hpp"
#include "support/ws_client.hpp"

namespace parley::test {

class AuthWsClient {
 public:
  AuthWsClient();
  ~AuthWsClient();
  AuthWsClient(const AuthWsClient&) = delete;
  AuthWsClient& operator=(const AuthWsClient&) = delete;

  // Asks 127.0.0.1:`port` to upgrade `target`, with `headers` added to the
  // request (Host is 127.0.0.1:port). Returns 101 on success, the status of
  // a refusal, or 0 when no answer came.
  int connect(std::uint16_t port, std::string_view target, const HttpHeaders& headers = {},
              Duration timeout = kDefaultTimeout);

  bool send_json(const Frame& frame, Duration timeout = kDefaultTimeout);
  std::optional<Frame> next_frame(Duration timeout = kDefaultTimeout);
  // The first frame of `type` that `matches`; earlier frames stay queued.
  std::optional<Frame> wait_for(std::string_view type, const FramePredicate& matches = {},
                                Duration timeout = kDefaultTimeout);
  // As wait_for, but throws (naming what did arrive) when nothing matches.
  Frame expect(std::string_view type, const FramePredicate& matches = {},
               Duration timeout = kDefaultTimeout);
  // Every frame that arrives within `quiet`, plus those already queued.
  std::vector<Frame> take_within(Duration quiet);
  void close(Duration timeout = kDefaultTimeout);
  bool is_closed() const { return closed_; }

 private:
  using Stream = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;

  void start_reading();
  bool run_until(const std::function<bool()>& done, Duration timeout);
  std::string describe_inbox() const;

  boost::asio::io_context io_;
  Stream ws_;
  boost::beast::flat_buffer read_buffer_;
  bool connected_ = false;
  bool reading_ = false;
  bool closed_ = false;
  std::deque<Frame> inbox_;
};

// Joins `room` and returns the joined frame; throws when it does not come.
Frame join_room(AuthWsClient& client, std::string_view room);

}  // namespace parley::test
