// A simulated user over HTTP: a guest session (POST /api/guest), then either
// polls one room (long polls, or plain polls at a pace) or posts messages to
// it. One keep-alive connection, one request at a time, HTTP by hand
// (http_answer). Runs on its Worker's thread.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "client.hpp"
#include "http_answer.hpp"

namespace parley::bench {

class HttpClient final : public Client {
 public:
  HttpClient(Worker& worker, const Placement& placement, bool receives, bool sends);

  void start() override;

 private:
  enum class Step { guest, first_poll, poll, post };

  void send_one() override;
  void on_connect(boost::system::error_code error);
  void do_request(Step step, std::string_view method, std::string_view target,
                  std::string_view body);
  void read_answer();
  void on_answer(const HttpAnswer& answer);
  void on_guest(const HttpAnswer& answer);
  void on_poll(const HttpAnswer& answer);
  void on_post(const HttpAnswer& answer);
  void poll_later(std::uint64_t due_ns);
  void do_poll();
  // A keep-alive connection the server closed (idle too long): reconnect
  // once and send the same request again; otherwise fail.
  void reconnect_or_fail(std::string_view why);
  void send_request();
  void fail(std::string_view why);

  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::string request_;
  Step step_ = Step::guest;
  std::uint64_t request_started_ns_ = 0;
  std::string cookie_;
  std::string csrf_token_;
  std::string poll_target_;        // the poll URL up to "after="
  std::size_t posts_waiting_ = 0;  // open-loop sends due while a post was in flight
  bool posting_ = false;
  boost::asio::steady_timer poll_pace_;
  std::uint64_t next_poll_ns_ = 0;
  bool reconnecting_ = false;  // until an answer arrives on the new connection
};

}  // namespace parley::bench
