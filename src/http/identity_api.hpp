// The JSON endpoints of identity: /api/guest, /api/register, /api/login,
// /api/logout, /api/me and /api/tokens. I/O thread only.
#pragma once

#include "http/api_call.hpp"
#include "net/server_context.hpp"

namespace parley::transport {

// Answers `call` if its path is an identity endpoint; false otherwise.
bool handle_identity_api(ServerContext& context, const ApiCallPtr& call);

// A flag set when `call`'s client goes away, so that password work queued for
// it is skipped. The one place that hooks a call's abandonment for it.
auth::ClientGone flag_when_abandoned(ApiCall& call);

// Logs out the caller's session (JSON endpoint and HTML form alike): its
// sockets and long polls end (Authenticator::on_ended), and a guest
// session's polls stop counting as present at once, since that identity can
// never come back.
void log_out(ServerContext& context, const auth::Caller& caller,
             service::AccountService::Done<bool> done);

// The Set-Cookie value for a new session (Secure when `transport` is TLS).
std::string session_cookie_for(auth::Transport transport, const std::string& secret,
                               std::chrono::seconds lifetime);

}  // namespace parley::transport
