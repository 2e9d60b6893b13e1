// The rules every store applies to an event before it takes a seq, written
// once: the store reads what they need (the target message, the reaction as
// it stands) in its own transaction and asks here. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error_code.hpp"
#include "store/identity_store.hpp"
#include "store/message_store.hpp"

namespace parley::store {

// The message an event (or a reply) names, as the store found it.
struct TargetMessage {
  core::EventKind kind = core::EventKind::message;
  std::string author_id;
  bool deleted = false;
};

// Why `request` may not be stored, given its target (nullopt: no event of
// that seq in the room), the user key of the room's owner (empty: none) and
// the role of its author; nullopt when it may. A plain message without
// reply_to needs no target and always may. (Access to a restricted room is
// checked before.) The operator (Origin::operator_tool) acts as an admin.
inline std::optional<core::Error> refusal_of(const AppendRequest& request,
                                             const std::optional<TargetMessage>& target,
                                             std::string_view owner_key,
                                             ServerRole role = ServerRole::member) {
  using core::ErrorCode;
  using core::EventKind;
  const bool names_a_message = request.kind != EventKind::message || request.reply_to != 0;
  if (!names_a_message) return std::nullopt;
  if (!target || target->kind != EventKind::message || target->deleted) {
    return core::Error{ErrorCode::not_found, "no such message"};
  }
  if (request.kind == EventKind::edit && target->author_id != request.author.id) {
    return core::Error{ErrorCode::forbidden, "only its author may edit a message"};
  }
  // Server admins (and the operator) may delete too.
  const bool by_owner = !owner_key.empty() && core::access_key_of(request.author) == owner_key;
  const bool by_admin = role == ServerRole::admin || request.origin == Origin::operator_tool;
  if (request.kind == EventKind::deletion && target->author_id != request.author.id && !by_owner &&
      !by_admin) {
    return core::Error{ErrorCode::forbidden, "only its author or the room's owner may delete it"};
  }
  return std::nullopt;
}

// True when `refusal` (of `request` from a member) would not hold for a
// server admin: the store then reads the author's role and asks again. Only
// a delete of someone else's message, by an account, needs the read.
inline bool needs_server_role(const AppendRequest& request,
                              const std::optional<core::Error>& refusal) {
  return refusal && refusal->code == core::ErrorCode::forbidden &&
         request.kind == core::EventKind::deletion && !request.author.is_guest();
}

// Why `request` is refused when its room does not exist (and it may not
// create it): an event or a reply names a message that is not there; a plain
// message, to a name nothing but open_direct creates, names no room.
inline core::Error refusal_without_room(const AppendRequest& request) {
  return refusal_of(request, std::nullopt, "")
      .value_or(core::Error{core::ErrorCode::not_found, "no such room"});
}

// The seq a request names: its target, or the message it replies to.
inline std::uint64_t named_seq(const AppendRequest& request) {
  return request.kind == core::EventKind::message ? request.reply_to : request.target;
}

// A user's reaction with one emoji to one message, as it stands.
struct ReactionState {
  bool on = false;
  std::uint64_t set_by = 0;  // the seq of the event that made it so (0: never set)
};

// True when a reaction request changes nothing: it is acked with
// `state.set_by` and stores nothing.
inline bool changes_nothing(const AppendRequest& request, const ReactionState& state) {
  return request.kind == core::EventKind::reaction && request.on == state.on;
}

// Adds `user`'s reaction with `emoji` to a message's list; reactions are
// read in the order they were set, so the list keeps emoji and users in it.
inline void add_reaction(std::vector<Reaction>& reactions, std::string emoji, std::string user) {
  for (Reaction& reaction : reactions) {
    if (reaction.emoji == emoji) {
      reaction.users.push_back(std::move(user));
      return;
    }
  }
  reactions.push_back(Reaction{std::move(emoji), {std::move(user)}});
}

}  // namespace parley::store
