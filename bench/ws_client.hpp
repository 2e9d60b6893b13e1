// A simulated user over the WebSocket contract: /ws?name=..., one join, then
// every frame read and counted; a sender also sends messages and counts acks.
// Frames are read and written by ws_framing, not Beast's websocket stream:
// one 64 KiB read then yields every frame it holds, where Beast reads at most
// 1536 bytes and runs one composed operation per message, which made the
// tool as costly per delivery as the server. Runs on its Worker's thread.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "client.hpp"
#include "ws_framing.hpp"

namespace parley::bench {

class WsClient final : public Client {
 public:
  WsClient(Worker& worker, const Placement& placement, bool receives, bool sends);

  void start() override;

 private:
  void send_one() override;
  void on_connect(boost::system::error_code error);
  void on_upgrade(boost::system::error_code error);
  void do_read();
  void on_read(boost::system::error_code error, std::size_t bytes);
  // Handles every whole frame in the buffer; false when the connection ended.
  bool handle_frames();
  bool handle_frame(const FrameHeader& header, std::string_view payload);
  void handle_text(std::string_view text);
  void queue_frame(Opcode opcode, std::string_view payload);
  void do_write();
  void fail(std::string_view why);

  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;  // the upgrade answer, then frames
  boost::beast::http::request<boost::beast::http::empty_body> upgrade_;
  boost::beast::http::response<boost::beast::http::string_body> upgrade_answer_;
  std::string writing_;    // frames being written
  std::string pending_;    // frames queued while a write is in flight
  std::string fragments_;  // a fragmented message being put together
  std::uint32_t mask_state_;
  bool joined_ = false;
};

}  // namespace parley::bench
