#include "ws/read_gate.hpp"

#include <algorithm>
#include <utility>

namespace parley::transport::ws {

ReadGate::ReadGate(Limits limits, Now now)
    : limits_(limits),
      now_(now),
      frame_allowance_(static_cast<double>(limits.frame_burst)),
      allowance_at_(now()) {}

ReadGate::Verdict ReadGate::check() {
  if (join_pending_) return Verdict::wait_for_join;
  if (in_flight_sends_ >= limits_.max_in_flight_sends) return Verdict::wait_for_acks;
  if (!has_frame_allowance()) return Verdict::wait_for_allowance;
  return Verdict::read;
}

bool ReadGate::has_frame_allowance() {
  if (frame_allowance_ >= 1 || limits_.frame_rate == 0) return true;
  const TimePoint now = now_();
  const double elapsed = std::chrono::duration<double>(now - allowance_at_).count();
  allowance_at_ = now;
  frame_allowance_ = std::min(static_cast<double>(limits_.frame_burst),
                              frame_allowance_ + elapsed * static_cast<double>(limits_.frame_rate));
  return frame_allowance_ >= 1;
}

void ReadGate::spend_frame_allowance() {
  if (limits_.frame_rate == 0) return;
  // A full bucket gains nothing while it waits: its refill starts now.
  if (frame_allowance_ >= static_cast<double>(limits_.frame_burst)) allowance_at_ = now_();
  frame_allowance_ -= 1;
}

std::shared_ptr<void> ReadGate::resume() {
  paused_ = false;
  return std::move(holder_);
}

std::optional<protocol::JoinCommand> ReadGate::finish_send() {
  --in_flight_sends_;
  if (in_flight_sends_ > 0 || !deferred_join_) return std::nullopt;
  std::optional<protocol::JoinCommand> join(std::move(*deferred_join_));
  deferred_join_.reset();
  return join;
}

std::optional<protocol::JoinCommand> ReadGate::admit_join(protocol::JoinCommand command) {
  if (!command.since || in_flight_sends_ == 0) return command;
  deferred_join_ = std::make_unique<protocol::JoinCommand>(std::move(command));
  join_pending_ = true;
  return std::nullopt;
}

void ReadGate::finish_join(Replay replay) {
  if (replay == Replay::unwritten) {
    replay_unwritten_ = true;
    return;
  }
  join_pending_ = false;
}

void ReadGate::finish_replay() {
  replay_unwritten_ = false;
  join_pending_ = false;
}

}  // namespace parley::transport::ws
