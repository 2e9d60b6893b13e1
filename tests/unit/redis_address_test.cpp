#include "bus/redis/redis_address.hpp"

#include <gtest/gtest.h>

namespace parley::bus {
namespace {

TEST(RedisAddress, AHostAloneMeansTheDefaultPortAndNoPassword) {
  const auto address = parse_redis_url("redis://cache.internal");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "cache.internal");
  EXPECT_EQ(address->port, 6379);
  EXPECT_EQ(address->password, "");
}

TEST(RedisAddress, ReadsThePort) {
  const auto address = parse_redis_url("redis://127.0.0.1:16379");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 16379);
  EXPECT_EQ(parse_redis_url("redis://h:1")->port, 1);
  EXPECT_EQ(parse_redis_url("redis://h:65535")->port, 65535);
}

TEST(RedisAddress, ReadsThePasswordDecoded) {
  const auto address = parse_redis_url("redis://:s3cr%40t%3A%2F@127.0.0.1:6380");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->password, "s3cr@t:/");
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 6380);
  EXPECT_EQ(parse_redis_url("redis://:pw@h")->password, "pw");
  EXPECT_EQ(parse_redis_url("redis://:@h")->password, "") << "an empty password is none";
}

TEST(RedisAddress, ReadsAUserForRedisAcls) {
  const auto address = parse_redis_url("redis://parley:pw@h");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->user, "parley");
  EXPECT_EQ(address->password, "pw");
  EXPECT_EQ(parse_redis_url("redis://:pw@h")->user, "") << "no user: the default one";
}

TEST(RedisAddress, ReadsAnIpv6HostWithoutItsBrackets) {
  const auto address = parse_redis_url("redis://[::1]:6390");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 6390);
}

TEST(RedisAddress, RefusesAnotherScheme) {
  EXPECT_FALSE(parse_redis_url("rediss://h:6379")) << "TLS is not spoken";
  EXPECT_FALSE(parse_redis_url("http://h:6379"));
  EXPECT_FALSE(parse_redis_url("h:6379"));
  EXPECT_FALSE(parse_redis_url("//h:6379"));
  EXPECT_FALSE(parse_redis_url("unix:///run/redis.sock"));
}

TEST(RedisAddress, RefusesABadPort) {
  EXPECT_FALSE(parse_redis_url("redis://h:0"));
  EXPECT_FALSE(parse_redis_url("redis://h:65536"));
  EXPECT_FALSE(parse_redis_url("redis://h:99999999999999999999"));
  EXPECT_FALSE(parse_redis_url("redis://h:-1"));
  EXPECT_FALSE(parse_redis_url("redis://h:port"));
  EXPECT_FALSE(parse_redis_url("redis://h:63 79"));
  EXPECT_FALSE(parse_redis_url("redis://h:")) << "a colon with no port is a mistake";
}

TEST(RedisAddress, RefusesAMissingOrBadHost) {
  EXPECT_FALSE(parse_redis_url(""));
  EXPECT_FALSE(parse_redis_url("redis://"));
  EXPECT_FALSE(parse_redis_url("redis:///"));
  EXPECT_FALSE(parse_redis_url("redis://:6379"));
  EXPECT_FALSE(parse_redis_url("redis://:pw@:6379"));
  EXPECT_FALSE(parse_redis_url("redis://ho st"));
  EXPECT_FALSE(parse_redis_url("redis://[::1"));
  EXPECT_FALSE(parse_redis_url("redis:h"));
}

}  // namespace
}  // namespace parley::bus
