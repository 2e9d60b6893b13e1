// A client connection as the service sees it: a room member that may have
// gone away while a store round trip was under way. Implemented by transport
// sessions; used on the I/O thread only.
#pragma once

#include <functional>
#include <span>

#include "core/member.hpp"
#include "core/memory_budget.hpp"

namespace parley::service {

class Connection : public core::Member {
 public:
  virtual bool is_guest() const = 0;
  // False once the connection is closing: no room may take it in any more.
  virtual bool is_open() const = 0;

  // Queues one piece of a join's replay, ahead of everything the room holds
  // back for this connection meanwhile, and holds `lease` (its share of the
  // server's memory budget) until the piece is written. `written` runs then,
  // posted, never from inside this call; not at all if the connection ends
  // first. One piece at a time: a client that does not read holds one piece.
  virtual void send_replay_piece(std::span<const core::Frame> frames,
                                 core::MemoryBudget::Lease lease,
                                 std::function<void()> written) = 0;

 protected:
  ~Connection() = default;
};

}  // namespace parley::service
