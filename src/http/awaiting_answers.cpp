#include "http/awaiting_answers.hpp"

#include "http/http_session.hpp"

namespace parley::transport {

void AwaitingAnswers::check_some(std::size_t budget) {
  if (to_check_.empty()) to_check_.assign(sessions_.begin(), sessions_.end());
  while (budget > 0 && !to_check_.empty()) {
    HttpSession* session = to_check_.back();
    to_check_.pop_back();
    // Only a session still in the set is alive (each removes itself).
    if (!sessions_.contains(session)) continue;
    --budget;
    session->close_if_abandoned();
  }
}

}  // namespace parley::transport
