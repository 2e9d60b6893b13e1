// The JSON endpoints of chat: rooms, messages (polling, long polling,
// history, posting) and members. I/O thread only.
#pragma once

#include "http/api_call.hpp"
#include "http/shared_pages.hpp"
#include "net/server_context.hpp"

namespace parley::transport {

// Answers `call` if its path is a chat endpoint; false otherwise. Polls that
// get the same answer as others get it from `pages`.
bool handle_chat_api(ServerContext& context, SharedPages& pages, const ApiCallPtr& call);

}  // namespace parley::transport
