// The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed
// (--trusted-proxy CIDR, repeatable), and the client a request comes from.
// A plain value, filled at start-up; read-only afterwards, so any thread.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace parley::transport {

// Who a request is from, as far as the server believes.
struct ForwardedClient {
  boost::asio::ip::address address = {};  // the client's (IPv4-mapped IPv6 as IPv4)
  bool is_https = false;                  // a trusted proxy said X-Forwarded-Proto: https
};

class TrustedProxies {
 public:
  // Adds "10.0.0.0/8", "fd00::/8" or a plain address (/32 or /128). False
  // when `cidr` is neither.
  [[nodiscard]] bool add(std::string_view cidr);
  bool empty() const { return v4_.empty() && v6_.empty(); }
  bool contains(const boost::asio::ip::address& address) const;

  // The client of a request whose TCP peer is `peer`. Only when the peer is
  // a trusted proxy are the headers believed: the client is then the
  // right-most X-Forwarded-For address that is not itself a trusted proxy
  // (the left-most when all are; where an entry is not an address the walk
  // stops at the trusted hop to its right), and the right-most
  // X-Forwarded-Proto value says whether the client spoke HTTPS.
  // `forwarded_for`: the fields' values joined by commas, in order.
  ForwardedClient resolve(const boost::asio::ip::address& peer, std::string_view forwarded_for,
                          std::string_view forwarded_proto) const;

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

// `address` with an IPv4-mapped IPv6 address turned into its IPv4 address.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address);

}  // namespace parley::transport
