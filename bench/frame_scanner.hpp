// Reads the few fields the benchmark needs from the server's JSON frames and
// poll answers without building a document: one pass, no allocation. String
// values are returned raw (escapes not decoded): the names, ids and texts the
// benchmark compares are its own and never need escaping.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace parley::bench {

struct ScannedFrame {
  std::string_view type;
  std::string_view room;
  std::string_view id;
  std::string_view text;
  std::string_view code;  // of an error frame
  std::uint64_t seq = 0;
  bool has_seq = false;
};

// False when `json` is not a well-formed object (as far as the scan goes).
[[nodiscard]] bool scan_frame(std::string_view json, ScannedFrame& frame);

// A poll answer {"room":R,"messages":[...],"last_seq":N}: calls `on_message`
// for each message in order and sets `last_seq`.
[[nodiscard]] bool scan_message_page(std::string_view json, std::uint64_t& last_seq,
                                     const std::function<void(const ScannedFrame&)>& on_message);

// The raw value of the top-level string field `key`, if there is one.
std::optional<std::string_view> find_string_field(std::string_view json, std::string_view key);

// The send time the benchmark wrote at the start of a text ("t=<ns> ...").
std::optional<std::uint64_t> parse_send_time(std::string_view text);

}  // namespace parley::bench
