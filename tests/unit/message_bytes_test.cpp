#include <gtest/gtest.h>

#include <string>

#include "protocol/server_frame.hpp"
#include "store/message_store.hpp"

namespace parley::store {
namespace {

TEST(MessageBytes, IsNeverLessThanTheFrameTheMessageBecomes) {
  // Escaping makes a control character six bytes: a cap on raw text would
  // let a page or a replay piece be six times its bound.
  const std::string room(64, 'r');
  for (const std::string& text :
       {std::string(4000, '\x01'), std::string(4000, '"'), std::string(4000, '\n'),
        std::string("caf\xc3\xa9 \xf0\x9f\x98\x80"), std::string(1, 'x')}) {
    const StoredMessage message{999'999'999'999,
                                1'765'000'000'000,
                                "a.name.of.32.characters.long.xx",
                                text,
                                "!\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}~ABCDEFGHIJKL",
                                "g:id",
                                true};
    const auto frame = protocol::encode_message({room, message.seq, message.ts, message.user,
                                                 message.text, message.client_id, message.guest});
    EXPECT_GE(message_bytes(message), frame->size()) << "text of " << text.size() << " bytes";
    EXPECT_LE(message_bytes(message), frame->size() + 200) << "about, not far above";
  }
}

}  // namespace
}  // namespace parley::store
