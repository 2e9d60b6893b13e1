// Answers of the messages endpoint that many polls get alike, built once as
// the bytes that go on the wire: a room's empty page at its last seq (a plain
// poll with nothing new) and the page one wake-up sends to every long poll
// that was up to date. I/O thread only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "http/http_response.hpp"
#include "service/poll_service.hpp"

namespace parley::transport {

class SharedPages {
 public:
  // {"room":R,"messages":[],"last_seq":S}, as a 200.
  SharedAnswer empty_page(const std::string& room, std::uint64_t last_seq);
  // A wake-up's page, as a 200: the same bytes for every poll it answers.
  SharedAnswer woken_page(const service::PollService::Body& body);

 private:
  struct EmptyPage {
    std::uint64_t last_seq = 0;
    SharedAnswer answer;
  };
  // By room name as shown; only each room's latest seq is kept.
  std::unordered_map<std::string, EmptyPage> empty_pages_;
  service::PollService::Body woken_body_;  // the last wake-up's, held so its address stays its own
  SharedAnswer woken_answer_;
};

}  // namespace parley::transport
