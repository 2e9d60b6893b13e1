// The history export format, JSON Lines: one JSON object per line.
//
//   {"parley_export":1}                                  first line: format and version
//   {"type":"room","name":R,"kind":"public"|"private"|"direct","owner":U|null,
//    "last_seq":N,"trimmed_seq":T,"created_ms":C,"last_active_ms":A,
//    "access":[{"user":U,"granted_ms":G}...]}            a room, then its events
//   {"type":"event","seq":S,"ts":TS,"kind":K,"user":U,"author_id":I,"guest":bool,
//    "id":ID, ...the fields of its kind}                  one per event, seq order
//   {"type":"end","rooms":R,"events":E}                  last line: nothing was cut off
//
// Event fields by kind: "message": "text", optional "reply_to", "edited_ts",
// "deleted"; "edit": "target", "text", optional "deleted"; "delete": "target";
// "reaction": "target", "emoji", "on". The events of a room are exactly
// trimmed_seq + 1 ... last_seq, without gaps. Texts are as stored now (final:
// an edited message carries its last text, a deleted one none). docs/
// operations.md describes the format for operators. Pure functions and a
// reader of one stream; any thread, one reader per thread.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>

#include "store/history_archive.hpp"
#include "store/message_store.hpp"

namespace parley::admin {

inline constexpr std::int64_t kHistoryFormatVersion = 1;
// Longer lines are refused before they are parsed (a message is at most
// 4000 code points: 16 KiB of UTF-8, 24 KiB escaped).
inline constexpr std::size_t kMaxHistoryLineBytes = 1 << 20;

// Each without its newline.
std::string encode_history_header();
std::string encode_history_room(const store::ArchivedRoom& room);
std::string encode_history_event(const store::StoredMessage& event);
std::string encode_history_end(std::uint64_t rooms, std::uint64_t events);

// One item of a history stream, as the reader hands it over.
struct HistoryItem {
  enum class Kind { room, event };
  Kind kind = Kind::room;
  store::ArchivedRoom room = {};    // Kind::room
  store::StoredMessage event = {};  // Kind::event, of the last room read
};

// Reads a history stream line by line, checking every field and the order
// of the whole (header first, each room's events gap-free up to its
// last_seq, the end line last, with the right counts). Never throws on what
// it reads; an error names the line.
class HistoryReader {
 public:
  explicit HistoryReader(std::istream& in) : in_(in) {}

  // The next room or event: true. false at the end of a complete stream
  // (error() empty) or on an error (error() says what and where).
  bool next(HistoryItem& item);
  const std::string& error() const { return error_; }

 private:
  bool fail(std::string what);
  // The next line into line_: false at the end of the input.
  bool read_line();
  // The room whose events are being read is complete.
  bool room_complete();

  std::istream& in_;
  std::string line_;
  std::string error_;
  std::uint64_t line_number_ = 0;
  bool started_ = false;
  bool ended_ = false;
  bool in_room_ = false;
  store::ArchivedRoom room_ = {};  // the room being read (its name and seqs)
  std::uint64_t next_seq_ = 0;     // the seq the room's next event must have
  std::uint64_t rooms_ = 0;
  std::uint64_t events_ = 0;
};

}  // namespace parley::admin
