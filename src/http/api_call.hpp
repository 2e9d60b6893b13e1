// One HTTP request on its way through the router: what it asked, who asked,
// and how to answer (exactly once). I/O thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/url/url_view.hpp>

#include "auth/authenticator.hpp"
#include "auth/cookies.hpp"
#include "http/http_response.hpp"
#include "service/refusal.hpp"

namespace parley::transport {

using Respond = std::function<void(Answer)>;

struct ApiCall {
  Request request;
  std::string path;              // decoded path of the target
  boost::urls::url_view target;  // the request target, parsed; views request.target()
  std::string address;           // the client's IP address (see TrustedProxies)
  // How the client reached us: TLS (--behind-tls, or a trusted proxy's
  // X-Forwarded-Proto: https) makes cookies Secure.
  auth::Transport transport = auth::Transport::plain;
  auth::Caller caller;
  Respond respond;
  // Run when the client goes away while this call awaits its answer (see
  // when_abandoned). Cleared when it runs.
  std::function<void()> on_abandoned;
  // Installed by the session: watches the client's socket from now on.
  std::function<void()> watch_client;
  // When the router took the request up (for the ack latency of posts).
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();

  // For a handler whose answer may take long (a long poll, queued work):
  // `handler` runs if the client closes or half-closes its connection before
  // the answer, which the session notices at once (it watches the socket
  // from now on). The handler drops the work held for the client; it may
  // answer at once, and a half-closed client then gets that answer before
  // the connection closes; if it does not answer, the connection closes now.
  // Bytes of a pipelined next request are no hang-up. The handler must not
  // own this call (it would own itself): capture a weak_ptr.
  void when_abandoned(std::function<void()> handler) {
    on_abandoned = std::move(handler);
    if (watch_client) watch_client();
  }

  // Answers with the contract's error shape.
  void refuse(core::ErrorCode code, std::string_view message) const {
    respond(error_response(request, code, message));
  }
  // Answers a use case's refusal, with Retry-After when it has one.
  void refuse(const service::Refusal& refusal) const {
    Response response = error_response(request, refusal.code, refusal.message);
    if (refusal.retry_after_s > 0) {
      response.set(boost::beast::http::field::retry_after, std::to_string(refusal.retry_after_s));
    }
    respond(std::move(response));
  }
  // True when shared bytes may answer: a GET over HTTP/1.1 kept alive, with
  // no cookie to renew (shared bytes carry neither Connection nor Set-Cookie).
  bool can_share_answer() const {
    return request.method() == boost::beast::http::verb::get && request.version() == 11 &&
           request.keep_alive() && !caller.session_extended;
  }
  // HEAD asks for a GET's status and headers. Called once the request has
  // passed the GET's checks: these are known then, and the page is neither
  // read nor built (RFC 9110 9.3.2 and 8.6 let the answer omit a
  // Content-Length that only the content would tell). True when it answered.
  bool answered_head() const {
    if (request.method() != boost::beast::http::verb::head) return false;
    Response response = json_response(request, boost::beast::http::status::ok, {});
    response.erase(boost::beast::http::field::content_length);
    respond(std::move(response));
    return true;
  }
  // True when the caller has an identity; otherwise answers 401.
  bool require_identity() const {
    if (caller.identity) return true;
    refuse(core::ErrorCode::unauthorized, "log in, or pass a bearer token");
    return false;
  }
};

using ApiCallPtr = std::shared_ptr<ApiCall>;

}  // namespace parley::transport
