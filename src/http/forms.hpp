// The HTML form pages of identity: GET and POST /login and /register, POST
// /logout. Rendered from web/templates with escaping; posted with a CSRF
// token (the session's, or before there is one, a form cookie's). I/O thread.
#pragma once

#include "http/api_call.hpp"
#include "net/server_context.hpp"

namespace parley::transport {

// Answers `call` if its path is a form page; false otherwise.
bool handle_form_page(ServerContext& context, const ApiCallPtr& call);

}  // namespace parley::transport
