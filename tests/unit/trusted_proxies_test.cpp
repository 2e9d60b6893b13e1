#include "net/trusted_proxies.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::transport {
namespace {

namespace ip = boost::asio::ip;

ip::address at(const std::string& text) {
  return ip::make_address(text);
}

TrustedProxies proxies(std::initializer_list<std::string_view> cidrs) {
  TrustedProxies trusted;
  for (const std::string_view cidr : cidrs) EXPECT_TRUE(trusted.add(cidr)) << cidr;
  return trusted;
}

std::string client_of(const TrustedProxies& trusted, const std::string& peer,
                      std::string_view forwarded_for) {
  return trusted.resolve(at(peer), forwarded_for, {}).address.to_string();
}

TEST(TrustedProxiesTest, AcceptsCidrsOfBothFamiliesAndPlainAddresses) {
  TrustedProxies trusted;
  EXPECT_TRUE(trusted.empty());
  EXPECT_TRUE(trusted.add("10.0.0.0/8"));
  EXPECT_TRUE(trusted.add("192.168.1.7"));
  EXPECT_TRUE(trusted.add("fd00::/8"));
  EXPECT_TRUE(trusted.add("2001:db8::1"));
  EXPECT_TRUE(trusted.add("172.16.5.9/12"));  // host bits set: the network it is in
  EXPECT_FALSE(trusted.empty());
}

TEST(TrustedProxiesTest, AMappedAddressTrustsItsIpv4Peer) {
  const TrustedProxies trusted = proxies({"::ffff:10.0.0.1"});
  EXPECT_TRUE(trusted.contains(at("10.0.0.1")));
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "203.0.113.9"), "203.0.113.9");
}

TEST(TrustedProxiesTest, RefusesWhatIsNeitherAnAddressNorACidr) {
  TrustedProxies trusted;
  for (const std::string_view bad : {"", "10.0.0.0/33", "10.0.0/8", "fd00::/129", "example.com",
                                     "10.0.0.1/", "/8", "10.0.0.0/-1", "1.2.3.4/8/8", "::g/64"}) {
    EXPECT_FALSE(trusted.add(bad)) << bad;
  }
  EXPECT_TRUE(trusted.empty());
}

TEST(TrustedProxiesTest, MatchesAddressesInsideItsNetworksOnly) {
  const TrustedProxies trusted =
      proxies({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "2001:db8::1", "172.16.5.9/12"});
  EXPECT_TRUE(trusted.contains(at("10.0.0.0")));
  EXPECT_TRUE(trusted.contains(at("10.255.255.255")));
  EXPECT_FALSE(trusted.contains(at("11.0.0.0")));
  EXPECT_TRUE(trusted.contains(at("192.168.1.7")));
  EXPECT_FALSE(trusted.contains(at("192.168.1.8")));
  EXPECT_TRUE(trusted.contains(at("172.31.0.1")));
  EXPECT_FALSE(trusted.contains(at("172.32.0.1")));
  EXPECT_TRUE(trusted.contains(at("fdff:1234::5")));
  EXPECT_FALSE(trusted.contains(at("fe80::1")));
  EXPECT_TRUE(trusted.contains(at("2001:db8::1")));
  EXPECT_FALSE(trusted.contains(at("2001:db8::2")));
  // An IPv4 address mapped into IPv6 is that IPv4 address.
  EXPECT_TRUE(trusted.contains(at("::ffff:10.1.2.3")));
  EXPECT_FALSE(trusted.contains(at("::ffff:11.1.2.3")));
}

TEST(TrustedProxiesTest, ZeroPrefixTrustsEveryAddressOfItsFamily) {
  const TrustedProxies trusted = proxies({"0.0.0.0/0"});
  EXPECT_TRUE(trusted.contains(at("203.0.113.9")));
  EXPECT_FALSE(trusted.contains(at("2001:db8::9")));
}

TEST(TrustedProxiesTest, IgnoresTheHeadersOfAPeerThatIsNotTrusted) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  const ForwardedClient client = trusted.resolve(at("203.0.113.5"), "198.51.100.1", "https");
  EXPECT_EQ(client.address.to_string(), "203.0.113.5");
  EXPECT_FALSE(client.is_https);
  EXPECT_EQ(client_of(TrustedProxies{}, "10.0.0.1", "198.51.100.1"), "10.0.0.1");
}

TEST(TrustedProxiesTest, TakesTheRightMostAddressThatIsNotATrustedProxy) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "198.51.100.1"), "198.51.100.1");
  // The left part is the client's to write: a forged entry there is ignored.
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "6.6.6.6, 198.51.100.1"), "198.51.100.1");
  // Trusted hops between are skipped.
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "6.6.6.6, 198.51.100.1, 10.0.0.2, 10.9.9.9"),
            "198.51.100.1");
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "  198.51.100.1 ,10.0.0.2  "), "198.51.100.1");
}

TEST(TrustedProxiesTest, TakesTheLeftMostWhenEveryHopIsTrusted) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "10.0.0.3, 10.0.0.2"), "10.0.0.3");
}

TEST(TrustedProxiesTest, KeepsThePeerWhenThereIsNoForwardedAddress) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_of(trusted, "10.0.0.1", ""), "10.0.0.1");
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "   "), "10.0.0.1");
}

TEST(TrustedProxiesTest, StopsAtAnEntryThatIsNotAnAddress) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "198.51.100.1, unknown"), "10.0.0.1");
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "198.51.100.1, garbage, 10.0.0.2"), "10.0.0.2");
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "198.51.100.1,,10.0.0.2"), "10.0.0.2");
}

TEST(TrustedProxiesTest, ReadsPortsBracketsAndMappedAddresses) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8", "fd00::/8"});
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "198.51.100.1:4711"), "198.51.100.1");
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "[2001:db8::7]:4711"), "2001:db8::7");
  EXPECT_EQ(client_of(trusted, "10.0.0.1", "[2001:db8::7]"), "2001:db8::7");
  EXPECT_EQ(client_of(trusted, "fd00::1", "2001:db8::7"), "2001:db8::7");
  EXPECT_EQ(client_of(trusted, "::ffff:10.0.0.1", "::ffff:198.51.100.1"), "198.51.100.1");
}

TEST(TrustedProxiesTest, BelievesHttpsOnlyFromATrustedProxy) {
  const TrustedProxies trusted = proxies({"10.0.0.0/8"});
  EXPECT_TRUE(trusted.resolve(at("10.0.0.1"), "", "https").is_https);
  EXPECT_TRUE(trusted.resolve(at("10.0.0.1"), "", " HTTPS ").is_https);
  EXPECT_FALSE(trusted.resolve(at("10.0.0.1"), "", "http").is_https);
  EXPECT_FALSE(trusted.resolve(at("10.0.0.1"), "", "").is_https);
  // The right-most value is the one our proxy wrote.
  EXPECT_TRUE(trusted.resolve(at("10.0.0.1"), "", "http, https").is_https);
  EXPECT_FALSE(trusted.resolve(at("10.0.0.1"), "", "https, http").is_https);
  EXPECT_FALSE(trusted.resolve(at("203.0.113.5"), "", "https").is_https);
}

}  // namespace
}  // namespace parley::transport
