#include "http/shared_pages.hpp"

#include "protocol/server_frame.hpp"

namespace parley::transport {

namespace {

constexpr std::size_t kMaxEmptyPages = 10000;  // rooms; past it the cache starts again

// A 200 with `body`, as json_response answers a GET over HTTP/1.1 kept alive.
SharedAnswer page_answer(std::string body) {
  Request request;
  request.version(11);
  request.keep_alive(true);
  return share_answer(json_response(request, boost::beast::http::status::ok, std::move(body)));
}

}  // namespace

SharedAnswer SharedPages::empty_page(const std::string& room, std::uint64_t last_seq) {
  if (auto found = empty_pages_.find(room); found != empty_pages_.end()) {
    if (found->second.last_seq == last_seq) return found->second.answer;
  } else if (empty_pages_.size() >= kMaxEmptyPages) {
    empty_pages_.clear();
  }
  EmptyPage& page = empty_pages_[room];
  page.last_seq = last_seq;
  page.answer = page_answer(protocol::encode_message_page(room, {}, last_seq));
  return page.answer;
}

SharedAnswer SharedPages::woken_page(const service::PollService::Body& body) {
  if (body != woken_body_) {
    woken_body_ = body;
    woken_answer_ = page_answer(*body);
  }
  return woken_answer_;
}

}  // namespace parley::transport
