#include "service/rooms_service.hpp"

#include "core/room_access.hpp"
#include "protocol/server_frame.hpp"

namespace parley::service {

using core::ErrorCode;

namespace {
Refusal store_failed() {
  return Refusal{ErrorCode::internal, "the store cannot answer now"};
}

Refusal refusal_of(const core::Error& error) {
  return Refusal{error.code, std::string(error.message)};
}

// A room as the store described it, or why not.
struct Described {
  std::optional<RoomInfo> info;  // nullopt: not_found
};

store::Result<Described> describe_in(store::MessageStore& store, const core::RoomName& room,
                                     const core::Identity& viewer) {
  auto seen = store.enter_room(room, viewer, false);
  if (!seen) return seen.error();
  if (!*seen) return Described{};
  const store::RoomRecord& record = **seen;
  // A direct conversation is private too: only its two people see it.
  RoomInfo info{record.name,
                core::is_restricted(record.kind),
                record.owner.empty() ? std::nullopt : std::optional<std::string>(record.owner),
                record.last_seq,
                {}};
  if (info.is_private) {
    auto access = store.list_access(room);
    if (!access) return access.error();
    info.members = std::move(*access);
  }
  return Described{std::move(info)};
}
}  // namespace

RoomsService::RoomsService(ChatService& chat, store::StoreWorker& store, bus::Bus& bus,
                           const core::Clock& clock)
    : chat_(chat), store_(store), bus_(bus), clock_(clock) {}

void RoomsService::create(const core::Identity& creator, const core::RoomName& room,
                          bool is_private, Done<RoomInfo> done) {
  if (core::is_reserved_room_name(room)) {
    return done(Refusal{ErrorCode::bad_request, "room names starting with " +
                                                    std::string(core::kDirectRoomPrefix) +
                                                    " are kept for direct conversations"});
  }
  if (is_private && creator.is_guest()) {
    return done(Refusal{ErrorCode::forbidden, "private rooms need an account"});
  }
  const auto kind = is_private ? core::RoomKind::private_room : core::RoomKind::public_room;
  store_.run<Described>(
      [creator, room, kind,
       now = clock_.now_ms()](store::Store& store) -> store::Result<Described> {
        auto created = store.create_room(room, kind, creator, now);
        if (!created) return created.error();
        if (!*created) return Described{};
        return describe_in(store, room, creator);
      },
      [this, done = std::move(done)](store::Result<Described> described) {
        if (!described) return done(store_failed());
        if (!described->info) return done(Refusal{ErrorCode::conflict, "the room exists"});
        if (described->info->is_private) return done(std::move(*described->info));
        finish_description(std::move(*described->info), done);
      });
}

void RoomsService::describe(const core::Identity& viewer, const core::RoomName& room,
                            Done<RoomInfo> done) {
  store_.run<Described>(
      [viewer, room](store::Store& store) { return describe_in(store, room, viewer); },
      [this, done = std::move(done)](store::Result<Described> described) {
        if (!described) return done(store_failed());
        if (!described->info) return done(Refusal{ErrorCode::not_found, "no such room"});
        finish_description(std::move(*described->info), done);
      });
}

void RoomsService::finish_description(RoomInfo info, Done<RoomInfo> done) {
  const bool restricted = info.is_private;
  auto name = core::RoomName::parse(info.name);
  if (!name) return done(store_failed());
  // (open_room closes a room it opened for this if nobody is in it.)
  chat_.open_room(*name, [this, restricted, info = std::move(info),
                          done = std::move(done)](core::Room* open) mutable {
    if (open == nullptr) return done(store_failed());
    // This node may have released more than the store said a moment ago.
    info.last_seq = std::max(info.last_seq, open->delivered_seq());
    if (!restricted) info.members = chat_.user_names(*open);
    done(std::move(info));
  });
}

void RoomsService::invite(const core::Identity& actor, const core::RoomName& room,
                          const core::UserName& user, Done<std::monostate> done) {
  store_.run<store::AccessChange>(
      [actor, room, user, now = clock_.now_ms()](store::Store& store) {
        return store.grant_access(room, actor, user, now);
      },
      [this, actor, user, done = std::move(done)](store::Result<store::AccessChange> change) {
        if (!change) return done(store_failed());
        if (change->refused) return done(refusal_of(*change->refused));
        if (change->changed) {
          bus::Event event(bus::EventKind::personal);
          event.identity = core::account_id_of(user.key());
          event.frame = protocol::encode_invited(change->room_name, actor.user.text());
          bus_.publish(std::move(event));
        }
        done(std::monostate{});
      });
}

void RoomsService::remove(const core::Identity& actor, const core::RoomName& room,
                          const core::UserName& user, Done<std::monostate> done) {
  store_.run<store::AccessChange>(
      [actor, room, user](store::Store& store) { return store.revoke_access(room, actor, user); },
      [this, user, done = std::move(done)](store::Result<store::AccessChange> change) {
        if (!change) return done(store_failed());
        if (change->refused) return done(refusal_of(*change->refused));
        if (change->changed) chat_.announce_access_lost(change->room_name, user.key());
        done(std::monostate{});
      });
}

void RoomsService::open_direct(const core::Identity& caller, const core::UserName& user,
                               Done<DirectConversation> done) {
  if (caller.is_guest()) {
    return done(Refusal{ErrorCode::forbidden, "direct messages need an account"});
  }
  if (caller.user == user) {
    return done(Refusal{ErrorCode::bad_request, "a direct conversation needs someone else"});
  }
  struct Opened {
    std::optional<store::DirectRoom> direct;
    bool name_held_by_guest = false;
  };
  store_.run<Opened>(
      [caller, user, now = clock_.now_ms()](store::Store& store) -> store::Result<Opened> {
        auto direct = store.open_direct(caller, user, now);
        if (!direct) return direct.error();
        if (*direct) return Opened{std::move(*direct), false};
        auto taken = store.is_name_taken(user, now);
        if (!taken) return taken.error();
        return Opened{std::nullopt, *taken};
      },
      [this, user, by = caller.user.text(), done = std::move(done)](store::Result<Opened> opened) {
        if (!opened) return done(store_failed());
        if (opened->name_held_by_guest) {
          return done(Refusal{ErrorCode::forbidden, "guests cannot receive direct messages"});
        }
        if (!opened->direct) return done(Refusal{ErrorCode::not_found, "no such user"});
        // A room that took the name before names were reserved is not theirs.
        if (opened->direct->room.kind != core::RoomKind::direct) {
          return done(Refusal{ErrorCode::conflict, "the conversation's name is taken"});
        }
        if (opened->direct->created) {
          // As for an invitation: the other person's connections hear of
          // it, so a conversation started with them shows up at once.
          bus::Event event(bus::EventKind::personal);
          event.identity = core::account_id_of(user.key());
          event.frame = protocol::encode_invited(opened->direct->room.name, by);
          bus_.publish(std::move(event));
        }
        done(DirectConversation{opened->direct->room.name, opened->direct->with});
      });
}

}  // namespace parley::service
