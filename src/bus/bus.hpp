// How nodes share what happens: every event published goes to every node,
// the publishing one included (at once, before publish returns), and each
// node's subscribers see the events of one publisher in the order published.
// Events of different publishers may interleave in any order and, while a
// node is cut off, be lost: messages are recovered from the store (the room's
// ordering gate fetches a missing seq; on_resync asks for a catch-up).
// Implementations: LocalBus (one node), RedisBus. I/O thread only.
#pragma once

#include <functional>
#include <string>

#include "bus/event.hpp"

namespace parley::bus {

class Bus {
 public:
  using Subscriber = std::function<void(const Event&)>;
  using Resync = std::function<void()>;

  virtual ~Bus() = default;

  // This node's id in the cluster, unique per process.
  virtual const std::string& node_id() const = 0;

  // Sends `event` to every node; this node's subscribers get it before this
  // returns. `event.node` is set to node_id().
  virtual void publish(Event event) = 0;

  // Every event, from every node; called on the I/O thread.
  virtual void subscribe(Subscriber subscriber) = 0;
  // Called after the node was cut off from the other nodes and is connected
  // again: what was published meanwhile may be lost and must be read from the
  // store.
  virtual void on_resync(Resync resync) = 0;

  // True when events reach the other nodes (always, for one node).
  virtual bool is_healthy() const = 0;
  // False for a node alone: nobody else needs to hear of its presence.
  virtual bool has_peers() const { return true; }

  // Ends any background work; publish after stop() reaches this node only.
  virtual void stop() {}
};

}  // namespace parley::bus
