// The upgrade to WebSocket: who may connect as a guest, and the hello frame.
#include "chat_test.hpp"

namespace parley::test {
namespace {

class HandshakeTest : public ChatTest {};

TEST_F(HandshakeTest, HelloIsTheFirstFrameAndNamesTheGuest) {
  start_server();
  WsClient client;
  ASSERT_EQ(client.connect(server().port(), name_target("Alice_1.x")), kSwitchingProtocols);
  const auto hello = client.next_frame();
  ASSERT_TRUE(hello);
  EXPECT_EQ(type_of(*hello), "hello") << to_text(*hello);
  EXPECT_EQ(string_field(*hello, "user"), "Alice_1.x") << "shown as written";
  ASSERT_TRUE(hello->contains("guest")) << to_text(*hello);
  EXPECT_EQ(hello->at("guest"), true);
}

TEST_F(HandshakeTest, MissingNameIsRefusedWith401) {
  start_server();
  EXPECT_EQ(upgrade_status("/ws"), 401);
  EXPECT_EQ(upgrade_status("/ws?other=alice"), 401);
}

TEST_F(HandshakeTest, InvalidNameIsRefusedWith400) {
  start_server();
  const std::vector<std::string> names = {"",     "bad%20name", "-dash",     "_under",
                                          ".dot", "a!",         "caf%C3%A9", std::string(33, 'a')};
  for (const std::string& name : names) {
    EXPECT_EQ(upgrade_status(name_target(name)), 400) << "name: \"" << name << "\"";
  }
}

TEST_F(HandshakeTest, NameOf32CharactersIsAccepted) {
  start_server();
  const std::string name = std::string("a").append(30, '_').append("9");
  ASSERT_EQ(name.size(), 32u);
  auto client = connect(name);
  EXPECT_TRUE(frames_before_pong(*client).empty());
}

TEST_F(HandshakeTest, NameHeldByAnotherConnectionIsRefusedWith409) {
  start_server();
  auto alice = connect("alice");
  EXPECT_EQ(upgrade_status(name_target("alice")), 409);
  // The refusal does not disturb the holder.
  EXPECT_TRUE(frames_before_pong(*alice).empty());
}

TEST_F(HandshakeTest, NamesAreCaseInsensitive) {
  start_server();
  auto alice = connect("Alice");
  EXPECT_EQ(upgrade_status(name_target("alice")), 409);
  EXPECT_EQ(upgrade_status(name_target("ALICE")), 409);
}

TEST_F(HandshakeTest, TokenIsRefusedWith401AndNeverFallsBackToName) {
  start_server();
  EXPECT_EQ(upgrade_status("/ws?token=anything"), 401);
  EXPECT_EQ(upgrade_status("/ws?token=anything&name=bob"), 401);
  EXPECT_EQ(upgrade_status("/ws?name=bob&token="), 401);
  // bob was never taken by the refused upgrades.
  auto bob = connect("bob");
}

TEST_F(HandshakeTest, NameIsFreedWhenHolderCloses) {
  start_server();
  auto alice = connect("alice");
  alice->close();
  auto again = connect_when_free("alice", std::chrono::seconds(3));
  EXPECT_TRUE(frames_before_pong(*again).empty());
}

TEST_F(HandshakeTest, NameIsFreedWhenHolderConnectionDrops) {
  start_server();
  auto alice = connect("alice");
  alice->drop();
  auto again = connect_when_free("alice", std::chrono::seconds(3));
  EXPECT_TRUE(frames_before_pong(*again).empty());
}

}  // namespace
}  // namespace parley::test
