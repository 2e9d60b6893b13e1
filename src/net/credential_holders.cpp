#include "net/credential_holders.hpp"

#include <utility>
#include <vector>

namespace parley::transport {

CredentialHolders::Id CredentialHolders::hold(const std::string& credential,
                                              std::function<void()> on_end) {
  if (credential.empty()) return 0;
  const Id id = next_id_++;
  held_[credential].emplace(id, std::move(on_end));
  ++count_;
  return id;
}

void CredentialHolders::release(const std::string& credential, Id id) {
  auto found = held_.find(credential);
  if (found == held_.end()) return;
  count_ -= found->second.erase(id);
  if (found->second.empty()) held_.erase(found);
}

void CredentialHolders::end(const std::string& credential) {
  auto found = held_.extract(credential);
  if (found.empty()) return;
  count_ -= found.mapped().size();
  for (auto& [id, on_end] : found.mapped()) on_end();
}

}  // namespace parley::transport
