// One HTTP request on its way through the router: what it asked, who asked,
// and how to answer (exactly once). I/O thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/url/url.hpp>

#include "auth/authenticator.hpp"
#include "service/refusal.hpp"
#include "transport/http_response.hpp"

namespace parley::transport {

using Respond = std::function<void(Response)>;

struct ApiCall {
  Request request;
  std::string path;         // decoded path of the target
  boost::urls::url target;  // the request target, parsed
  std::string address;      // the client's IP address
  auth::Caller caller;
  Respond respond;

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
  // True when the caller has an identity; otherwise answers 401.
  bool require_identity() const {
    if (caller.identity) return true;
    refuse(core::ErrorCode::unauthorized, "log in, or pass a bearer token");
    return false;
  }
};

using ApiCallPtr = std::shared_ptr<ApiCall>;

}  // namespace parley::transport
