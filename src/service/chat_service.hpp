// The use cases of chat: join (with recovery), leave, send, typing, and what
// happens when a connection goes. Shared by every transport so that all see
// one truth. I/O thread only; store work goes through the StoreWorker.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/hub.hpp"
#include "protocol/client_frame.hpp"
#include "service/connection.hpp"
#include "store/store_worker.hpp"

namespace parley::service {

struct ServiceLimits {
  // Messages replayed by a join with `since`; older ones are read over HTTP.
  std::size_t replay_limit = 1000;
};

class ChatService {
 public:
  using ConnectionPtr = std::shared_ptr<Connection>;
  using Done = std::function<void()>;

  ChatService(store::StoreWorker& store, ServiceLimits limits, core::RoomLimits room_limits);

  // Joins; `done` runs once `joined` is queued (after a store round trip when
  // the room is not open yet), so the caller can hold the next frame back.
  void join(const ConnectionPtr& connection, protocol::JoinCommand command, Done done);
  void leave(Connection& connection, const protocol::LeaveCommand& command);
  // Sends; `settled` runs once the ack or the error is queued.
  void send(const ConnectionPtr& connection, protocol::SendCommand command, Done settled);
  void typing(Connection& connection, const protocol::TypingCommand& command);
  // The connection is gone: it leaves every room.
  void disconnect(Connection& connection);

  // From now on sends are refused; what was queued still commits.
  void begin_shutdown() { shutting_down_ = true; }

  const core::Hub& hub() const { return hub_; }

 private:
  using Opened = std::function<void(core::Room*)>;
  void open_room(const core::RoomName& name, Opened opened);
  void complete_join(Connection& connection, core::Room& room,
                     std::optional<std::uint64_t> since);
  void replay(const ConnectionPtr& connection, core::Room& room, std::uint64_t after,
              std::uint64_t up_to);

  store::StoreWorker& store_;
  ServiceLimits limits_;
  core::Hub hub_;
  // Rooms being opened in the store, with who waits for each; by room key.
  std::unordered_map<std::string, std::vector<Opened>> opening_;
  bool shutting_down_ = false;
};

}  // namespace parley::service
