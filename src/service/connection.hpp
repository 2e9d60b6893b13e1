// A client connection as the service sees it: a room member that may have
// gone away while a store round trip was under way. Implemented by transport
// sessions; used on the I/O thread only.
#pragma once

#include "core/member.hpp"

namespace parley::service {

class Connection : public core::Member {
 public:
  virtual bool is_guest() const = 0;
  // False once the connection is closing: no room may take it in any more.
  virtual bool is_open() const = 0;

 protected:
  ~Connection() = default;
};

}  // namespace parley::service
