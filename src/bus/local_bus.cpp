#include "bus/local_bus.hpp"

namespace parley::bus {

void deliver(const std::vector<Bus::Subscriber>& subscribers, const Event& event) {
  for (const Bus::Subscriber& subscriber : subscribers) subscriber(event);
}

void LocalBus::publish(Event event) {
  event.node = node_id_;
  deliver(subscribers_, event);
}

}  // namespace parley::bus
