// What a room knows of one connection: who it is and how to hand it bytes.
// Implemented by transport sessions; called on the I/O thread only.
#pragma once

#include <memory>
#include <string>

#include "core/identity.hpp"

namespace parley::core {

// An encoded frame, built once and shared by every receiver.
using Frame = std::shared_ptr<const std::string>;

class Member {
 public:
  // Who this connection acts as; presence and membership key on its id.
  virtual const Identity& identity() const = 0;
  const UserName& user() const { return identity().user; }
  // Queue `frame` for this connection. Never blocks; a connection whose queue
  // is full closes itself later, at a safe point.
  virtual void send(const Frame& frame) = 0;
  // Queue `frame`, part of a replay after a join: bounded by the replay's own
  // limit rather than by the queue's, which is for live traffic.
  virtual void send_replayed(const Frame& frame) { send(frame); }
  // This member cannot keep up (its held-back frames passed their bound):
  // close it at a safe point, not now.
  virtual void fall_behind() = 0;

 protected:
  ~Member() = default;
};

}  // namespace parley::core
