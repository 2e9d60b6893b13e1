#include "http/chat_api.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "core/message_text.hpp"
#include "http/http_request.hpp"
#include "obs/metrics.hpp"
#include "protocol/client_frame.hpp"
#include "protocol/server_frame.hpp"
#include "service/poll_service.hpp"

namespace parley::transport {

namespace http = boost::beast::http;
namespace json = boost::json;
using core::ErrorCode;

namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;
constexpr std::uint64_t kMaxWaitSeconds = 60;

// The query's non-negative integer parameters; anything else is a 400.
struct Numbers {
  std::optional<std::uint64_t> after, before, limit, wait;
};
std::optional<Numbers> read_numbers(const ApiCall& call) {
  Numbers numbers;
  for (const auto& param : boost::urls::url_view(call.target).params()) {
    std::optional<std::uint64_t>* slot = param.key == "after"    ? &numbers.after
                                         : param.key == "before" ? &numbers.before
                                         : param.key == "limit"  ? &numbers.limit
                                         : param.key == "wait"   ? &numbers.wait
                                                                 : nullptr;
    if (slot == nullptr) continue;
    const std::string& text = param.value;
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
        slot->has_value()) {
      call.refuse(ErrorCode::bad_request,
                  param.key + " must be a non-negative integer, given once");
      return std::nullopt;
    }
    *slot = value;
  }
  return numbers;
}

// HEAD of a room's endpoint: answered 200 without a body, or 404 when the
// room is closed to the caller, as GET would be. True when it was a HEAD.
bool answered_room_head(ServerContext& context, const ApiCallPtr& call,
                        const core::RoomName& room) {
  if (call->request.method() != http::verb::head) return false;
  context.chat.may_see(&*call->caller.identity, room, [call](bool seen) {
    if (!seen) return call->refuse(ErrorCode::not_found, "no such room");
    call->answered_head();
  });
  return true;
}

std::size_t limit_of(const Numbers& numbers) {
  return static_cast<std::size_t>(
      std::min<std::uint64_t>(numbers.limit.value_or(kDefaultLimit), kMaxLimit));
}

void answer_page(const ApiCall& call, const service::MessagePage& page) {
  call.respond(json_response(call.request, http::status::ok,
                             protocol::encode_message_page(page.room, page.messages, page.last_seq,
                                                           page.truncated, page.trimmed_seq)));
}

// A poll's page; an empty one is the same for every poll of the room at its
// seq, so it comes from `pages`, built once.
void answer_poll(SharedPages& pages, const ApiCall& call, const service::MessagePage& page) {
  if (page.messages.empty() && page.trimmed_seq == 0 && call.can_share_answer()) {
    return call.respond(pages.empty_page(page.room, page.last_seq));
  }
  answer_page(call, page);
}

void list_rooms(ServerContext& context, const ApiCallPtr& call) {
  auto numbers = read_numbers(*call);
  if (!numbers || call->answered_head()) return;
  context.polls.list_rooms(limit_of(*numbers), [call](service::Outcome<
                                                      std::vector<service::RoomSummary>>
                                                          rooms) {
    if (auto* refusal = std::get_if<service::Refusal>(&rooms)) return call->refuse(*refusal);
    json::array list;
    for (const auto& room : std::get<std::vector<service::RoomSummary>>(rooms)) {
      json::object entry{{"name", room.name}, {"last_seq", room.last_seq}, {"online", room.online}};
      // When its last event was stored; absent for a room never written in.
      if (room.last_active_ms > 0) entry["last_active"] = room.last_active_ms;
      list.push_back(std::move(entry));
    }
    call->respond(json_response(call->request, http::status::ok,
                                json::serialize(json::object{{"rooms", std::move(list)}})));
  });
}

// A poll that found nothing waits for the next message, or for `wait` seconds.
void wait_for_message(ServerContext& context, SharedPages& pages, const ApiCallPtr& call,
                      const core::RoomName& room, std::uint64_t after, std::size_t limit,
                      std::chrono::seconds wait, std::uint64_t last_seq) {
  struct Waiting {
    bool answered = false;
    service::PollService::WaitId id = 0;
    boost::asio::steady_timer timer;
    CredentialHolders::Id held = 0;  // under the caller's credential
  };
  auto waiting =
      std::make_shared<Waiting>(Waiting{false, 0, boost::asio::steady_timer(context.executor), 0});
  const std::string credential = call->caller.credential;
  waiting->id = context.polls.wait(
      *call->caller.identity, room, after,
      [&context, &pages, call, room, after, limit, credential,
       waiting](service::PollService::Body body) {
        if (waiting->answered) return;
        waiting->answered = true;
        waiting->timer.cancel();
        context.credential_holders.release(credential, waiting->held);
        if (!body) {
          // Fell behind while waiting, or lost access to the room: an
          // ordinary poll fetches what it missed, or is refused.
          return context.polls.poll(*call->caller.identity, room, after, limit,
                                    [&pages, call](service::Outcome<service::MessagePage> page) {
                                      if (auto* refusal = std::get_if<service::Refusal>(&page))
                                        return call->refuse(*refusal);
                                      answer_poll(pages, *call,
                                                  std::get<service::MessagePage>(page));
                                    });
        }
        if (limit == 0) {
          // Asked for no messages: only the new last seq.
          const core::Room* open = context.chat.hub().find(room);
          return answer_poll(pages, *call,
                             service::MessagePage{open ? open->name().text() : room.text(),
                                                  {},
                                                  open ? open->delivered_seq() : after + 1});
        }
        // The wake-up's one body, and mostly its one answer for every poll.
        if (call->can_share_answer()) return call->respond(pages.woken_page(body));
        call->respond(json_response(call->request, http::status::ok, *body));
      });
  // Ends the wait with the room's page as it stands: nothing after `after`.
  // (Weak: the call holds the handler given to when_abandoned.)
  auto answer_now = [&context, &pages, weak = std::weak_ptr<ApiCall>(call), waiting, room, last_seq,
                     credential] {
    if (waiting->answered) return;
    waiting->answered = true;
    waiting->timer.cancel();
    context.credential_holders.release(credential, waiting->held);
    context.polls.cancel_wait(room, waiting->id);
    const auto call = weak.lock();
    if (!call) return;
    const core::Room* open = context.chat.hub().find(room);
    answer_poll(
        pages, *call,
        service::MessagePage{
            open ? open->name().text() : room.text(), {}, open ? open->delivered_seq() : last_seq});
  };
  // A client that went away frees its place among the waiters now, not at the
  // end of its wait; one that only half-closed still reads this answer.
  call->when_abandoned(answer_now);
  // The session or token it rests on ends (a logout): answered 401 at once.
  // Weak: holding it must not keep an answered poll alive.
  waiting->held = context.credential_holders.hold(
      credential, [&context, weak_call = std::weak_ptr<ApiCall>(call),
                   weak_waiting = std::weak_ptr<Waiting>(waiting), room] {
        auto call = weak_call.lock();
        auto waiting = weak_waiting.lock();
        if (!call || !waiting || waiting->answered) return;
        waiting->answered = true;
        waiting->timer.cancel();
        context.polls.cancel_wait(room, waiting->id);
        call->refuse(ErrorCode::unauthorized, "the session ended");
      });
  waiting->timer.expires_after(wait);
  // (The timer holds the call: its wait keeps the answer's way open.)
  waiting->timer.async_wait([call, answer_now](boost::system::error_code error) {
    if (!error) answer_now();
  });
}

void get_messages(ServerContext& context, SharedPages& pages, const ApiCallPtr& call,
                  const core::RoomName& room) {
  auto numbers = read_numbers(*call);
  if (!numbers) return;
  if (numbers->after && numbers->before) {
    return call->refuse(ErrorCode::bad_request, "give after or before, not both");
  }
  if (answered_room_head(context, call, room)) return;
  const std::size_t limit = limit_of(*numbers);
  if (!numbers->after) {
    // History: the page before a seq, or the latest page.
    context.polls.read_before(*call->caller.identity, room, numbers->before, limit,
                              [call](service::Outcome<service::MessagePage> page) {
                                if (auto* refusal = std::get_if<service::Refusal>(&page))
                                  return call->refuse(*refusal);
                                answer_page(*call, std::get<service::MessagePage>(page));
                              });
    return;
  }
  const std::uint64_t after = *numbers->after;
  const auto wait = std::chrono::seconds(std::min(numbers->wait.value_or(0), kMaxWaitSeconds));
  context.polls.poll(*call->caller.identity, room, after, limit,
                     [&context, &pages, call, room, after, limit,
                      wait](service::Outcome<service::MessagePage> outcome) {
                       if (auto* refusal = std::get_if<service::Refusal>(&outcome))
                         return call->refuse(*refusal);
                       auto& page = std::get<service::MessagePage>(outcome);
                       // Waits only when nothing is after `after` (a page may be empty
                       // because `limit` is 0).
                       if (page.last_seq > after || wait.count() == 0)
                         return answer_poll(pages, *call, page);
                       wait_for_message(context, pages, call, room, after, limit, wait,
                                        page.last_seq);
                     });
}

void store_event(ServerContext& context, const ApiCallPtr& call, store::AppendRequest request);

void post_message(ServerContext& context, const ApiCallPtr& call, const core::RoomName& room) {
  auto body = json_body_of(call->request);
  if (auto* refused = std::get_if<Response>(&body)) return call->respond(std::move(*refused));
  const auto& object = std::get<json::object>(body);
  auto text = string_field(object, "text");
  auto id = string_field(object, "id");
  if (!text) return call->refuse(ErrorCode::bad_request, "text must be a string");
  if (!id || !core::is_valid_client_message_id(*id)) {
    return call->refuse(ErrorCode::bad_request, "id must be 1-64 printable ASCII characters");
  }
  if (auto refused = core::check_message_text(*text)) {
    return call->refuse(refused->code, refused->message);
  }
  auto reply_to = protocol::parse_reply_to(object);
  if (auto* refused = std::get_if<protocol::FrameError>(&reply_to)) {
    return call->refuse(refused->code, refused->message);
  }
  // The author is who authenticated, whatever the body says.
  store::AppendRequest request{room, *call->caller.identity, std::move(*text), *id};
  request.reply_to = std::get<std::uint64_t>(reply_to);
  store_event(context, call, std::move(request));
}

// Stores a message or event and answers 201 with its seq (200 when it was
// stored before, or a reaction already was as asked).
void store_event(ServerContext& context, const ApiCallPtr& call, store::AppendRequest request) {
  std::string id = request.client_id;
  context.chat.post(
      std::move(request), [call, id = std::move(id)](store::Result<store::Appended> appended) {
        if (!appended) return call->refuse(ErrorCode::internal, "the message was not stored");
        if (appended->refused)
          return call->refuse(appended->refused->code, appended->refused->message);
        const auto status = appended->duplicate ? http::status::ok : http::status::created;
        call->respond(
            json_response(call->request, status,
                          json::serialize(json::object{
                              {"room", appended->room_name}, {"seq", appended->seq}, {"id", id}})));
        obs::count(obs::counters().messages_received, obs::Transport::http);
        obs::ack_latency(obs::Transport::http).observe_since(call->received);
      });
}

void post_event(ServerContext& context, const ApiCallPtr& call, const core::RoomName& room) {
  auto body = json_body_of(call->request);
  if (auto* refused = std::get_if<Response>(&body)) return call->respond(std::move(*refused));
  auto command = protocol::parse_event_body(std::get<json::object>(body), room);
  if (auto* refused = std::get_if<protocol::FrameError>(&command)) {
    return call->refuse(refused->code, refused->message);
  }
  // The author is who authenticated, whatever the body says.
  store_event(context, call,
              service::ChatService::request_of(std::move(std::get<protocol::EventCommand>(command)),
                                               *call->caller.identity));
}

// GET /api/rooms/R/messages/S: one message in its final state.
void get_message(ServerContext& context, const ApiCallPtr& call, const core::RoomName& room,
                 std::string_view seq_text) {
  std::uint64_t seq = 0;
  const auto [end, error] =
      std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), seq);
  if (seq_text.empty() || error != std::errc() || end != seq_text.data() + seq_text.size()) {
    return call->refuse(ErrorCode::bad_request, "the seq must be a non-negative integer");
  }
  if (seq == 0) return call->refuse(ErrorCode::not_found, "no such message");
  if (answered_room_head(context, call, room)) return;
  context.polls.read_message(
      *call->caller.identity, room, seq, [call](service::Outcome<core::Frame> message) {
        if (auto* refusal = std::get_if<service::Refusal>(&message)) return call->refuse(*refusal);
        call->respond(
            json_response(call->request, http::status::ok, *std::get<core::Frame>(message)));
      });
}

// POST /api/rooms/R/read {"seq":N}: the caller's read marker moves forward.
void post_read(ServerContext& context, const ApiCallPtr& call, const core::RoomName& room) {
  if (!service::ChatService::has_read_markers(*call->caller.identity)) {
    return call->refuse(ErrorCode::unauthorized, "read markers need an account or a guest session");
  }
  auto body = json_body_of(call->request);
  if (auto* refused = std::get_if<Response>(&body)) return call->respond(std::move(*refused));
  auto seq = protocol::parse_read_body(std::get<json::object>(body));
  if (auto* refused = std::get_if<protocol::FrameError>(&seq)) {
    return call->refuse(refused->code, refused->message);
  }
  context.chat.mark_read(*call->caller.identity, room, std::get<std::uint64_t>(seq), {},
                         [call](store::Result<std::optional<store::ReadMarker>> stored) {
                           if (!stored)
                             return call->refuse(ErrorCode::internal, "the marker was not stored");
                           if (!*stored) return call->refuse(ErrorCode::not_found, "no such room");
                           call->respond(no_content_response(call->request));
                         });
}

// GET /api/me/rooms: the caller's rooms with unread and mention counts.
void list_my_rooms(ServerContext& context, const ApiCallPtr& call) {
  if (!service::ChatService::has_read_markers(*call->caller.identity)) {
    return call->refuse(ErrorCode::unauthorized, "read markers need an account or a guest session");
  }
  if (call->answered_head()) return;
  context.chat.list_reading(
      *call->caller.identity, [call](store::Result<std::vector<store::RoomReading>> readings) {
        if (!readings) return call->refuse(ErrorCode::internal, "the store cannot answer now");
        json::array rooms;
        for (const store::RoomReading& reading : *readings) {
          json::object room{{"room", reading.name},
                            {"private", core::is_restricted(reading.kind)},
                            {"direct", reading.kind == core::RoomKind::direct}};
          if (reading.kind == core::RoomKind::direct) room["with"] = reading.with;
          room["last_seq"] = reading.last_seq;
          room["read_seq"] = reading.read_seq;
          room["unread"] = reading.unread;
          room["mentions"] = reading.mentions;
          rooms.push_back(std::move(room));
        }
        call->respond(json_response(call->request, http::status::ok,
                                    json::serialize(json::object{{"rooms", std::move(rooms)}})));
      });
}

json::object room_info_json(const service::RoomInfo& info) {
  json::array members;
  for (const std::string& member : info.members) members.emplace_back(member);
  json::value owner = nullptr;
  if (info.owner) owner = *info.owner;
  return json::object{{"room", info.name},
                      {"private", info.is_private},
                      {"owner", std::move(owner)},
                      {"last_seq", info.last_seq},
                      {"members", std::move(members)}};
}

// POST /api/rooms {"name":R,"private":bool}: a new room, public or private.
void create_room(ServerContext& context, const ApiCallPtr& call) {
  auto body = json_body_of(call->request);
  if (auto* refused = std::get_if<Response>(&body)) return call->respond(std::move(*refused));
  const auto& object = std::get<json::object>(body);
  auto name = string_field(object, "name");
  if (!name) return call->refuse(ErrorCode::bad_request, "name must be a string");
  auto room = core::RoomName::parse(*name);
  if (!room) return call->refuse(ErrorCode::bad_request, "invalid room name");
  bool is_private = false;
  if (const json::value* given = object.if_contains("private")) {
    if (!given->is_bool()) return call->refuse(ErrorCode::bad_request, "private must be a boolean");
    is_private = given->get_bool();
  }
  context.rooms.create(
      *call->caller.identity, *room, is_private,
      [call](service::Outcome<service::RoomInfo> created) {
        if (auto* refusal = std::get_if<service::Refusal>(&created)) return call->refuse(*refusal);
        call->respond(
            json_response(call->request, http::status::created,
                          json::serialize(room_info_json(std::get<service::RoomInfo>(created)))));
      });
}

// The account a body's "user" names; answered 400 when there is none.
std::optional<core::UserName> user_of_body(const ApiCall& call, const json::object& object) {
  auto text = string_field(object, "user");
  auto user = text ? core::UserName::parse(*text) : std::nullopt;
  if (!user) call.refuse(ErrorCode::bad_request, "user must be a valid user name");
  return user;
}

// POST /api/rooms/R/invite and /remove {"user":U}: 204 once done.
void change_access(ServerContext& context, const ApiCallPtr& call, const core::RoomName& room,
                   bool grant) {
  auto body = json_body_of(call->request);
  if (auto* refused = std::get_if<Response>(&body)) return call->respond(std::move(*refused));
  auto user = user_of_body(*call, std::get<json::object>(body));
  if (!user) return;
  auto answer = [call](service::Outcome<std::monostate> done) {
    if (auto* refusal = std::get_if<service::Refusal>(&done)) return call->refuse(*refusal);
    call->respond(no_content_response(call->request));
  };
  if (grant) {
    context.rooms.invite(*call->caller.identity, room, *user, std::move(answer));
  } else {
    context.rooms.remove(*call->caller.identity, room, *user, std::move(answer));
  }
}

// POST /api/dm {"user":U}: the caller's direct conversation with U.
void open_direct(ServerContext& context, const ApiCallPtr& call) {
  auto body = json_body_of(call->request);
  if (auto* refused = std::get_if<Response>(&body)) return call->respond(std::move(*refused));
  auto user = user_of_body(*call, std::get<json::object>(body));
  if (!user) return;
  context.rooms.open_direct(
      *call->caller.identity, *user, [call](service::Outcome<service::DirectConversation> opened) {
        if (auto* refusal = std::get_if<service::Refusal>(&opened)) return call->refuse(*refusal);
        const auto& direct = std::get<service::DirectConversation>(opened);
        call->respond(json_response(
            call->request, http::status::ok,
            json::serialize(json::object{{"room", direct.room}, {"with", direct.with}})));
      });
}

}  // namespace

bool handle_chat_api(ServerContext& context, SharedPages& pages, const ApiCallPtr& call) {
  const std::string& path = call->path;
  const auto method = call->request.method();
  const bool is_read = method == http::verb::get || method == http::verb::head;
  if (path == "/api/rooms") {
    if (method == http::verb::post) {
      if (call->require_identity()) create_room(context, call);
    } else if (!is_read) {
      call->respond(method_not_allowed(call->request, "GET, HEAD, POST"));
    } else if (call->require_identity()) {
      list_rooms(context, call);
    }
    return true;
  }
  if (path == "/api/dm") {
    if (method != http::verb::post) {
      call->respond(method_not_allowed(call->request, "POST"));
    } else if (call->require_identity()) {
      open_direct(context, call);
    }
    return true;
  }
  if (path == "/api/me/rooms") {
    if (!is_read) {
      call->respond(method_not_allowed(call->request, "GET, HEAD"));
    } else if (call->require_identity()) {
      list_my_rooms(context, call);
    }
    return true;
  }
  constexpr std::string_view prefix = "/api/rooms/";
  if (!path.starts_with(prefix)) return false;
  const std::string_view rest = std::string_view(path).substr(prefix.size());
  const std::size_t slash = std::min(rest.find('/'), rest.size());
  const std::string_view what = rest.substr(std::min(slash + 1, rest.size()));
  constexpr std::string_view one_message = "messages/";
  const bool about_the_room = slash == rest.size();
  if (!about_the_room && what != "messages" && what != "members" && what != "events" &&
      what != "read" && what != "invite" && what != "remove" && !what.starts_with(one_message)) {
    return false;
  }
  if (!call->require_identity()) return true;
  auto room = core::RoomName::parse(rest.substr(0, slash));
  if (!room) {
    call->refuse(ErrorCode::bad_request, "invalid room name");
    return true;
  }
  if (about_the_room) {
    if (!is_read) {
      call->respond(method_not_allowed(call->request, "GET, HEAD"));
    } else if (!answered_room_head(context, call, *room)) {
      context.rooms.describe(
          *call->caller.identity, *room, [call](service::Outcome<service::RoomInfo> described) {
            if (auto* refusal = std::get_if<service::Refusal>(&described))
              return call->refuse(*refusal);
            call->respond(json_response(
                call->request, http::status::ok,
                json::serialize(room_info_json(std::get<service::RoomInfo>(described)))));
          });
    }
    return true;
  }
  if (what == "invite" || what == "remove") {
    if (method != http::verb::post) {
      call->respond(method_not_allowed(call->request, "POST"));
    } else {
      change_access(context, call, *room, what == "invite");
    }
    return true;
  }
  if (what == "members") {
    if (!is_read) {
      call->respond(method_not_allowed(call->request, "GET, HEAD"));
      return true;
    }
    if (answered_room_head(context, call, *room)) return true;
    // Through the store when the room is not in memory: its name is shown as
    // first written, whatever the URL's spelling.
    // (open_room closes a room it opened for this if nobody is in it.)
    context.chat.admit(*call->caller.identity, *room, true,
                       [call, &chat = context.chat](service::Outcome<core::Room*> admitted) {
                         if (auto* refusal = std::get_if<service::Refusal>(&admitted))
                           return call->refuse(*refusal);
                         core::Room* open = std::get<core::Room*>(admitted);
                         json::array members;
                         for (const auto& name : chat.user_names(*open)) members.emplace_back(name);
                         call->respond(json_response(
                             call->request, http::status::ok,
                             json::serialize(json::object{{"room", open->name().text()},
                                                          {"members", std::move(members)}})));
                       });
    return true;
  }
  if (what == "read") {
    if (method != http::verb::post) {
      call->respond(method_not_allowed(call->request, "POST"));
    } else {
      post_read(context, call, *room);
    }
    return true;
  }
  if (what == "events") {
    if (method != http::verb::post) {
      call->respond(method_not_allowed(call->request, "POST"));
    } else {
      post_event(context, call, *room);
    }
    return true;
  }
  if (what.starts_with(one_message)) {
    if (!is_read) {
      call->respond(method_not_allowed(call->request, "GET, HEAD"));
    } else {
      get_message(context, call, *room, what.substr(one_message.size()));
    }
    return true;
  }
  if (is_read) {
    get_messages(context, pages, call, *room);
  } else if (method == http::verb::post) {
    post_message(context, call, *room);
  } else {
    call->respond(method_not_allowed(call->request, "GET, HEAD, POST"));
  }
  return true;
}

}  // namespace parley::transport
