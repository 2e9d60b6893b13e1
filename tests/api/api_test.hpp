// The fixture of the HTTP API and identity tests: each test starts its own
// parley process (memory store unless it says otherwise) and speaks HTTP to
// it as a browser, a bot or an attacker would. Helpers that set the scene
// (register, log in, post) throw with the server's answer when it is not
// the one the contract promises; GoogleTest reports that as a failure.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/frames.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"
#include "support/ws_client.hpp"

namespace parley::test {

inline constexpr std::string_view kSessionCookie = "parley_session";
inline constexpr std::string_view kFormCookie = "parley_form";
inline constexpr std::string_view kPassword = "correct horse battery";

// Who a client is to the server after register, login or guest.
struct Session {
  std::string user;  // as the server answered it
  bool guest = false;
  std::string cookie;  // the session cookie's value
  std::string csrf_token;
};

// Header fields that present a session: the cookie alone (as a forged
// cross-site request would), or with its CSRF token (as our own pages do).
HttpHeaders cookie_of(const Session& session);
HttpHeaders cookie_and_csrf(const Session& session);
HttpHeaders bearer(std::string_view token);
// `a` followed by `b`.
HttpHeaders operator+(HttpHeaders a, const HttpHeaders& b);

// {"text":..,"id":..} as JSON text.
std::string message_body(std::string_view text, std::string_view id);
// A JSON object's field, or a thrown error naming the object.
const boost::json::value& field(const boost::json::value& object, std::string_view key);
std::string text_field(const boost::json::value& object, std::string_view key);
std::uint64_t number_field(const boost::json::value& object, std::string_view key);
// The "error"."code" of an error body, or "" when there is none.
std::string error_code_of(const HttpResponse& response);

// The csrf_token field's value in a form page (from its <input> tag,
// whatever the order of the tag's attributes), or "" when there is none.
std::string form_token_of(const std::string& page);
// `fields` as application/x-www-form-urlencoded text.
std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields);
// A browser's visit to a form page: its form cookie and embedded token.
struct FormVisit {
  std::string cookie;
  std::string token;
};
// GETs the form page at `path`; throws unless 200 with a form cookie.
FormVisit visit_form(HttpClient& http, std::string_view path);
// POSTs `fields` as a form to `path`, with `cookie` ("name=value") as the
// Cookie field unless it is empty.
HttpResponse post_form(HttpClient& http, std::string_view path, const std::string& cookie,
                       const std::vector<std::pair<std::string, std::string>>& fields);
// A login through the HTML form, as a browser posts it (after its visit).
HttpResponse form_login(HttpClient& http, std::string_view name, std::string_view password);

// Joins `room` and returns the joined frame; throws when it does not come.
Frame join_room(WsClient& client, std::string_view room);

class ApiTest : public ::testing::Test {
 protected:
  void TearDown() override;

  // Starts parley with --store memory and `flags`.
  ServerProcess& start_server(std::vector<std::string> flags = {});
  ServerProcess& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }
  // "http://127.0.0.1:PORT": the server's own origin.
  std::string own_origin() const;
  // A keep-alive client shared by the test's helpers.
  HttpClient& http();
  std::unique_ptr<HttpClient> new_client();

  // Each throws unless the server answers with the contract's success.
  Session register_account(std::string_view name, std::string_view password = kPassword);
  Session log_in(std::string_view name, std::string_view password = kPassword);
  Session start_guest(std::string_view name);
  // A new bearer token of `session`'s account: {token, id}.
  std::pair<std::string, std::string> create_token(const Session& session);

  HttpResponse post_credentials(std::string_view path, std::string_view name,
                                std::optional<std::string_view> password);
  HttpResponse post_message(std::string_view room, std::string_view text, std::string_view id,
                            const HttpHeaders& identity);
  // Posts and returns the seq; throws unless 201.
  std::uint64_t post_new_message(std::string_view room, std::string_view text, std::string_view id,
                                 const HttpHeaders& identity);
  // GET /api/rooms/R/messages?QUERY; throws unless 200.
  boost::json::value read_messages(std::string_view room, std::string_view query,
                                   const HttpHeaders& identity);
  std::vector<std::string> members_of(std::string_view room, const HttpHeaders& identity);

  // A WebSocket upgrade presenting `headers`; 101 or the refusal's status.
  int upgrade_status(std::string_view target, const HttpHeaders& headers = {});
  // An open WebSocket as `session` (cookie and our own Origin), past its
  // hello frame; throws unless the upgrade succeeds.
  std::unique_ptr<WsClient> connect_ws(const Session& session);
  // An open WebSocket for `target` (e.g. "/ws?name=bob"), past its hello.
  std::unique_ptr<WsClient> connect_ws(std::string_view target, const HttpHeaders& headers = {});

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> http_;
};

// Milliseconds since `start`.
inline long long elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace parley::test
