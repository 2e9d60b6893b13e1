#include "ws/ws_sessions.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "ws/ws_session.hpp"

namespace parley::transport {

void WsSessions::flush_later(std::shared_ptr<WsSession> session) {
  const bool first = to_flush_.empty();
  auto executor = session->get_executor();
  to_flush_.push_back(std::move(session));
  if (first) boost::asio::post(executor, [this] { flush_all(); });
}

void WsSessions::flush_all() {
  // A flush may queue more (a close after an error): those go next turn.
  flushing_.swap(to_flush_);
  for (const auto& session : flushing_) session->flush();
  flushing_.clear();
}

WsSessions::Queued WsSessions::queued() const {
  Queued queued;
  for (const WsSession* session : open_) {
    const std::size_t bytes = session->queued_bytes();
    queued.total_bytes += bytes;
    queued.largest_bytes = std::max(queued.largest_bytes, bytes);
  }
  return queued;
}

void WsSessions::tick() {
  for (WsSession* session : all()) session->tick();
}

}  // namespace parley::transport
