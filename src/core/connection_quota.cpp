#include "core/connection_quota.hpp"

#include <utility>

namespace parley::core {

ConnectionQuota::Slot& ConnectionQuota::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    quota_ = std::exchange(other.quota_, nullptr);
    entry_ = std::exchange(other.entry_, nullptr);
  }
  return *this;
}

void ConnectionQuota::Slot::release() {
  if (quota_ == nullptr) return;
  std::exchange(quota_, nullptr)->release(std::exchange(entry_, nullptr));
}

std::variant<ConnectionQuota::Slot, ConnectionQuota::Refusal> ConnectionQuota::admit(
    const std::string& address) {
  if (limits_.total != 0 && open_ >= limits_.total) return Refusal::total;
  Slot::Entry* entry = nullptr;
  if (limits_.per_address != 0) {
    auto [found, inserted] = per_address_.try_emplace(address, 0);
    if (found->second >= limits_.per_address) return Refusal::per_address;
    ++found->second;
    entry = &*found;
  }
  ++open_;
  return Slot(this, entry);
}

void ConnectionQuota::release(Slot::Entry* entry) {
  --open_;
  if (entry == nullptr) return;
  if (--entry->second == 0) per_address_.erase(per_address_.find(entry->first));
}

}  // namespace parley::core
