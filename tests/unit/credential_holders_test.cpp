// CredentialHolders: what rests on a session or token ends with it, once.
#include "net/credential_holders.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace parley::transport {
namespace {

TEST(CredentialHolders, EndingACredentialEndsEverythingHeldUnderItOnce) {
  CredentialHolders holders;
  std::vector<std::string> ended;
  holders.hold("s:one", [&] { ended.push_back("socket"); });
  holders.hold("s:one", [&] { ended.push_back("poll"); });
  holders.hold("t:other", [&] { ended.push_back("other"); });
  EXPECT_EQ(holders.size(), 3u);
  holders.end("s:one");
  std::sort(ended.begin(), ended.end());
  EXPECT_EQ(ended, (std::vector<std::string>{"poll", "socket"}));
  holders.end("s:one");
  EXPECT_EQ(ended.size(), 2u) << "never twice";
  EXPECT_EQ(holders.size(), 1u);
}

TEST(CredentialHolders, WhatWasReleasedIsNotEnded) {
  CredentialHolders holders;
  int ended = 0;
  const auto id = holders.hold("s:one", [&] { ++ended; });
  holders.release("s:one", id);
  holders.end("s:one");
  EXPECT_EQ(ended, 0);
  EXPECT_EQ(holders.size(), 0u);
}

TEST(CredentialHolders, AnEndMayReleaseOrHoldWhileEnding) {
  CredentialHolders holders;
  CredentialHolders::Id first = 0;
  int ended = 0;
  first = holders.hold("s:one", [&] {
    ++ended;
    holders.release("s:one", first);  // as a closing socket does
    holders.hold("s:one", [&] { ++ended; });
  });
  holders.end("s:one");
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(holders.size(), 1u) << "held after the end: for the next one";
}

TEST(CredentialHolders, NoCredentialHoldsNothing) {
  CredentialHolders holders;
  EXPECT_EQ(holders.hold("", [] {}), 0u);
  EXPECT_EQ(holders.size(), 0u);
}

}  // namespace
}  // namespace parley::transport
