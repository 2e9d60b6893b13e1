#include "ws_client.hpp"

#include <boost/asio/write.hpp>

namespace parley::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::size_t kReadBytes = 64 * 1024;
constexpr std::uint64_t kMaxFrameBytes = 16 * 1024 * 1024;

}  // namespace

WsClient::WsClient(Worker& worker, const Placement& placement, bool receives, bool sends)
    : Client(worker, placement, receives, sends),
      socket_(worker.io),
      mask_state_(static_cast<std::uint32_t>(placement.index) * 2654435761u + 1) {}

void WsClient::start() {
  try {
    open_socket(socket_);
  } catch (const boost::system::system_error& failure) {
    note_setup_failed(failure.what());
    return;
  }
  socket_.async_connect(server(), [this](boost::system::error_code e) { on_connect(e); });
}

void WsClient::on_connect(boost::system::error_code error) {
  if (error) return fail("connect: " + error.message());
  socket_.set_option(asio::ip::tcp::no_delay(true));
  upgrade_ = {http::verb::get, "/ws?name=" + name(), 11};
  upgrade_.set(http::field::host, host_header());
  upgrade_.set(http::field::upgrade, "websocket");
  upgrade_.set(http::field::connection, "Upgrade");
  // Any 16 bytes in base64 do; the tool does not check the server's answer to it.
  upgrade_.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  upgrade_.set(http::field::sec_websocket_version, "13");
  http::async_write(socket_, upgrade_, [this](boost::system::error_code e, std::size_t) {
    if (e) return fail("upgrade request: " + e.message());
    // Frames sent right after the answer stay in buffer_ for the frame reader.
    http::async_read(socket_, buffer_, upgrade_answer_,
                     [this](boost::system::error_code e2, std::size_t) { on_upgrade(e2); });
  });
}

void WsClient::on_upgrade(boost::system::error_code error) {
  if (error) return fail("upgrade answer: " + error.message());
  if (upgrade_answer_.result() != http::status::switching_protocols) {
    return fail("upgrade answered " + std::to_string(upgrade_answer_.result_int()) + " " +
                upgrade_answer_.body().substr(0, 200));
  }
  upgrade_answer_ = {};
  queue_frame(Opcode::text, R"({"type":"join","room":")" + room_name() + "\"}");
  if (handle_frames()) do_read();
}

void WsClient::do_read() {
  socket_.async_read_some(buffer_.prepare(kReadBytes),
                          [this](boost::system::error_code e, std::size_t n) { on_read(e, n); });
}

void WsClient::on_read(boost::system::error_code error, std::size_t bytes) {
  if (error) {
    if (run().current_phase() != Phase::done) fail("read: " + error.message());
    return;
  }
  buffer_.commit(bytes);
  if (handle_frames()) do_read();
}

bool WsClient::handle_frames() {
  for (;;) {
    const std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    const auto header = parse_frame_header(data);
    if (!header) return true;
    if (header->masked || header->payload_bytes > kMaxFrameBytes) {
      fail("bad frame from the server");
      return false;
    }
    const std::size_t frame_bytes = header->header_bytes + header->payload_bytes;
    if (data.size() < frame_bytes) return true;  // the rest comes with a later read
    const bool open =
        handle_frame(*header, data.substr(header->header_bytes, header->payload_bytes));
    buffer_.consume(frame_bytes);
    if (!open) return false;
  }
}

bool WsClient::handle_frame(const FrameHeader& header, std::string_view payload) {
  switch (header.opcode) {
    case Opcode::text:
    case Opcode::continuation:
      if (header.fin && fragments_.empty()) {
        handle_text(payload);
      } else {
        fragments_.append(payload);
        if (header.fin) {
          handle_text(fragments_);
          fragments_.clear();
        }
      }
      return true;
    case Opcode::ping:
      queue_frame(Opcode::pong, payload);
      return true;
    case Opcode::pong:
      return true;
    case Opcode::close: {
      const unsigned code = payload.size() >= 2 ? (static_cast<std::uint8_t>(payload[0]) << 8) |
                                                      static_cast<std::uint8_t>(payload[1])
                                                : 0;
      fail("closed by the server with code " + std::to_string(code));
      return false;
    }
    default:
      fail("binary or unknown frame from the server");
      return false;
  }
}

void WsClient::handle_text(std::string_view text) {
  ScannedFrame frame;
  if (!scan_frame(text, frame)) return note_error("unreadable frame: " + std::string(text));
  const std::string_view type = frame.type;
  if (type == "message") {
    note_message(frame, now_ns());
  } else if (type == "ack") {
    if (frame.has_seq) note_ack(frame.seq);
  } else if (type == "joined") {
    if (!joined_ && frame.room == room_name()) {
      joined_ = true;
      note_set_up(frame.seq);
    }
  } else if (type == "error") {
    note_error(std::string(frame.code) + " (" + std::string(text.substr(0, 200)) + ")");
  }
  // hello, presence, typing, pong, left: nothing to count.
}

void WsClient::send_one() {
  const std::string frame = R"({"type":"send","room":")" + room_name() + R"(","text":")" +
                            make_text() + R"(","id":")" + next_id() + "\"}";
  bump(worker().counters.sent);
  queue_frame(Opcode::text, frame);
}

void WsClient::queue_frame(Opcode opcode, std::string_view payload) {
  // xorshift32: masks need not be secret here, only varied.
  mask_state_ ^= mask_state_ << 13;
  mask_state_ ^= mask_state_ >> 17;
  mask_state_ ^= mask_state_ << 5;
  append_client_frame(pending_, opcode, payload, mask_state_);
  if (writing_.empty()) do_write();
}

void WsClient::do_write() {
  // Everything queued goes out in one write.
  writing_.swap(pending_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [this](boost::system::error_code error, std::size_t) {
                      writing_.clear();
                      if (error) return fail("write: " + error.message());
                      if (!pending_.empty()) do_write();
                    });
}

void WsClient::fail(std::string_view why) {
  if (is_dropped()) return;
  note_dropped(why);
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace parley::bench
