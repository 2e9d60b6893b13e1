// Sends each HTTP request to what answers it: pages, static files, the JSON
// API, /healthz. Identity is resolved once here, and the CSRF rule applied
// once, before any handler runs. I/O thread only.
#pragma once

#include "http/api_call.hpp"
#include "http/shared_pages.hpp"
#include "http/static_files.hpp"
#include "net/server_context.hpp"

namespace parley::transport {

class Router {
 public:
  explicit Router(ServerContext& context) : context_(context), files_(context.web_dir) {}

  // Answers `request` through `respond`, now or later, exactly once (unless
  // the client goes away first). Returns the call while it awaits an answer
  // from an API handler, so that its session can tell it the client left;
  // `watch_client` becomes the call's (see ApiCall::when_abandoned).
  // `address` and `transport`: the client's, as the session resolved them
  // (through a trusted proxy's X-Forwarded-For and X-Forwarded-Proto).
  std::weak_ptr<ApiCall> route(Request request, std::string address, auth::Transport transport,
                               Respond respond, std::function<void()> watch_client);

 private:
  bool answer_public(Request& request, const std::string& path, Respond& respond);
  void route_authenticated(const ApiCallPtr& call);
  // GET /r/R: the room's page, or the 404 page when the room is closed to the caller.
  void serve_room_page(const ApiCallPtr& call);
  // A slid session renews its cookie with the answer.
  void renew_session_cookie(ApiCall& call);

  ServerContext& context_;
  StaticFiles files_;
  SharedPages pages_;
};

}  // namespace parley::transport
