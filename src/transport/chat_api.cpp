#include "transport/chat_api.hpp"

namespace parley::transport {

bool handle_chat_api(ServerContext&, const ApiCallPtr&) { return false; }

}  // namespace parley::transport
