#include "service/poll_service.hpp"

#include <algorithm>

#include "obs/metrics.hpp"
#include "protocol/server_frame.hpp"

namespace parley::service {

using core::ErrorCode;

// A user polling a room: a member of it that no socket backs. Frames sent to
// it are dropped; it reads through polls.
class PollService::Poller final : public Connection {
 public:
  Poller(core::Identity identity, std::string room_key)
      : identity_(std::move(identity)), room_key_(std::move(room_key)) {}
  const core::Identity& identity() const override { return identity_; }
  void send(const core::Frame&) override {}
  void send_replay_piece(std::span<const core::Frame>, core::MemoryBudget::Lease,
                         std::function<void()>) override {}  // a poller never replays
  void fall_behind() override {}
  bool is_polled() const override { return true; }
  bool is_guest() const override { return identity_.is_guest(); }
  bool is_open() const override { return true; }

  const std::string& room_key() const { return room_key_; }
  std::int64_t last_seen_ms = 0;
  std::size_t waits = 0;  // long polls under way: present while any waits

 private:
  core::Identity identity_;
  std::string room_key_;
};

namespace {
Refusal store_failed() {
  return Refusal{ErrorCode::internal, "the store cannot answer now"};
}

std::string poller_key(const std::string& identity_id, const std::string& room_key) {
  return identity_id + "/" + room_key;
}

// The page of `messages` read for a request of `limit` (or `up_to`): cut
// short by bytes when the store gave fewer than asked.
MessagePage page_of(HistoryFrames& history, const std::string& room,
                    const std::vector<store::StoredMessage>& messages, std::uint64_t last_seq,
                    std::size_t wanted) {
  MessagePage page{room, {}, last_seq, messages.size() < wanted};
  page.messages.reserve(messages.size());
  for (const auto& message : messages) page.messages.push_back(history.frame_of(room, message));
  return page;
}
}  // namespace

PollService::PollService(ChatService& chat, store::StoreWorker& store, const core::Clock& clock,
                         core::MemoryBudget& memory, PollLimits limits)
    : chat_(chat), store_(store), clock_(clock), memory_(memory), limits_(limits) {
  chat_.on_published([this](const std::string& room_key, std::uint64_t seq,
                            const core::Frame& frame) { wake(room_key, seq, frame); });
  chat_.when_access_lost([this](const std::string& room_key, const std::string& identity) {
    cut_off(room_key, identity);
  });
}

void PollService::cut_off(const std::string& room_key, const std::string& identity) {
  // Its long polls of the room end at once; asked again, they are refused.
  std::vector<std::function<void(Body)>> calls;
  if (auto found = waiters_.find(room_key); found != waiters_.end()) {
    std::erase_if(found->second, [&](Waiter& waiter) {
      if (!waiter.poller || waiter.poller->identity().id != identity) return false;
      calls.push_back(std::move(waiter.woken));
      end_wait(waiter.poller);
      return true;
    });
  }
  if (auto poller = pollers_.find(poller_key(identity, room_key)); poller != pollers_.end()) {
    chat_.disconnect(*poller->second);  // presence leave, as for a socket that closes
    pollers_.erase(poller);
  }
  for (auto& woken : calls) woken(nullptr);
}

PollService::~PollService() {
  for (auto& [key, poller] : pollers_) chat_.disconnect(*poller);
}

void PollService::list_rooms(std::size_t limit, Done<std::vector<RoomSummary>> done) {
  store_.run<std::vector<store::RoomRecord>>(
      [limit](store::MessageStore& store) { return store.list_rooms(limit); },
      [this, done = std::move(done)](store::Result<std::vector<store::RoomRecord>> records) {
        if (!records) return done(store_failed());
        std::vector<RoomSummary> rooms;
        rooms.reserve(records->size());
        for (const auto& record : *records) {
          const core::Room* open = chat_.hub().find_by_key(core::fold_case(record.name));
          // An open room may be ahead of what the store answered a moment ago.
          const std::uint64_t last_seq =
              open != nullptr ? std::max(open->delivered_seq(), record.last_seq) : record.last_seq;
          rooms.push_back({record.name, last_seq, chat_.online(core::fold_case(record.name)),
                           record.last_active_ms});
        }
        done(std::move(rooms));
      });
}

bool PollService::refused_as_busy(const Done<MessagePage>& done) {
  // A page is counted in the budget once it is built and held for its
  // client (HttpSession); here it only needs the room it may take.
  if (memory_.has_room_for(limits_.max_page_bytes)) return false;
  done(Refusal{ErrorCode::rate_limited, "the server is busy; try again", 1});
  return true;
}

void PollService::read_before(const core::Identity& reader, const core::RoomName& room,
                              std::optional<std::uint64_t> before, std::size_t limit,
                              Done<MessagePage> done) {
  struct Read {
    std::optional<store::RoomRecord> record;  // nullopt: not for this reader
    std::vector<store::StoredMessage> messages;
    bool truncated = false;
    std::uint64_t trimmed_seq = 0;
  };
  obs::count(obs::counters().history_reads);
  if (refused_as_busy(done)) return;
  store_.run<Read>(
      [reader, room, before, limit,
       max_bytes = limits_.max_page_bytes](store::Store& store) -> store::Result<Read> {
        auto seen = store.enter_room(room, reader, true);
        if (!seen) return seen.error();
        if (!*seen) return Read{};
        const store::RoomRecord* record = &**seen;
        const std::uint64_t up_to = before ? (*before == 0 ? 0 : *before - 1) : record->last_seq;
        // History shows messages as they are now: edited, deleted, reacted to.
        bool truncated = false;
        store::RangeQuery query{room, 0, up_to, limit, max_bytes};
        query.view = store::View::final_messages;
        query.stopped_by_bytes = &truncated;
        auto messages = store.read_messages(query);
        if (!messages) return messages.error();
        auto trimmed = store.trimmed_seq(room);
        if (!trimmed) return trimmed.error();
        return Read{*record, std::move(*messages), truncated, *trimmed};
      },
      [done = std::move(done)](store::Result<Read> read) {
        if (!read) return done(store_failed());
        if (!read->record) return done(Refusal{ErrorCode::not_found, "no such room"});
        const std::string& name = read->record->name;
        MessagePage page{name, {}, read->record->last_seq, read->truncated, read->trimmed_seq};
        page.messages.reserve(read->messages.size());
        for (const auto& message : read->messages) {
          page.messages.push_back(HistoryFrames::encode(name, message));
        }
        done(std::move(page));
      });
}

void PollService::read_message(const core::Identity& reader, const core::RoomName& room,
                               std::uint64_t seq, Done<core::Frame> done) {
  struct Read {
    std::string room_name;
    std::optional<store::StoredMessage> message;
    bool closed = false;  // the room is closed to the reader (or does not exist)
  };
  obs::count(obs::counters().history_reads);
  store_.run<Read>(
      [reader, room, seq](store::MessageStore& store) -> store::Result<Read> {
        auto seen = store.enter_room(room, reader, false);
        if (!seen) return seen.error();
        if (!*seen) return Read{{}, std::nullopt, true};
        store::RangeQuery query{room, seq - 1, seq, 1};
        query.view = store::View::final_messages;
        auto messages = store.read_messages(query);
        if (!messages) return messages.error();
        if (messages->empty() || messages->front().seq != seq) return Read{};
        return Read{(*seen)->name, std::move(messages->front())};
      },
      [done = std::move(done)](store::Result<Read> read) {
        if (!read) return done(store_failed());
        if (read->closed) return done(Refusal{ErrorCode::not_found, "no such room"});
        if (!read->message) return done(Refusal{ErrorCode::not_found, "no such message"});
        done(HistoryFrames::encode(read->room_name, *read->message));
      });
}

PollService::Poller& PollService::touch_poller(const core::Identity& identity, core::Room& room) {
  auto& slot = pollers_[poller_key(identity.id, room.name().key())];
  if (!slot) slot = std::make_shared<Poller>(identity, room.name().key());
  slot->last_seen_ms = clock_.now_ms();
  if (!room.is_member(*slot)) chat_.join_quietly(*slot, room);
  return *slot;
}

void PollService::poll(const core::Identity& identity, const core::RoomName& room,
                       std::uint64_t after, std::size_t limit, Done<MessagePage> done) {
  chat_.admit(
      identity, room, true,
      [this, identity, after, limit, done = std::move(done)](Outcome<core::Room*> admitted) {
        if (auto* refusal = std::get_if<Refusal>(&admitted)) return done(*refusal);
        core::Room* open = std::get<core::Room*>(admitted);
        touch_poller(identity, *open);
        read_after(*open, after, limit, std::move(done));
      });
}

void PollService::read_after(const core::Room& room, std::uint64_t after, std::size_t limit,
                             Done<MessagePage> done) {
  const std::uint64_t last_seq = room.delivered_seq();
  if (after >= last_seq || limit == 0) {
    // Nothing new: answered at once, so a waiter registered by the caller
    // right after misses nothing.
    done(MessagePage{room.name().text(), {}, last_seq});
    return;
  }
  // Seqs have no gaps, so the next `limit` messages end at after + limit.
  const std::uint64_t up_to = std::min<std::uint64_t>(last_seq, after + limit);
  obs::count(obs::counters().history_reads);
  if (refused_as_busy(done)) return;
  struct Read {
    std::vector<store::StoredMessage> messages;
    std::uint64_t from = 0;  // the page holds seqs after this one
    std::uint64_t up_to = 0;
    std::uint64_t trimmed_seq = 0;
  };
  store_.run<Read>(
      [query = store::RangeQuery{room.name(), after, up_to, limit, limits_.max_page_bytes,
                                 store::Keep::oldest},
       last_seq](store::Store& store) -> store::Result<Read> {
        auto messages = store.read_messages(query);
        if (!messages) return messages.error();
        Read read{std::move(*messages), query.after, query.up_to};
        const bool starts_at_after =
            !read.messages.empty() && read.messages.front().seq == query.after + 1;
        if (starts_at_after) return read;
        // The seqs after `after` are missing: retention removed them. The
        // page starts at the room's horizon instead, and says where it is,
        // or a poller would ask for the same empty page forever.
        auto trimmed = store.trimmed_seq(query.room);
        if (!trimmed) return trimmed.error();
        read.trimmed_seq = *trimmed;
        if (*trimmed <= query.after) return read;
        store::RangeQuery later = query;
        later.after = *trimmed;
        later.up_to = std::min<std::uint64_t>(last_seq, *trimmed + query.limit);
        auto kept = store.read_messages(later);
        if (!kept) return kept.error();
        read.messages = std::move(*kept);
        read.from = later.after;
        read.up_to = later.up_to;
        return read;
      },
      [this, name = room.name().text(), last_seq,
       done = std::move(done)](store::Result<Read> read) {
        if (!read) return done(store_failed());
        MessagePage page =
            page_of(chat_.history(), name, read->messages, last_seq, read->up_to - read->from);
        page.trimmed_seq = read->trimmed_seq;
        obs::count(obs::counters().deliveries, obs::Transport::http, page.messages.size());
        done(std::move(page));
      });
}

PollService::WaitId PollService::wait(const core::Identity& identity, const core::RoomName& room,
                                      std::uint64_t after, std::function<void(Body)> woken) {
  const WaitId id = next_wait_id_++;
  std::shared_ptr<Poller> poller;
  if (auto found = pollers_.find(poller_key(identity.id, room.key())); found != pollers_.end()) {
    poller = found->second;
    ++poller->waits;
  }
  waiters_[room.key()].push_back(Waiter{id, after, std::move(poller), std::move(woken)});
  ++waiting_;
  return id;
}

void PollService::end_wait(const std::shared_ptr<Poller>& poller) {
  --waiting_;
  if (!poller) return;
  --poller->waits;
  poller->last_seen_ms = clock_.now_ms();
}

void PollService::cancel_wait(const core::RoomName& room, WaitId id) {
  auto found = waiters_.find(room.key());
  if (found == waiters_.end()) return;
  auto& list = found->second;
  auto waiter = std::find_if(list.begin(), list.end(),
                             [id](const Waiter& waiter) { return waiter.id == id; });
  if (waiter == list.end()) return;
  end_wait(waiter->poller);
  list.erase(waiter);
  if (list.empty()) waiters_.erase(found);
}

void PollService::wake(const std::string& room_key, std::uint64_t seq, const core::Frame& frame) {
  auto found = waiters_.find(room_key);
  if (found == waiters_.end()) return;
  std::vector<Waiter>& list = found->second;

  Body body;  // built once, for every waiter that was up to date
  std::vector<std::pair<std::function<void(Body)>, Body>> calls;
  calls.reserve(list.size());
  std::size_t still_waiting = 0;  // those ahead of `seq` stay, in order, at the front
  for (std::size_t i = 0; i < list.size(); ++i) {
    Waiter& waiter = list[i];
    if (waiter.after >= seq) {
      if (i != still_waiting) list[still_waiting] = std::move(waiter);
      ++still_waiting;
      continue;
    }
    if (waiter.after + 1 == seq && !body) {
      const core::Room* room = chat_.hub().find_by_key(room_key);
      const std::string name = room != nullptr ? room->name().text() : room_key;
      body = std::make_shared<const std::string>(protocol::encode_message_page(name, {frame}, seq));
    }
    calls.emplace_back(std::move(waiter.woken), waiter.after + 1 == seq ? body : nullptr);
    end_wait(waiter.poller);
  }
  // The list keeps its capacity for the waits that follow these answers.
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(still_waiting), list.end());
  // Last, since a callback may poll again and add a waiter.
  for (auto& [woken, page] : calls) {
    if (page) obs::count(obs::counters().deliveries, obs::Transport::http);
    woken(page);
  }
}

void PollService::leave_all_of(const core::Identity& identity) {
  for (auto it = pollers_.begin(); it != pollers_.end();) {
    Poller& poller = *it->second;
    // A wait still under way holds the poller (its waiter points at it) and
    // ends soon (its long poll is answered 401): it is left to expire.
    if (poller.identity() != identity || poller.waits > 0) {
      ++it;
      continue;
    }
    chat_.disconnect(poller);
    it = pollers_.erase(it);
  }
}

void PollService::expire_idle_pollers() {
  const std::int64_t cutoff = clock_.now_ms() - limits_.presence_timeout.count();
  for (auto it = pollers_.begin(); it != pollers_.end();) {
    Poller& poller = *it->second;
    if (poller.waits > 0 || poller.last_seen_ms > cutoff) {
      ++it;
      continue;
    }
    chat_.disconnect(poller);  // presence leave, as for a socket that closes
    it = pollers_.erase(it);
  }
  // Lists that wake-ups emptied and no wait refilled: their rooms have no
  // long polls now.
  std::erase_if(waiters_, [](const auto& room) { return room.second.empty(); });
}

}  // namespace parley::service
