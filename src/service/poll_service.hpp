// The use cases of the HTTP transport: rooms, history, polling, long polling
// and members. A user who polls a room is one of its members (a Poller) until
// some time after the last poll. Long polls wait here, woken by ChatService's
// publish listener with one body built once. I/O thread only; the transport
// owns the timers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "service/chat_service.hpp"
#include "service/refusal.hpp"

namespace parley::service {

struct PollLimits {
  std::chrono::milliseconds presence_timeout{
      30000};  // a poller leaves this long after its last poll
  // Bytes of messages in one page (about, as encoded): a page that would be
  // larger holds fewer messages and says `truncated`.
  std::size_t max_page_bytes = 1024 * 1024;
};

struct MessagePage {
  std::string room;  // as first written
  std::vector<core::Frame> messages;
  std::uint64_t last_seq = 0;
  bool truncated = false;  // fewer messages than asked for, to stay within max_page_bytes
  // Every event up to this seq was removed by retention (0: none removed, or
  // not asked). History pages (before=) carry it; so does a poll (after=)
  // whose next seqs were removed: its page starts after this seq instead.
  std::uint64_t trimmed_seq = 0;
};

struct RoomSummary {
  std::string name;
  std::uint64_t last_seq = 0;
  std::size_t online = 0;
  std::int64_t last_active_ms = 0;  // 0: never written in
};

class PollService {
 public:
  template <class T>
  using Done = std::function<void(Outcome<T>)>;
  using Body = std::shared_ptr<const std::string>;
  using WaitId = std::uint64_t;

  // `memory`: the server's budget; a page that does not fit is refused (429).
  PollService(ChatService& chat, store::StoreWorker& store, const core::Clock& clock,
              core::MemoryBudget& memory, PollLimits limits);
  ~PollService();

  void list_rooms(std::size_t limit, Done<std::vector<RoomSummary>> done);
  // The `limit` messages before seq `before` (before all, without it), oldest first.
  // not_found when `reader` may not see the room.
  void read_before(const core::Identity& reader, const core::RoomName& room,
                   std::optional<std::uint64_t> before, std::size_t limit, Done<MessagePage> done);
  // The message `seq` of `room` in its final state; not_found when that seq
  // is not a message (an edit, say) or the room has no such seq.
  void read_message(const core::Identity& reader, const core::RoomName& room, std::uint64_t seq,
                    Done<core::Frame> done);
  // Messages with seq > after, oldest first; `identity` counts as present.
  void poll(const core::Identity& identity, const core::RoomName& room, std::uint64_t after,
            std::size_t limit, Done<MessagePage> done);
  // Waits for message after+1. `woken` gets the page body, or null when the
  // caller must poll again (it fell behind). Returns an id for cancel_wait.
  WaitId wait(const core::Identity& identity, const core::RoomName& room, std::uint64_t after,
              std::function<void(Body)> woken);
  void cancel_wait(const core::RoomName& room, WaitId id);

  // Every poller of `identity` leaves its room now (a guest session that
  // logged out), with the usual presence leave; its waits end first.
  void leave_all_of(const core::Identity& identity);

  // Pollers silent for longer than the presence timeout leave their rooms.
  void expire_idle_pollers();
  std::size_t waiting_count() const { return waiting_; }

 private:
  class Poller;
  struct Waiter {
    WaitId id;
    std::uint64_t after;
    std::shared_ptr<Poller> poller;  // present while any of its waits is under way
    std::function<void(Body)> woken;
  };

  Poller& touch_poller(const core::Identity& identity, core::Room& room);
  // The identity lost access to the room: its pollers leave, its waits end.
  void cut_off(const std::string& room_key, const std::string& identity);
  void wake(const std::string& room_key, std::uint64_t seq, const core::Frame& frame);
  // A wait ended (answered or cancelled): its poller counts as seen now.
  void end_wait(const std::shared_ptr<Poller>& poller);
  void read_after(const core::Room& room, std::uint64_t after, std::size_t limit,
                  Done<MessagePage> done);

  // True (and answered with 429) when the budget has no room for a page.
  bool refused_as_busy(const Done<MessagePage>& done);

  ChatService& chat_;
  store::StoreWorker& store_;
  const core::Clock& clock_;
  core::MemoryBudget& memory_;
  PollLimits limits_;
  // By identity id + "/" + room key.
  std::unordered_map<std::string, std::shared_ptr<Poller>> pollers_;
  // By room key. A wake-up leaves its room's list, with its capacity, for the
  // polls it answered to wait again; expire_idle_pollers drops lists left empty.
  std::unordered_map<std::string, std::vector<Waiter>> waiters_;
  WaitId next_wait_id_ = 1;
  std::size_t waiting_ = 0;
};

}  // namespace parley::service
