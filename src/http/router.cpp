#include "http/router.hpp"

#include <boost/url/parse.hpp>
#include <cassert>

#include "auth/secrets.hpp"
#include "http/chat_api.hpp"
#include "http/forms.hpp"
#include "http/http_request.hpp"
#include "http/identity_api.hpp"
#include "obs/metrics.hpp"

namespace parley::transport {

namespace http = boost::beast::http;
using core::ErrorCode;

namespace {

// The page people get for an address that names nothing (web/not-found.html).
constexpr std::string_view kNotFoundPage = "not-found.html";

bool is_read(const Request& request) {
  return request.method() == http::verb::get || request.method() == http::verb::head;
}

// Answers through `respond`; true, for a caller that reports having answered.
bool answered(Respond& respond, Answer answer) {
  respond(std::move(answer));
  return true;
}

}  // namespace

std::weak_ptr<ApiCall> Router::route(Request request, std::string address,
                                     auth::Transport transport, Respond respond,
                                     std::function<void()> watch_client) {
  obs::count(obs::counters().http_requests);
  auto url = boost::urls::parse_origin_form(request.target());
  if (!url) {
    respond(error_response(request, ErrorCode::bad_request, "malformed request target"));
    return {};
  }
  std::string path = url->path();
  if (answer_public(request, path, respond)) return {};

  // Moving the request keeps its target where it is, so `url` still views it.
  auto call = std::make_shared<ApiCall>(ApiCall{std::move(request),
                                                std::move(path),
                                                *url,
                                                std::move(address),
                                                transport,
                                                {},
                                                std::move(respond),
                                                {},
                                                std::move(watch_client)});
  assert(call->target.buffer().data() == call->request.target().data());
  context_.authenticator.authenticate(
      credentials_of(call->request, nullptr),
      [this, call](std::variant<auth::Caller, core::Error> resolved) {
        if (auto* refused = std::get_if<core::Error>(&resolved)) {
          return call->refuse(refused->code, refused->message);
        }
        call->caller = std::move(std::get<auth::Caller>(resolved));
        // With a cookie, a change needs the session's CSRF token.
        if (call->caller.via == auth::Via::session && is_state_changing(call->request)) {
          auto token = csrf_token_of(call->request);
          if (!token || !auth::equals_in_constant_time(*token, call->caller.session->csrf_token)) {
            return call->refuse(ErrorCode::forbidden, "missing or wrong CSRF token");
          }
        }
        if (call->caller.session_extended) renew_session_cookie(*call);
        route_authenticated(call);
      });
  return call;
}

// Pages and files that are the same for everyone need no identity. True when
// `request` was one of them (answered, or to be answered, through `respond`).
bool Router::answer_public(Request& request, const std::string& path, Respond& respond) {
  if (path == "/healthz") {
    if (!is_read(request)) return answered(respond, method_not_allowed(request, "GET, HEAD"));
    // A round trip through the store worker: a stuck or failed store shows.
    auto pending = std::make_shared<Request>(std::move(request));
    context_.store.run<bool>(
        [](store::Store& store) {
          auto checked = store.check();
          if (!checked) return store::Result<bool>(boost::system::in_place_error, checked.error());
          return store::Result<bool>(true);
        },
        [this, pending, respond = std::move(respond)](store::Result<bool> checked) {
          if (!checked || !context_.store.is_healthy()) {
            return respond(json_response(*pending, http::status::service_unavailable,
                                         R"({"status":"failing","store":"failed"})"));
          }
          // Cut off from the other nodes: this one serves its own clients,
          // but the balancer should prefer the others.
          if (!context_.bus.is_healthy()) {
            return respond(json_response(*pending, http::status::service_unavailable,
                                         R"({"status":"failing","bus":"disconnected"})"));
          }
          respond(json_response(*pending, http::status::ok, R"({"status":"ok"})"));
        });
    return true;
  }
  if (path == "/metrics") {
    if (!is_read(request)) return answered(respond, method_not_allowed(request, "GET, HEAD"));
    const auto queued = context_.ws_sessions.queued();
    const obs::Gauge gauges[] = {
        {"parley_connections_open", "Client connections open (HTTP and WebSocket).",
         static_cast<double>(context_.connections.open())},
        {"parley_ws_sessions", "WebSocket sessions open.",
         static_cast<double>(context_.ws_sessions.size())},
        {"parley_ws_queued_bytes", "Bytes queued for all WebSocket clients now.",
         static_cast<double>(queued.total_bytes)},
        {"parley_ws_queued_bytes_max", "Bytes queued for the most behind WebSocket client.",
         static_cast<double>(queued.largest_bytes)},
        {"parley_rooms_open", "Rooms open in memory.",
         static_cast<double>(context_.chat.hub().room_count())},
        {"parley_long_polls_waiting", "Long polls waiting for a message.",
         static_cast<double>(context_.polls.waiting_count())},
        {"parley_buffered_bytes", "Replays and large answers held for clients.",
         static_cast<double>(context_.memory.used())},
        {"parley_replays_waiting_for_memory", "Replay pieces waiting for room in the budget.",
         static_cast<double>(context_.memory.waiting())},
        {"parley_store_healthy", "1 while store commits succeed.",
         context_.store.is_healthy() ? 1.0 : 0.0},
        {"parley_bus_healthy", "1 while the bus reaches the other nodes.",
         context_.bus.is_healthy() ? 1.0 : 0.0},
        {"parley_password_jobs", "Password hashes queued and running.",
         static_cast<double>(context_.accounts.password_jobs())},
    };
    Response response = json_response(request, http::status::ok, obs::render_metrics(gauges));
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    return answered(respond, std::move(response));
  }
  if (path == "/" || path == "/index.html") {
    if (!is_read(request)) return answered(respond, method_not_allowed(request, "GET, HEAD"));
    return answered(respond, files_.serve(request, "index.html"));
  }
  if (path.starts_with("/r/")) {
    if (!is_read(request)) return answered(respond, method_not_allowed(request, "GET, HEAD"));
    // The name is checked, and never written into the page.
    if (!core::RoomName::parse(std::string_view(path).substr(3))) {
      return answered(respond, files_.serve_error_page(request, kNotFoundPage, ErrorCode::not_found,
                                                       "no such room"));
    }
    return false;  // whether the room is closed to the caller depends on who asks
  }
  if (path.starts_with("/static/")) {
    if (!is_read(request)) return answered(respond, method_not_allowed(request, "GET, HEAD"));
    return answered(respond, files_.serve(request, std::string_view(path).substr(8)));
  }
  if (path == "/ws") {
    return answered(
        respond, error_response(request, ErrorCode::bad_request, "expected a WebSocket upgrade"));
  }
  return false;
}

void Router::renew_session_cookie(ApiCall& call) {
  auto secret = credentials_of(call.request, nullptr).session_cookie;
  if (!secret) return;
  // (No `call` in here: it would own itself.)
  call.respond = [secret = std::move(*secret), lifetime = call.caller.session_lifetime,
                  transport = call.transport, respond = std::move(call.respond)](Answer answer) {
    // (Shared answers are not given to such calls: see can_share_answer.)
    auto* response = std::get_if<Response>(&answer);
    if (response != nullptr && response->find(http::field::set_cookie) == response->end()) {
      response->set(http::field::set_cookie, session_cookie_for(transport, secret, lifetime));
    }
    respond(std::move(answer));
  };
}

void Router::serve_room_page(const ApiCallPtr& call) {
  const auto room = core::RoomName::parse(std::string_view(call->path).substr(3));
  if (!room) return;  // answered by answer_public
  // A private room closed to the caller (or a direct conversation of
  // others) looks exactly like an address that names nothing.
  const core::Identity* viewer = call->caller.identity ? &*call->caller.identity : nullptr;
  context_.chat.may_see(viewer, *room, [this, call](bool seen) {
    call->respond(seen ? files_.serve(call->request, "index.html")
                       : files_.serve_error_page(call->request, kNotFoundPage, ErrorCode::not_found,
                                                 "no such room"));
  });
}

void Router::route_authenticated(const ApiCallPtr& call) {
  if (call->path.starts_with("/api/")) {
    if (handle_identity_api(context_, call)) return;
    if (handle_chat_api(context_, pages_, call)) return;
    return call->refuse(ErrorCode::not_found, "no such endpoint");
  }
  if (call->path.starts_with("/r/") && is_read(call->request)) return serve_room_page(call);
  if (handle_form_page(context_, call)) return;
  // A person's browser asked for a page that is not there: a page answers.
  if (is_read(call->request)) {
    return call->respond(
        files_.serve_error_page(call->request, kNotFoundPage, ErrorCode::not_found, "not found"));
  }
  call->refuse(ErrorCode::not_found, "not found");
}

}  // namespace parley::transport
