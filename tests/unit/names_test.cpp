#include "core/names.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::core {
namespace {

TEST(RoomName, AcceptsLettersDigitsAndPunctuationAfterTheFirst) {
  EXPECT_TRUE(RoomName::parse("general"));
  EXPECT_TRUE(RoomName::parse("a"));
  EXPECT_TRUE(RoomName::parse("9lives"));
  EXPECT_TRUE(RoomName::parse("Team_Room.v2-b"));
  EXPECT_TRUE(RoomName::parse(std::string(64, 'x')));
}

TEST(RoomName, RefusesWhatTheContractForbids) {
  EXPECT_FALSE(RoomName::parse(""));
  EXPECT_FALSE(RoomName::parse(std::string(65, 'x')));
  EXPECT_FALSE(RoomName::parse("-start"));
  EXPECT_FALSE(RoomName::parse("_start"));
  EXPECT_FALSE(RoomName::parse(".start"));
  EXPECT_FALSE(RoomName::parse("with space"));
  EXPECT_FALSE(RoomName::parse("slash/room"));
  EXPECT_FALSE(RoomName::parse("caf\xc3\xa9"));
  EXPECT_FALSE(RoomName::parse(std::string("nul\0x", 5)));
  EXPECT_FALSE(RoomName::parse("<script>"));
}

TEST(RoomName, ComparesCaseInsensitivelyAndKeepsItsSpelling) {
  auto upper = RoomName::parse("General");
  auto lower = RoomName::parse("general");
  ASSERT_TRUE(upper && lower);
  EXPECT_EQ(*upper, *lower);
  EXPECT_EQ(upper->text(), "General");
  EXPECT_EQ(upper->key(), "general");
}

TEST(UserName, IsLimitedTo32Characters) {
  EXPECT_TRUE(UserName::parse(std::string(32, 'u')));
  EXPECT_FALSE(UserName::parse(std::string(33, 'u')));
  EXPECT_FALSE(UserName::parse(""));
  EXPECT_FALSE(UserName::parse("bad name"));
}

TEST(ClientMessageId, IsOneTo64PrintableAsciiCharactersWithoutSpace) {
  EXPECT_TRUE(is_valid_client_message_id("a"));
  EXPECT_TRUE(is_valid_client_message_id("!~{}[]\"'\\"));
  EXPECT_TRUE(is_valid_client_message_id(std::string(64, 'i')));
  EXPECT_FALSE(is_valid_client_message_id(""));
  EXPECT_FALSE(is_valid_client_message_id(std::string(65, 'i')));
  EXPECT_FALSE(is_valid_client_message_id("has space"));
  EXPECT_FALSE(is_valid_client_message_id("tab\there"));
  EXPECT_FALSE(is_valid_client_message_id("\x7f"));
  EXPECT_FALSE(is_valid_client_message_id("caf\xc3\xa9"));
}

}  // namespace
}  // namespace parley::core
