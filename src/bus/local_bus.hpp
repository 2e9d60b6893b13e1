// The bus of a single node: an event goes straight to this node's
// subscribers, with no copy and no thread hop. I/O thread only.
#pragma once

#include <string>
#include <vector>

#include "bus/bus.hpp"

namespace parley::bus {

class LocalBus final : public Bus {
 public:
  explicit LocalBus(std::string node_id = "local") : node_id_(std::move(node_id)) {}

  const std::string& node_id() const override { return node_id_; }
  void publish(Event event) override;
  void subscribe(Subscriber subscriber) override { subscribers_.push_back(std::move(subscriber)); }
  void on_resync(Resync) override {}  // never cut off
  bool is_healthy() const override { return true; }
  bool has_peers() const override { return false; }

 private:
  std::string node_id_;
  std::vector<Subscriber> subscribers_;
};

// Delivers `event` to each of `subscribers`, in order. Shared by the buses.
void deliver(const std::vector<Bus::Subscriber>& subscribers, const Event& event);

}  // namespace parley::bus
