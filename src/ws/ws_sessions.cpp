#include "ws/ws_sessions.hpp"

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

void WsSessions::tick() {
  for (WsSession* session : all()) session->tick();
}

}  // namespace parley::transport
