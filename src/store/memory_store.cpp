#include "store/memory_store.hpp"

#include <algorithm>

#include "core/mentions.hpp"

namespace parley::store {

MemoryStore::RoomData& MemoryStore::room_data(const core::RoomName& room) {
  auto [it, inserted] = rooms_.try_emplace(room.key());
  if (inserted) it->second.record.name = room.text();
  return it->second;
}

Result<RoomRecord> MemoryStore::open_room(const core::RoomName& room) {
  return room_data(room).record;
}

StoredMessage* MemoryStore::RoomData::event_at(std::uint64_t seq) {
  if (seq <= trimmed || seq - trimmed > messages.size()) return nullptr;
  return &messages[seq - trimmed - 1];
}

bool MemoryStore::RoomData::may_enter(const std::string& access_key) const {
  if (!core::is_restricted(record.kind)) return true;
  if (access_key.empty()) return false;
  return std::any_of(access.begin(), access.end(),
                     [&](const auto& entry) { return entry.first == access_key; });
}

MemoryStore::RoomData* MemoryStore::visible_room(const std::string& room_key,
                                                 const core::Identity& viewer) {
  auto found = rooms_.find(room_key);
  if (found == rooms_.end() || !found->second.may_enter(core::access_key_of(viewer))) {
    return nullptr;
  }
  return &found->second;
}

MemoryStore::RoomData* MemoryStore::visible_room(const std::string& room_key,
                                                 const std::string& identity_id) {
  auto found = rooms_.find(room_key);
  if (found == rooms_.end()) return nullptr;
  return found->second.may_enter(core::access_key_of_id(identity_id)) ? &found->second : nullptr;
}

Result<std::optional<RoomRecord>> MemoryStore::enter_room(const core::RoomName& room,
                                                          const core::Identity& viewer,
                                                          bool create) {
  if (create && !core::is_reserved_room_name(room) && !rooms_.contains(room.key())) {
    room_data(room);
  }
  RoomData* data = visible_room(room.key(), viewer);
  if (data == nullptr) return std::optional<RoomRecord>{};
  return std::optional<RoomRecord>{data->record};
}

Result<bool> MemoryStore::create_room(const core::RoomName& room, core::RoomKind kind,
                                      const core::Identity& owner, std::int64_t) {
  if (rooms_.contains(room.key())) return false;
  RoomData& data = room_data(room);
  data.record.kind = kind;
  // A guest's name may pass to someone else: its rooms have no owner.
  if (!owner.is_guest()) {
    data.record.owner = owner.user.text();
    data.owner_key = owner.user.key();
    // A public room is open to everyone: nobody holds access to it
    // (list_access answers none).
    if (core::is_restricted(kind)) data.access.emplace_back(owner.user.key(), owner.user.text());
  }
  return true;
}

Result<std::optional<DirectRoom>> MemoryStore::open_direct(const core::Identity& caller,
                                                           const core::UserName& other,
                                                           std::int64_t) {
  auto account = accounts_.find(other.key());
  if (account == accounts_.end()) return std::optional<DirectRoom>{};
  const core::RoomName name = core::direct_room_name(caller.user.key(), other.key());
  auto [it, created] = rooms_.try_emplace(name.key());
  RoomData& data = it->second;
  if (created) {
    data.record.name = name.text();
    data.record.kind = core::RoomKind::direct;
    data.access.emplace_back(caller.user.key(), caller.user.text());
    // With oneself: one account, so one holder of access.
    if (other.key() != caller.user.key())
      data.access.emplace_back(other.key(), account->second.name);
  }
  return std::optional<DirectRoom>{DirectRoom{data.record, account->second.name, created}};
}

core::RoomAccessFacts MemoryStore::facts_of(const RoomData* data, const core::Identity& actor) {
  // A room that does not exist is refused like one the actor cannot see.
  if (data == nullptr) return {core::RoomKind::private_room, "", false};
  return {data->record.kind, data->owner_key, data->may_enter(core::access_key_of(actor))};
}

Result<AccessChange> MemoryStore::grant_access(const core::RoomName& room,
                                               const core::Identity& actor,
                                               const core::UserName& user, std::int64_t) {
  AccessChange change;
  auto found = rooms_.find(room.key());
  const core::RoomAccessFacts facts =
      facts_of(found == rooms_.end() ? nullptr : &found->second, actor);
  if ((change.refused = core::refusal_of_invite(facts, actor))) return change;
  RoomData& target = found->second;
  change.room_name = target.record.name;
  auto account = accounts_.find(user.key());
  if (account == accounts_.end()) {
    change.refused = core::Error{core::ErrorCode::not_found, "no such user"};
    return change;
  }
  change.user_name = account->second.name;
  if (!target.may_enter(user.key())) {
    target.access.emplace_back(user.key(), account->second.name);
    change.changed = true;
  }
  return change;
}

Result<AccessChange> MemoryStore::revoke_access(const core::RoomName& room,
                                                const core::Identity& actor,
                                                const core::UserName& user) {
  AccessChange change;
  auto found = rooms_.find(room.key());
  const core::RoomAccessFacts facts =
      facts_of(found == rooms_.end() ? nullptr : &found->second, actor);
  if ((change.refused = core::refusal_of_removal(facts, actor, user.key()))) return change;
  RoomData& target = found->second;
  change.room_name = target.record.name;
  auto account = accounts_.find(user.key());
  if (account == accounts_.end()) {
    change.refused = core::Error{core::ErrorCode::not_found, "no such user"};
    return change;
  }
  change.user_name = account->second.name;
  change.changed = std::erase_if(target.access,
                                 [&](const auto& entry) { return entry.first == user.key(); }) > 0;
  return change;
}

Result<std::vector<std::string>> MemoryStore::list_access(const core::RoomName& room) {
  std::vector<std::string> names;
  if (auto found = rooms_.find(room.key()); found != rooms_.end()) {
    for (const auto& [key, name] : found->second.access) names.push_back(name);
  }
  return names;
}

Result<std::vector<Appended>> MemoryStore::append_batch(std::span<const AppendRequest> requests,
                                                        std::int64_t now_ms) {
  std::vector<Appended> results;
  results.reserve(requests.size());
  for (const AppendRequest& request : requests) {
    // A message creates its room, unless the name is reserved; an event
    // names a message, so its room must exist.
    const bool creates =
        request.kind == core::EventKind::message && !core::is_reserved_room_name(request.room);
    if (!creates && !rooms_.contains(request.room.key())) {
      results.push_back({request.room.text(), 0, 0, false, refusal_without_room(request)});
      continue;
    }
    RoomData& data = room_data(request.room);
    if (request.origin == Origin::user && !data.may_enter(core::access_key_of(request.author))) {
      results.push_back({request.room.text(), 0, 0, false,
                         core::Error{core::ErrorCode::not_found, "no such room"}});
      continue;
    }
    const std::pair<std::string, std::string> id{request.author.id, request.client_id};
    if (auto seen = data.seq_by_author_and_id.find(id); seen != data.seq_by_author_and_id.end()) {
      // A first event removed by retention is forgotten with its id.
      if (const StoredMessage* first = data.event_at(seen->second)) {
        results.push_back({data.record.name, first->seq, first->ts, true});
        continue;
      }
      data.seq_by_author_and_id.erase(seen);
    }
    std::optional<TargetMessage> target;
    if (const StoredMessage* found = data.event_at(named_seq(request))) {
      target = TargetMessage{found->kind, found->author_id, found->deleted};
    }
    auto refused = refusal_of(request, target, data.owner_key);
    if (needs_server_role(request, refused)) {
      refused = refusal_of(request, target, data.owner_key, server_role_of(request.author));
    }
    if (refused) {
      results.push_back({data.record.name, 0, 0, false, refused});
      continue;
    }
    if (request.kind == core::EventKind::reaction) {
      auto found = data.reactions.find({request.target, request.author.id, request.emoji});
      const ReactionState state =
          found == data.reactions.end() ? ReactionState{} : found->second.state;
      if (changes_nothing(request, state)) {
        results.emplace_back(data.record.name, state.set_by, 0, true);
        continue;
      }
    }
    const std::uint64_t seq = ++data.record.last_seq;
    data.seq_by_author_and_id.emplace(id, seq);
    latest_activity_ = std::max(latest_activity_ + 1, now_ms);  // ties keep their order
    data.last_active = latest_activity_;
    StoredMessage event{
        seq,
        now_ms,
        request.author.user.text(),
        request.kind == core::EventKind::edit || request.kind == core::EventKind::message
            ? request.text
            : std::string(),
        request.client_id,
        request.author.id,
        request.author.is_guest()};
    event.kind = request.kind;
    event.target = request.kind == core::EventKind::message ? 0 : request.target;
    event.reply_to = request.kind == core::EventKind::message ? request.reply_to : 0;
    if (request.kind == core::EventKind::reaction) {
      event.emoji = request.emoji;
      event.on = request.on;
    }
    data.messages.push_back(std::move(event));
    apply(data, data.messages.back());
    results.push_back({data.record.name, seq, now_ms, false});
  }
  return results;
}

void MemoryStore::apply(RoomData& data, const StoredMessage& event) {
  if (event.kind == core::EventKind::message) return;
  StoredMessage* target = data.event_at(event.target);
  switch (event.kind) {
    case core::EventKind::edit:
      if (target == nullptr) break;
      target->text = event.text;
      target->edited_ts = event.ts;
      break;
    case core::EventKind::deletion:
      // The text goes, from the message and from every edit of it.
      for (StoredMessage& stored : data.messages) {
        if (stored.seq == event.target ||
            (stored.kind == core::EventKind::edit && stored.target == event.target)) {
          stored.text.clear();
          stored.text.shrink_to_fit();
          stored.deleted = true;
        }
      }
      std::erase_if(data.reactions,
                    [&](const auto& entry) { return std::get<0>(entry.first) == event.target; });
      break;
    case core::EventKind::reaction:
      data.reactions[{event.target, event.author_id, event.emoji}] = {{event.on, event.seq},
                                                                      event.user};
      break;
    case core::EventKind::message:
      break;
  }
}

std::vector<Reaction> MemoryStore::reactions_of(const RoomData& data, std::uint64_t seq) {
  std::vector<std::tuple<std::uint64_t, std::string, std::string>> on;  // set_by, emoji, user
  for (auto it = data.reactions.lower_bound({seq, "", ""});
       it != data.reactions.end() && std::get<0>(it->first) == seq; ++it) {
    if (it->second.state.on)
      on.emplace_back(it->second.state.set_by, std::get<2>(it->first), it->second.user);
  }
  std::sort(on.begin(), on.end());
  std::vector<Reaction> reactions;
  for (auto& [set_by, emoji, user] : on) add_reaction(reactions, std::move(emoji), std::move(user));
  return reactions;
}

Result<std::vector<StoredMessage>> MemoryStore::read_messages(const RangeQuery& query) {
  auto it = rooms_.find(query.room.key());
  if (it == rooms_.end()) return std::vector<StoredMessage>{};
  // Indexes from here on: messages[i] has seq trimmed + i + 1.
  const auto& messages = it->second.messages;
  const std::uint64_t trimmed = it->second.trimmed;
  const std::uint64_t last =
      std::min<std::uint64_t>(query.up_to, trimmed + messages.size()) - trimmed;
  if (query.up_to <= trimmed) return std::vector<StoredMessage>{};
  const std::uint64_t after = std::max(query.after, trimmed) - trimmed;
  if (after >= last || query.limit == 0) return std::vector<StoredMessage>{};
  // Indexes [first, end) of messages, grown from the end that is kept.
  std::size_t bytes = 0;
  std::vector<StoredMessage> read;
  const bool final_view = query.view == View::final_messages;
  // Adds messages[i] unless the view skips it; false once the read is full.
  const auto take = [&](std::uint64_t i) {
    if (final_view && messages[i].kind != core::EventKind::message) return true;
    if (read.size() >= query.limit) return false;
    StoredMessage message = messages[i];
    if (final_view) message.reactions = reactions_of(it->second, message.seq);
    bytes += message_bytes(message);
    if (!read.empty() && bytes > query.max_bytes) {
      if (query.stopped_by_bytes != nullptr) *query.stopped_by_bytes = true;
      return false;
    }
    read.push_back(std::move(message));
    return true;
  };
  if (query.keep == Keep::oldest) {
    for (std::uint64_t i = after; i < last && take(i); ++i) {
    }
  } else {
    for (std::uint64_t i = last; i > after && take(i - 1); --i) {
    }
    std::reverse(read.begin(), read.end());
  }
  return read;
}

Result<std::vector<RoomRecord>> MemoryStore::list_rooms(std::size_t limit) {
  std::vector<const RoomData*> ordered;
  for (const auto& [key, data] : rooms_) {
    if (!core::is_restricted(data.record.kind)) ordered.push_back(&data);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const RoomData* a, const RoomData* b) { return a->last_active > b->last_active; });
  std::vector<RoomRecord> records;
  for (std::size_t i = 0; i < ordered.size() && i < limit; ++i) {
    records.push_back(ordered[i]->record);
    records.back().last_active_ms = ordered[i]->last_active;
  }
  return records;
}

Result<std::optional<ReadMarker>> MemoryStore::mark_read(const std::string& reader,
                                                         const core::RoomName& room,
                                                         std::optional<std::uint64_t> seq) {
  RoomData* found = visible_room(room.key(), reader);
  if (found == nullptr) return std::optional<ReadMarker>{};
  RoomData& data = *found;
  const std::uint64_t last_seq = data.record.last_seq;
  auto [marker, is_new] = data.read_seq_by_reader.try_emplace(reader, last_seq);
  if (seq) {
    if (is_new) marker->second = 0;
    marker->second = std::max(marker->second, std::min(*seq, last_seq));
  }
  return std::optional<ReadMarker>{ReadMarker{data.record.name, marker->second}};
}

Result<std::vector<RoomReading>> MemoryStore::list_reading(const core::Identity& reader,
                                                           std::size_t limit) {
  std::vector<const RoomData*> ordered;
  const std::string access_key = core::access_key_of(reader);
  for (const auto& [key, data] : rooms_) {
    const bool restricted = core::is_restricted(data.record.kind);
    if (restricted ? data.may_enter(access_key) : data.read_seq_by_reader.contains(reader.id)) {
      ordered.push_back(&data);
    }
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const RoomData* a, const RoomData* b) { return a->last_active > b->last_active; });
  if (ordered.size() > limit) ordered.resize(limit);
  std::vector<RoomReading> readings;
  for (const RoomData* data : ordered) {
    const auto marker = data->read_seq_by_reader.find(reader.id);
    RoomReading reading{data->record.name, data->record.last_seq,
                        marker == data->read_seq_by_reader.end() ? 0 : marker->second};
    reading.kind = data->record.kind;
    if (data->record.kind == core::RoomKind::direct) {
      for (const auto& [key, name] : data->access) {
        if (key != access_key) reading.with = name;
      }
    }
    for (const StoredMessage& event : data->messages) {
      if (event.seq <= reading.read_seq) continue;
      if (event.kind != core::EventKind::message || event.deleted || event.author_id == reader.id) {
        continue;
      }
      ++reading.unread;
      if (core::mentions(event.text, reader.user)) ++reading.mentions;
    }
    readings.push_back(std::move(reading));
  }
  return readings;
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

ServerRole MemoryStore::server_role_of(const core::Identity& author) const {
  auto it = accounts_.find(core::access_key_of(author));
  return it != accounts_.end() && it->second.is_admin ? ServerRole::admin : ServerRole::member;
}

void MemoryStore::end_sessions_and_tokens(const core::UserName& user) {
  std::erase_if(sessions_, [&](const auto& entry) {
    return !entry.second.guest && core::fold_case(entry.second.user_name) == user.key();
  });
  std::erase_if(tokens_, [&](const auto& entry) {
    return core::fold_case(entry.second.user_name) == user.key();
  });
}

Result<bool> MemoryStore::set_password(const core::UserName& user,
                                       const std::string& password_hash) {
  auto it = accounts_.find(user.key());
  if (it == accounts_.end()) return false;
  it->second.password_hash = password_hash;
  end_sessions_and_tokens(user);
  return true;
}

Result<bool> MemoryStore::set_server_role(const core::UserName& user, ServerRole role) {
  auto it = accounts_.find(user.key());
  if (it == accounts_.end()) return false;
  it->second.is_admin = role == ServerRole::admin;
  return true;
}

Result<bool> MemoryStore::delete_account(const core::UserName& user, std::int64_t now_ms) {
  if (accounts_.erase(user.key()) == 0) return false;
  end_sessions_and_tokens(user);
  const std::string id = core::account_id_of(user.key());
  const std::string retired = "x:" + user.key() + ":" + std::to_string(now_ms);
  std::erase_if(rooms_, [&](const auto& entry) {
    const RoomData& data = entry.second;
    return data.record.kind == core::RoomKind::direct &&
           std::any_of(data.access.begin(), data.access.end(),
                       [&](const auto& holder) { return holder.first == user.key(); });
  });
  for (auto& [key, data] : rooms_) {
    data.read_seq_by_reader.erase(id);
    std::erase_if(data.access, [&](const auto& holder) { return holder.first == user.key(); });
    if (data.owner_key == user.key()) {
      data.owner_key.clear();
      data.record.owner.clear();
    }
    for (StoredMessage& message : data.messages) {
      if (message.author_id == id) message.author_id = retired;
    }
    for (auto it = data.seq_by_author_and_id.begin(); it != data.seq_by_author_and_id.end();) {
      if (it->first.first != id) {
        ++it;
        continue;
      }
      data.seq_by_author_and_id.emplace(std::pair{retired, it->first.second}, it->second);
      it = data.seq_by_author_and_id.erase(it);
    }
    for (auto it = data.reactions.begin(); it != data.reactions.end();) {
      if (std::get<1>(it->first) != id) {
        ++it;
        continue;
      }
      data.reactions.emplace(std::tuple{std::get<0>(it->first), retired, std::get<2>(it->first)},
                             it->second);
      it = data.reactions.erase(it);
    }
  }
  return true;
}

Result<std::vector<RoomSummary>> MemoryStore::list_all_rooms() {
  std::vector<RoomSummary> rooms;
  std::vector<std::pair<std::string, const RoomData*>> by_key;
  for (const auto& [key, data] : rooms_) by_key.emplace_back(key, &data);
  std::sort(by_key.begin(), by_key.end());
  for (const auto& [key, data] : by_key) {
    RoomSummary summary{data->record.name, data->record.kind};
    for (const StoredMessage& message : data->messages) {
      if (message.kind == core::EventKind::message && !message.deleted) ++summary.messages;
    }
    if (!data->messages.empty()) summary.last_event_ms = data->messages.back().ts;
    rooms.push_back(std::move(summary));
  }
  return rooms;
}

Result<bool> MemoryStore::delete_room(const core::RoomName& room) {
  return rooms_.erase(room.key()) > 0;
}

}  // namespace parley::store
