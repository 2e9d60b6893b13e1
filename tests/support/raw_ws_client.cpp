#include "support/raw_ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace parley::test {
namespace {

constexpr std::array<std::uint8_t, 4> kMaskKey = {0x37, 0xfa, 0x21, 0x3d};
constexpr int kAbnormalClosure = 1006;

}  // namespace

std::string encode_client_frame(std::uint8_t opcode, std::string_view payload, Masking masking,
                                Fin fin) {
  std::string frame;
  const std::uint8_t fin_bit = fin == Fin::final ? 0x80 : 0x00;
  frame.push_back(static_cast<char>(fin_bit | (opcode & 0x0f)));
  const std::uint8_t mask_bit = masking == Masking::masked ? 0x80 : 0x00;
  const std::uint64_t size = payload.size();
  if (size < 126) {
    frame.push_back(static_cast<char>(mask_bit | size));
  } else if (size <= 0xffff) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xff));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((size >> shift) & 0xff));
    }
  }
  if (masking == Masking::unmasked) return frame.append(payload);
  for (std::uint8_t byte : kMaskKey) frame.push_back(static_cast<char>(byte));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ kMaskKey[i % 4]));
  }
  return frame;
}

std::string encode_client_frame(Opcode opcode, std::string_view payload, Fin fin) {
  return encode_client_frame(static_cast<std::uint8_t>(opcode), payload, Masking::masked, fin);
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  return payload.append(reason);
}

int ServerFrame::close_code() const {
  if (payload.size() < 2) return 1005;  // RFC 6455 7.1.5: no status code present
  return (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
}

RawWsClient::~RawWsClient() {
  if (fd_ >= 0) ::close(fd_);
}

int RawWsClient::connect(std::uint16_t port, std::string_view target,
                         std::string_view sent_with_request) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return 0;

  const std::string request = "GET " + std::string(target) +
                              " HTTP/1.1\r\n"
                              "Host: 127.0.0.1:" +
                              std::to_string(port) +
                              "\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n" +
                              std::string(sent_with_request);
  if (!send_bytes(request)) return 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    bool timed_out = false;
    if (!read_more(deadline, timed_out)) return 0;
  }
  // "HTTP/1.1 101 Switching Protocols"
  const std::string status_line = buffer_.substr(0, buffer_.find("\r\n"));
  buffer_.erase(0, header_end + 4);
  if (status_line.size() < 12) return 0;
  return std::stoi(status_line.substr(9, 3));
}

bool RawWsClient::send_bytes(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

bool RawWsClient::read_more(std::chrono::steady_clock::time_point deadline, bool& timed_out) {
  timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      return false;
    }
    pollfd ready{fd_, POLLIN, 0};
    const int polled = ::poll(&ready, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled <= 0) continue;  // the deadline check above ends it
    char chunk[16384];
    const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ended_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return true;
  }
}

std::optional<ServerFrame> RawWsClient::take_buffered_frame() {
  const auto byte = [this](std::size_t i) { return static_cast<std::uint8_t>(buffer_[i]); };
  if (buffer_.size() < 2) return std::nullopt;
  std::uint64_t size = byte(1) & 0x7f;
  std::size_t header = 2;
  if (size == 126) {
    if (buffer_.size() < 4) return std::nullopt;
    size = (std::uint64_t{byte(2)} << 8) | byte(3);
    header = 4;
  } else if (size == 127) {
    if (buffer_.size() < 10) return std::nullopt;
    size = 0;
    for (std::size_t i = 2; i < 10; ++i) size = (size << 8) | byte(i);
    header = 10;
  }
  if (buffer_.size() < header + size) return std::nullopt;
  ServerFrame frame;
  frame.opcode = byte(0) & 0x0f;
  frame.final = (byte(0) & 0x80) != 0;
  frame.payload = buffer_.substr(header, size);
  buffer_.erase(0, header + size);
  return frame;
}

std::optional<int> RawWsClient::wait_for_close(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (auto frame = take_buffered_frame()) {
      if (frame->is(Opcode::close)) return frame->close_code();
    }
    bool timed_out = false;
    if (!read_more(deadline, timed_out)) {
      if (timed_out) return std::nullopt;
      return kAbnormalClosure;
    }
  }
}

std::optional<ServerFrame> RawWsClient::next_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto frame = take_buffered_frame()) return frame;
    bool timed_out = false;
    if (!read_more(deadline, timed_out)) return std::nullopt;
  }
}

bool RawWsClient::wait_for_end(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    buffer_.clear();
    bool timed_out = false;
    if (!read_more(deadline, timed_out)) return !timed_out;
  }
}

}  // namespace parley::test
