// HTTP sessions whose answer is pending (long polls above all). Nothing reads
// such a connection meanwhile, so a share of them is checked each second for
// a client that went away: its socket is freed then, not when the wait ends.
// Spread over ticks so that 10,000 waiting polls never stall the I/O thread.
// I/O thread only.
#pragma once

#include <cstddef>
#include <unordered_set>
#include <vector>

namespace parley::transport {

class HttpSession;

class AwaitingAnswers {
 public:
  void add(HttpSession* session) { sessions_.insert(session); }
  void remove(HttpSession* session) { sessions_.erase(session); }

  // Checks up to `budget` sessions, going on where the last call stopped;
  // each is checked again once all the others have been.
  void check_some(std::size_t budget);

 private:
  std::unordered_set<HttpSession*> sessions_;
  std::vector<HttpSession*> to_check_;  // may name sessions gone since: checked against sessions_
};

}  // namespace parley::transport
