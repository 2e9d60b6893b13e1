// When a WebSocket connection may handle its next frame: not while a join
// waits for the store or its replay to be written, nor while
// --max-in-flight-sends sends await their acks, nor once its frame allowance
// (a token bucket, --ws-frame-rate and --ws-frame-burst) is spent. A closed
// gate pauses reads; the session reads again when told it may. Plain logic:
// the session does the reading. Belongs to one session; I/O thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "protocol/client_frame.hpp"

namespace parley::transport::ws {

class ReadGate {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // The clock the allowance refills by; read only when the allowance runs short.
  using Now = TimePoint (*)();

  struct Limits {
    std::size_t max_in_flight_sends = 64;
    // Frames other than sends per second (0: no limit), and how many may
    // come at once.
    std::size_t frame_rate = 100;
    std::size_t frame_burst = 500;
  };

  // Why the next frame may not be handled now, checked in this order.
  enum class Verdict { read, wait_for_join, wait_for_acks, wait_for_allowance };

  // The allowance starts full.
  explicit ReadGate(Limits limits, Now now = &std::chrono::steady_clock::now);

  // Whether the next frame may be handled now. With the allowance spent, it
  // first refills it by the time gone since it last did.
  Verdict check();
  // A frame other than a send was handled.
  void spend_frame_allowance();

  // Reads stop at a closed gate. While they wait for the allowance, nothing
  // else (no read, no store answer) holds the session: it hands itself here
  // as `holder`, kept until resume() or let_go().
  void pause() { paused_ = true; }
  void hold_while_paused(std::shared_ptr<void> holder) { holder_ = std::move(holder); }
  bool is_paused() const { return paused_; }
  // Reads start again: returns the holder, to let go of once a read holds
  // the session instead.
  [[nodiscard]] std::shared_ptr<void> resume();
  // A read starts whatever the gate says (the peer's close is read even
  // when reads paused): no longer paused, but the holder stays.
  void note_reading() { paused_ = false; }
  // The session ends: what held it, to let go of later.
  [[nodiscard]] std::shared_ptr<void> let_go() { return std::move(holder_); }

  // Sends: each waits for its ack.
  void start_send() { ++in_flight_sends_; }
  // Its ack came. Returns the join that waited for the last one, to start now.
  std::optional<protocol::JoinCommand> finish_send();

  // A join starts now, returned, unless it has `since` while sends await their
  // acks (its replay must not overtake them): then it waits for the last ack,
  // and reads wait with it.
  std::optional<protocol::JoinCommand> admit_join(protocol::JoinCommand command);
  // From a join until it is done and its replay written, nothing else is read
  // (no leave or second join may overtake it, and a client that does not
  // read holds one piece of one replay).
  void start_join() { join_pending_ = true; }
  enum class Replay { written, unwritten };
  void finish_join(Replay replay);
  bool is_waiting_for_replay() const { return replay_unwritten_; }
  // The replay the finished join waited for is written.
  void finish_replay();

 private:
  bool has_frame_allowance();

  Limits limits_;
  Now now_;
  // Tokens, refilled at frame_rate per second up to frame_burst, as of `allowance_at_`.
  double frame_allowance_;
  TimePoint allowance_at_;
  std::shared_ptr<void> holder_;
  // With `since`, waiting for the acks of earlier sends.
  std::unique_ptr<protocol::JoinCommand> deferred_join_;
  std::uint32_t in_flight_sends_ = 0;
  bool join_pending_ = false;
  bool replay_unwritten_ = false;  // the join is done, its replay not yet written
  bool paused_ = false;
};

}  // namespace parley::transport::ws
