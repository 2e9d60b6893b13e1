// One HTTP request on its way through the router: what it asked, who asked,
// and how to answer (exactly once). I/O thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/url/url.hpp>

#include "auth/authenticator.hpp"
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
};

using ApiCallPtr = std::shared_ptr<ApiCall>;

}  // namespace parley::transport
