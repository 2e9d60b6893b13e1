#include "core/mentions.hpp"

#include <gtest/gtest.h>

namespace parley::core {
namespace {

UserName user(std::string_view name) {
  return *UserName::parse(name);
}

TEST(Mentions, AnAtAndTheNameAsAWholeWordInAnyCaseIsAMention) {
  const UserName ann = user("Ann.Lee");
  for (std::string_view text : {"@ann.lee", "hi @Ann.Lee!", "@ANN.LEE, look", "(@ann.lee)",
                                "thanks @ann.lee.", "thanks @ann.lee...", "x @bob @ann.lee"}) {
    EXPECT_TRUE(mentions(text, ann)) << text;
  }
}

TEST(Mentions, APartOfAnotherNameOrAnAddressIsNot) {
  const UserName ann = user("ann");
  for (std::string_view text : {"ann", "@annie", "@ann_b", "@ann-b", "@ann.b", "mail ann@ann.org",
                                "x@ann", "@ an", "@", "@@", "@an"}) {
    EXPECT_FALSE(mentions(text, ann)) << text;
  }
}

TEST(Mentions, ANameEndingWithADotIsMentionedWithIt) {
  EXPECT_TRUE(mentions("hi @bob.", user("bob.")));
  EXPECT_TRUE(mentions("hi @bob..", user("bob.")));
  EXPECT_FALSE(mentions("hi @bob", user("bob.")));
  EXPECT_TRUE(mentions("hi @bob.", user("bob")));
}

TEST(Mentions, ALaterAtCanStillMention) {
  EXPECT_TRUE(mentions("@annie and @ann", user("ann")));
  EXPECT_TRUE(mentions("@@ann", user("ann")));
}

TEST(Mentions, TheCandidatesPatternEscapesWhatLikeWouldTakeAsAWildcard) {
  EXPECT_EQ(mention_candidates_pattern(user("Ann_B.x")), "%@ann\\_b.x%");
}

}  // namespace
}  // namespace parley::core
