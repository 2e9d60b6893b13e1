// The history export format (admin/history_lines.hpp): what is written reads
// back the same, and hostile input is refused with the line that is wrong.
#include "admin/history_lines.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace parley::admin {
namespace {

const std::string kHeader = R"({"parley_export":1})";
const std::string kRoom =
    R"({"type":"room","name":"Lobby","kind":"public","owner":null,"last_seq":2,"trimmed_seq":0,)"
    R"("created_ms":1,"last_active_ms":2,"access":[]})";
const std::string kMessage =
    R"({"type":"event","seq":1,"ts":10,"kind":"message","user":"ann","author_id":"a:ann",)"
    R"("guest":false,"id":"c1","text":"hé \n ✓"})";
const std::string kReaction =
    R"({"type":"event","seq":2,"ts":11,"kind":"reaction","user":"bob","author_id":"a:bob",)"
    R"("guest":false,"id":"c2","target":1,"emoji":"👍","on":true})";
const std::string kEnd = R"({"type":"end","rooms":1,"events":2})";

std::string lines(const std::vector<std::string>& each) {
  std::string text;
  for (const std::string& line : each) text += line + "\n";
  return text;
}

// Reads all of `text`: the error, empty when it was complete.
std::string read_error(const std::string& text, std::size_t* items = nullptr) {
  std::istringstream in(text);
  HistoryReader reader(in);
  HistoryItem item;
  std::size_t count = 0;
  while (reader.next(item)) ++count;
  if (items != nullptr) *items = count;
  return reader.error();
}

TEST(HistoryLines, WhatIsWrittenReadsBackTheSame) {
  store::ArchivedRoom room{"Secret", core::RoomKind::private_room, "ann", 2, 1, 5, 6};
  room.access = {{"ann", 5}, {"bob", 7}};
  store::StoredMessage edit{2, 20, "ann", "new \"text\" 日本", "id-2", "a:ann", false};
  edit.kind = core::EventKind::edit;
  edit.target = 1;
  const std::string text = lines({encode_history_header(), encode_history_room(room),
                                  encode_history_event(edit), encode_history_end(1, 1)});
  std::istringstream in(text);
  HistoryReader reader(in);
  HistoryItem item;
  ASSERT_TRUE(reader.next(item)) << reader.error();
  ASSERT_EQ(item.kind, HistoryItem::Kind::room);
  EXPECT_EQ(encode_history_room(item.room), encode_history_room(room));
  ASSERT_TRUE(reader.next(item)) << reader.error();
  ASSERT_EQ(item.kind, HistoryItem::Kind::event);
  EXPECT_EQ(encode_history_event(item.event), encode_history_event(edit));
  EXPECT_EQ(item.event.text, edit.text);
  EXPECT_FALSE(reader.next(item));
  EXPECT_EQ(reader.error(), "");
}

TEST(HistoryLines, AValidStreamReadsToItsEnd) {
  std::size_t items = 0;
  EXPECT_EQ(read_error(lines({kHeader, kRoom, kMessage, kReaction, kEnd})), "");
  read_error(lines({kHeader, kRoom, kMessage, kReaction, kEnd, ""}), &items);
  EXPECT_EQ(items, 3u);
}

TEST(HistoryLines, AStreamCutOffIsRefused) {
  EXPECT_EQ(read_error(lines({kHeader, kRoom, kMessage, kReaction})),
            "line 5: the input ends without its end line (cut off?)");
  EXPECT_EQ(read_error(""), "line 1: the input is empty: not a parley export");
}

TEST(HistoryLines, EachMalformedLineIsNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "line 2: not valid JSON"},
      {"[1,2]", "line 2: not a JSON object"},
      {R"({"type":"event"})", "line 2: an event before any room"},
      {R"({"type":"party"})", "line 2: unknown \"type\" party"},
      {R"({"type":7})", "line 2: \"type\" must be a string"},
      {R"({"type":"room","name":"bad name!","kind":"public","owner":null,"last_seq":0,)"
       R"("trimmed_seq":0,"created_ms":0,"last_active_ms":0,"access":[]})",
       "line 2: \"name\" is not a valid room name"},
      {R"({"type":"room","name":"x","kind":"secret","owner":null,"last_seq":0,)"
       R"("trimmed_seq":0,"created_ms":0,"last_active_ms":0,"access":[]})",
       "line 2: \"kind\" must be public, private or direct"},
      {R"({"type":"room","name":"x","kind":"public","owner":null,"last_seq":-1,)"
       R"("trimmed_seq":0,"created_ms":0,"last_active_ms":0,"access":[]})",
       "line 2: \"last_seq\" must be an integer from 0 to 2^63-1"},
      {R"({"type":"room","name":"x","kind":"public","owner":null,"last_seq":1,)"
       R"("trimmed_seq":2,"created_ms":0,"last_active_ms":0,"access":[]})",
       "line 2: \"trimmed_seq\" is past \"last_seq\""},
      {R"({"type":"room","name":"x","kind":"public","owner":null,"last_seq":0,)"
       R"("trimmed_seq":0,"created_ms":0,"last_active_ms":0,"access":[],"extra":1})",
       "line 2: an unknown field"},
      {R"({"type":"room","name":"x","kind":"public","owner":null,"last_seq":0,)"
       R"("trimmed_seq":0,"created_ms":0,"access":[]})",
       "line 2: \"last_active_ms\" is missing"},
      {R"({"type":"room","name":"x","kind":"public","owner":null,"last_seq":0,)"
       R"("trimmed_seq":0,"created_ms":0,"last_active_ms":1e3,"access":[]})",
       "line 2: \"last_active_ms\" must be a 64-bit integer"},
      {R"({"type":"room","name":"x","kind":"public","owner":null,"last_seq":0,)"
       R"("trimmed_seq":0,"created_ms":0,"last_active_ms":0,"access":[{"user":"ann","granted_ms":1}]})",
       "line 2: a public room has no access list"},
      {R"({"type":"room","name":"x","kind":"private","owner":"ann","last_seq":0,)"
       R"("trimmed_seq":0,"created_ms":0,"last_active_ms":0,"access":[{"user":"a b","granted_ms":1}]})",
       "line 2: in \"access\": \"user\" is not a valid user name"},
  };
  for (const auto& [line, expected] : cases) {
    const std::string error = read_error(lines({kHeader, line, kEnd}));
    EXPECT_EQ(error.substr(0, expected.size()), expected) << line << "\n -> " << error;
  }
}

TEST(HistoryLines, EveryEventFieldIsChecked) {
  const std::string prefix =
      R"({"type":"event","seq":1,"ts":10,"user":"ann","author_id":"a:ann","guest":false,"id":"c1",)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {prefix + R"("kind":"message"})", "\"text\" is missing"},
      {prefix + R"("kind":"shout","text":"x"})",
       "\"kind\" must be message, edit, delete or reaction"},
      {prefix + R"("kind":"message","text":"a\u0000b"})", "\"text\" must be text without U+0000"},
      {prefix + R"("kind":"message","text":"x","reply_to":1})",
       "\"reply_to\" must name an earlier event"},
      {prefix + R"("kind":"edit","target":0,"text":"x"})", "\"target\" must name an earlier event"},
      {prefix + R"("kind":"reaction","target":1,"emoji":"a b","on":true})",
       "\"target\" must name an earlier event"},
      {prefix + R"("kind":"delete","target":1,"text":"x"})", "an unknown field"},
      {prefix + R"("kind":"message","text":"x","deleted":true})", "a deleted event keeps no text"},
      {R"({"type":"event","seq":2,"ts":10,"kind":"message","user":"ann","author_id":"a:ann","guest":false,"id":"c1","text":"x"})",
       "seq 2 where room Lobby needs seq 1"},
      {R"({"type":"event","seq":1,"ts":10,"kind":"message","user":"","author_id":"a:ann","guest":false,"id":"c1","text":"x"})",
       "\"user\" is not a valid user name"},
      {R"({"type":"event","seq":1,"ts":10,"kind":"message","user":"ann","author_id":"a:ann","guest":"no","id":"c1","text":"x"})",
       "\"guest\" must be true or false"},
  };
  for (const auto& [line, expected] : cases) {
    const std::string error = read_error(lines({kHeader, kRoom, line, kEnd}));
    EXPECT_EQ(error, "line 3: " + expected) << line;
  }
}

TEST(HistoryLines, TheOrderOfTheWholeIsChecked) {
  EXPECT_EQ(read_error(lines({kRoom})).substr(0, 26), "line 1: not a parley expor");
  EXPECT_EQ(read_error(lines({R"({"parley_export":2})", kRoom})),
            "line 1: export format version 2 is not one this parley reads (1)");
  EXPECT_EQ(read_error(lines({kHeader, kRoom, kMessage, kEnd})),
            "line 4: room Lobby ends at seq 1 but its last_seq is 2");
  EXPECT_EQ(read_error(lines({kHeader, kRoom, kMessage, kReaction, kRoom})),
            "line 5: room Lobby comes twice, or out of order");
  EXPECT_EQ(read_error(lines(
                {kHeader, kRoom, kMessage, kReaction, R"({"type":"end","rooms":1,"events":3})"})),
            "line 5: the end line counts 1 rooms and 3 events, the input holds 1 and 2");
  EXPECT_EQ(read_error(lines({kHeader, kRoom, kMessage, kReaction, kEnd, kRoom})),
            "line 6: text after the end line");
  EXPECT_EQ(read_error(lines({kHeader, "", kRoom})), "line 2: an empty line");
}

TEST(HistoryLines, AnOverlongLineIsRefusedWithoutBeingKept) {
  const std::string huge(kMaxHistoryLineBytes + 10, 'x');
  EXPECT_EQ(read_error(lines({kHeader, huge, kEnd})),
            "line 2: longer than " + std::to_string(kMaxHistoryLineBytes) + " bytes");
}

TEST(HistoryLines, DeeplyNestedOrBinaryInputNeverCrashes) {
  EXPECT_NE(read_error(lines({kHeader, std::string(10000, '[')})), "");
  EXPECT_NE(read_error(lines({kHeader, std::string("\xff\xfe{\"type\":\"room\"}", 17)})), "");
  EXPECT_NE(read_error(std::string("\0\0\0", 3)), "");
}

}  // namespace
}  // namespace parley::admin
