// What a room knows of one connection: who it is and how to hand it bytes.
// Implemented by transport sessions; called on the I/O thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/identity.hpp"

namespace parley::core {

// An encoded frame, built once and shared by every receiver.
using Frame = std::shared_ptr<const std::string>;

// What a frame queued for one connection holds of the server's memory,
// counted against that connection's bound: its bytes, and about 128 more (its
// queue entry, and for a frame of its own such as a pong, its shared_ptr block
// and string).
inline std::size_t queued_cost(const std::string& bytes) {
  constexpr std::size_t kEntryBytes = 128;
  return bytes.size() + kEntryBytes;
}

class Member {
 public:
  // Who this connection acts as; presence and membership key on its id.
  virtual const Identity& identity() const = 0;
  const UserName& user() const { return identity().user; }
  // Queue `frame` for this connection. Never blocks; a connection whose queue
  // is full closes itself later, at a safe point.
  virtual void send(const Frame& frame) = 0;
  // Queue `frame` if the connection keeps up easily; drop it otherwise. For
  // frames that only say what is happening now (typing): never a reason to
  // close a client that reads its messages.
  virtual void send_ephemeral(const Frame& frame) { send(frame); }
  // This member cannot keep up (its held-back frames passed their bound):
  // close it at a safe point, not now.
  virtual void fall_behind() = 0;
  // True for a member no socket backs (an HTTP poller): it reads through
  // polls, and what is sent to it is dropped.
  virtual bool is_polled() const { return false; }

 protected:
  ~Member() = default;
};

}  // namespace parley::core
