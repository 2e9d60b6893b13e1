#include "store/memory_store.hpp"

#include <algorithm>

namespace parley::store {

MemoryStore::RoomData& MemoryStore::room_data(const core::RoomName& room) {
  auto [it, inserted] = rooms_.try_emplace(room.key());
  if (inserted) it->second.record.name = room.text();
  return it->second;
}

Result<RoomRecord> MemoryStore::open_room(const core::RoomName& room) {
  return room_data(room).record;
}

Result<std::vector<Appended>> MemoryStore::append_batch(std::span<const AppendRequest> requests,
                                                        std::int64_t now_ms) {
  std::vector<Appended> results;
  results.reserve(requests.size());
  for (const AppendRequest& request : requests) {
    RoomData& data = room_data(request.room);
    auto [seen, fresh] =
        data.seq_by_author_and_id.try_emplace({request.author.id, request.client_id}, 0);
    if (!fresh) {
      const StoredMessage& first = data.messages[seen->second - 1];
      results.push_back({data.record.name, first.seq, first.ts, true});
      continue;
    }
    const std::uint64_t seq = ++data.record.last_seq;
    seen->second = seq;
    latest_activity_ = std::max(latest_activity_ + 1, now_ms);  // ties keep their order
    data.last_active = latest_activity_;
    data.messages.push_back({seq, now_ms, request.author.user.text(), request.text,
                             request.client_id, request.author.id, request.author.is_guest()});
    results.push_back({data.record.name, seq, now_ms, false});
  }
  return results;
}

Result<std::vector<StoredMessage>> MemoryStore::read_messages(const RangeQuery& query) {
  auto it = rooms_.find(query.room.key());
  if (it == rooms_.end()) return std::vector<StoredMessage>{};
  const auto& messages = it->second.messages;
  const std::uint64_t last = std::min<std::uint64_t>(query.up_to, messages.size());
  if (query.after >= last || query.limit == 0) return std::vector<StoredMessage>{};
  // Indexes [first, end) of messages, grown from the end that is kept.
  std::size_t bytes = 0;
  std::vector<StoredMessage> read;
  const auto fits = [&](const StoredMessage& message) {
    if (read.size() >= query.limit) return false;
    bytes += message_bytes(message);
    return read.empty() || bytes <= query.max_bytes;
  };
  if (query.keep == Keep::oldest) {
    for (std::uint64_t i = query.after; i < last && fits(messages[i]); ++i)
      read.push_back(messages[i]);
  } else {
    for (std::uint64_t i = last; i > query.after && fits(messages[i - 1]); --i)
      read.push_back(messages[i - 1]);
    std::reverse(read.begin(), read.end());
  }
  return read;
}

Result<std::vector<RoomRecord>> MemoryStore::list_rooms(std::size_t limit) {
  std::vector<const RoomData*> ordered;
  for (const auto& [key, data] : rooms_) ordered.push_back(&data);
  std::sort(ordered.begin(), ordered.end(),
            [](const RoomData* a, const RoomData* b) { return a->last_active > b->last_active; });
  std::vector<RoomRecord> records;
  for (std::size_t i = 0; i < ordered.size() && i < limit; ++i)
    records.push_back(ordered[i]->record);
  return records;
}

Result<bool> MemoryStore::create_account(const core::UserName& user,
                                         const std::string& password_hash, std::int64_t now_ms) {
  if (*is_name_taken(user, now_ms)) return false;
  accounts_[user.key()] = Account{user.text(), password_hash};
  return true;
}

Result<std::optional<Account>> MemoryStore::find_account(const core::UserName& user) {
  auto it = accounts_.find(user.key());
  if (it == accounts_.end()) return std::optional<Account>{};
  return std::optional<Account>{it->second};
}

Result<bool> MemoryStore::is_name_taken(const core::UserName& user, std::int64_t now_ms) {
  if (accounts_.contains(user.key())) return true;
  for (const auto& [digest, session] : sessions_) {
    if (session.guest && session.expires_ms > now_ms &&
        core::fold_case(session.user_name) == user.key()) {
      return true;
    }
  }
  return false;
}

Result<bool> MemoryStore::create_session(const SessionRecord& session, std::int64_t now_ms) {
  if (session.guest) {
    auto name = core::UserName::parse(session.user_name);
    if (!name || *is_name_taken(*name, now_ms)) return false;
  }
  sessions_[session.id_digest] = session;
  return true;
}

Result<std::optional<SessionRecord>> MemoryStore::find_session(const std::string& id_digest,
                                                               std::int64_t now_ms) {
  auto it = sessions_.find(id_digest);
  if (it == sessions_.end() || it->second.expires_ms <= now_ms) {
    return std::optional<SessionRecord>{};
  }
  return std::optional<SessionRecord>{it->second};
}

Result<void> MemoryStore::extend_session(const std::string& id_digest, std::int64_t expires_ms) {
  if (auto it = sessions_.find(id_digest); it != sessions_.end())
    it->second.expires_ms = expires_ms;
  return {};
}

Result<std::size_t> MemoryStore::extend_live_sessions(const std::vector<std::string>& id_digests,
                                                      std::int64_t expires_ms,
                                                      std::int64_t now_ms) {
  std::size_t moved = 0;
  for (const std::string& digest : id_digests) {
    auto it = sessions_.find(digest);
    if (it == sessions_.end() || it->second.expires_ms <= now_ms) continue;
    it->second.expires_ms = expires_ms;
    ++moved;
  }
  return moved;
}

Result<void> MemoryStore::delete_session(const std::string& id_digest) {
  sessions_.erase(id_digest);
  return {};
}

Result<std::size_t> MemoryStore::delete_expired_sessions(std::int64_t now_ms) {
  return std::erase_if(sessions_,
                       [now_ms](const auto& entry) { return entry.second.expires_ms <= now_ms; });
}

Result<void> MemoryStore::create_token(const TokenRecord& token) {
  tokens_[token.digest] = token;
  return {};
}

Result<std::optional<TokenRecord>> MemoryStore::find_token(const std::string& digest) {
  auto it = tokens_.find(digest);
  if (it == tokens_.end()) return std::optional<TokenRecord>{};
  return std::optional<TokenRecord>{it->second};
}

Result<std::vector<TokenRecord>> MemoryStore::list_tokens(const core::UserName& user) {
  std::vector<TokenRecord> tokens;
  for (const auto& [digest, token] : tokens_) {
    if (core::fold_case(token.user_name) == user.key()) tokens.push_back(token);
  }
  std::sort(tokens.begin(), tokens.end(),
            [](const TokenRecord& a, const TokenRecord& b) { return a.created_ms < b.created_ms; });
  return tokens;
}

Result<std::size_t> MemoryStore::count_live_tokens(const core::UserName& user) {
  return static_cast<std::size_t>(std::count_if(
      tokens_.begin(), tokens_.end(),
      [&](const auto& entry) { return core::fold_case(entry.second.user_name) == user.key(); }));
}

Result<bool> MemoryStore::revoke_token(const core::UserName& user, const std::string& id) {
  for (auto it = tokens_.begin(); it != tokens_.end(); ++it) {
    if (it->second.id == id && core::fold_case(it->second.user_name) == user.key()) {
      tokens_.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace parley::store
