#include "core/message_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::core {
namespace {

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(MessageText, AcceptsOrdinaryText) {
  EXPECT_FALSE(check_message_text("hello"));
  EXPECT_FALSE(check_message_text("  padded  "));
  EXPECT_FALSE(check_message_text("line one\nline two"));
  EXPECT_FALSE(check_message_text("<b>not html</b>"));
  EXPECT_FALSE(check_message_text("control \x01 kept"));
}

TEST(MessageText, RefusesEmptyAndWhiteSpaceOnly) {
  for (std::string_view text :
       {"", " ", "\t\n\r ", "\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\xa8", "\xc2\x85 \xe2\x80\x8a"}) {
    auto refused = check_message_text(text);
    ASSERT_TRUE(refused) << "accepted: " << text;
    EXPECT_EQ(refused->code, ErrorCode::bad_request);
  }
}

TEST(MessageText, ZeroWidthSpaceIsNotWhiteSpace) {
  // U+200B is not in Unicode's White_Space property.
  EXPECT_FALSE(check_message_text("\xe2\x80\x8b"));
}

TEST(MessageText, CountsCodePointsNotBytesAtTheLimit) {
  EXPECT_FALSE(check_message_text(repeat("a", 4000)));
  EXPECT_FALSE(check_message_text(repeat("\xc3\xa9", 4000)));          // é: 2 bytes each
  EXPECT_FALSE(check_message_text(repeat("\xf0\x9f\x98\x80", 4000)));  // emoji: 4 bytes each
  auto over = check_message_text(repeat("\xc3\xa9", 4001));
  ASSERT_TRUE(over);
  EXPECT_EQ(over->code, ErrorCode::too_large);
}

TEST(MessageText, TrimsWhiteSpaceBeforeCountingButNotInTheMiddle) {
  std::string padded(3, ' ');
  padded += repeat("a", 4000);
  padded += "\n\n";
  EXPECT_FALSE(check_message_text(padded));
  std::string inner_spaces(1, 'a');
  inner_spaces += repeat(" ", 3999);
  inner_spaces += 'b';
  auto inner = check_message_text(inner_spaces);
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->code, ErrorCode::too_large);
}

TEST(MessageText, RefusesNulAndInvalidUtf8) {
  EXPECT_EQ(check_message_text(std::string("a\0b", 3))->code, ErrorCode::bad_request);
  EXPECT_EQ(check_message_text("\xff")->code, ErrorCode::bad_request);
  EXPECT_EQ(check_message_text("\xc3")->code, ErrorCode::bad_request);              // truncated
  EXPECT_EQ(check_message_text("\xc0\xaf")->code, ErrorCode::bad_request);          // overlong
  EXPECT_EQ(check_message_text("\xed\xa0\x80")->code, ErrorCode::bad_request);      // surrogate
  EXPECT_EQ(check_message_text("\xf4\x90\x80\x80")->code, ErrorCode::bad_request);  // > U+10FFFF
}

TEST(Utf8, ValidatesWellFormedSequences) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));
}

}  // namespace
}  // namespace parley::core
