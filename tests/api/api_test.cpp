#include "api/api_test.hpp"

#include <stdexcept>

namespace parley::test {

namespace json = boost::json;

HttpHeaders cookie_of(const Session& session) {
  return {{"Cookie", std::string(kSessionCookie) + "=" + session.cookie}};
}

HttpHeaders cookie_and_csrf(const Session& session) {
  return {{"Cookie", std::string(kSessionCookie) + "=" + session.cookie},
          {"X-CSRF-Token", session.csrf_token}};
}

HttpHeaders bearer(std::string_view token) {
  return {{"Authorization", "Bearer " + std::string(token)}};
}

HttpHeaders operator+(HttpHeaders a, const HttpHeaders& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string form_token_of(const std::string& page) {
  const std::size_t name = page.find(R"(name="csrf_token")");
  if (name == std::string::npos) return "";
  const std::size_t tag_start = page.rfind('<', name);
  const std::size_t tag_end = page.find('>', name);
  if (tag_start == std::string::npos || tag_end == std::string::npos) return "";
  const std::string tag = page.substr(tag_start, tag_end - tag_start);
  const std::string marker = R"(value=")";
  const std::size_t value = tag.find(marker);
  if (value == std::string::npos) return "";
  const std::size_t start = value + marker.size();
  return tag.substr(start, tag.find('"', start) - start);
}

std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body.append(url_encode(name)).append("=").append(url_encode(value));
  }
  return body;
}

FormVisit visit_form(HttpClient& http, std::string_view path) {
  const HttpResponse page = http.get(path);
  if (page.status != 200) throw std::runtime_error(std::string(path) + ": " + page.describe());
  auto cookie = page.cookie_value(kFormCookie);
  if (!cookie) throw std::runtime_error(std::string(path) + ": no form cookie: " + page.describe());
  return {*cookie, form_token_of(page.body)};
}

HttpResponse post_form(HttpClient& http, std::string_view path, const std::string& cookie,
                       const std::vector<std::pair<std::string, std::string>>& fields) {
  HttpHeaders headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  if (!cookie.empty()) headers.emplace_back("Cookie", cookie);
  return http.request("POST", path, headers, form_body(fields));
}

HttpResponse form_login(HttpClient& http, std::string_view name, std::string_view password) {
  const FormVisit visit = visit_form(http, "/login");
  return post_form(http, "/login", std::string(kFormCookie) + "=" + visit.cookie,
                   {{"name", std::string(name)},
                    {"password", std::string(password)},
                    {"csrf_token", visit.token}});
}

Frame join_room(WsClient& client, std::string_view room) {
  if (!client.send_json(frames::join(room))) throw std::runtime_error("cannot send join");
  return client.expect("joined",
                       [room](const Frame& frame) { return string_field(frame, "room") == room; });
}

std::string message_body(std::string_view text, std::string_view id) {
  return json::serialize(json::object{{"text", text}, {"id", id}});
}

const json::value& field(const json::value& object, std::string_view key) {
  const json::value* value = object.is_object() ? object.get_object().if_contains(key) : nullptr;
  if (value == nullptr) {
    throw std::runtime_error("no \"" + std::string(key) + "\" in " + json::serialize(object));
  }
  return *value;
}

std::string text_field(const json::value& object, std::string_view key) {
  const json::value& value = field(object, key);
  if (!value.is_string()) {
    throw std::runtime_error("\"" + std::string(key) + "\" is not a string in " +
                             json::serialize(object));
  }
  return std::string(value.get_string());
}

std::uint64_t number_field(const json::value& object, std::string_view key) {
  const json::value& value = field(object, key);
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0)
    return static_cast<std::uint64_t>(value.get_int64());
  throw std::runtime_error("\"" + std::string(key) + "\" is not a non-negative integer in " +
                           json::serialize(object));
}

std::string error_code_of(const HttpResponse& response) {
  boost::system::error_code error;
  const json::value body = json::parse(response.body, error);
  if (error || !body.is_object()) return "";
  const json::value* inner = body.get_object().if_contains("error");
  if (inner == nullptr || !inner->is_object()) return "";
  const json::value* code = inner->get_object().if_contains("code");
  return code != nullptr && code->is_string() ? std::string(code->get_string()) : "";
}

void ApiTest::TearDown() {
  http_.reset();
  if (server_ && HasFailure()) {
    std::cerr << "--- server log ---\n" << server_->log_text() << "---\n";
  }
}

ServerProcess& ApiTest::start_server(std::vector<std::string> flags) {
  std::vector<std::string> arguments = {"--store", "memory"};
  arguments.insert(arguments.end(), flags.begin(), flags.end());
  server_ = std::make_unique<ServerProcess>(std::move(arguments));
  http_.reset();
  return *server_;
}

std::string ApiTest::own_origin() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

HttpClient& ApiTest::http() {
  if (!http_) http_ = new_client();
  return *http_;
}

std::unique_ptr<HttpClient> ApiTest::new_client() {
  return std::make_unique<HttpClient>(port());
}

HttpResponse ApiTest::post_credentials(std::string_view path, std::string_view name,
                                       std::optional<std::string_view> password) {
  json::object body{{"name", name}};
  if (password) body["password"] = *password;
  return http().post_json(path, json::serialize(body));
}

namespace {

Session session_from(const HttpResponse& response, int expected_status, std::string_view what) {
  if (response.status != expected_status) {
    throw std::runtime_error(std::string(what) + ": expected " + std::to_string(expected_status) +
                             ", got " + response.describe());
  }
  const json::value body = response.json();
  auto cookie = response.cookie_value(kSessionCookie);
  if (!cookie || cookie->empty()) {
    throw std::runtime_error(std::string(what) + ": no session cookie in " + response.describe());
  }
  return Session{text_field(body, "user"), field(body, "guest").as_bool(), *cookie,
                 text_field(body, "csrf_token")};
}

}  // namespace

Session ApiTest::register_account(std::string_view name, std::string_view password) {
  return session_from(post_credentials("/api/register", name, password), 201, "register");
}

Session ApiTest::log_in(std::string_view name, std::string_view password) {
  return session_from(post_credentials("/api/login", name, password), 200, "login");
}

Session ApiTest::start_guest(std::string_view name) {
  return session_from(post_credentials("/api/guest", name, std::nullopt), 200, "guest");
}

std::pair<std::string, std::string> ApiTest::create_token(const Session& session) {
  const HttpResponse response = http().request("POST", "/api/tokens", cookie_and_csrf(session));
  if (response.status != 201) throw std::runtime_error("create token: " + response.describe());
  const json::value body = response.json();
  return {text_field(body, "token"), text_field(body, "id")};
}

HttpResponse ApiTest::post_message(std::string_view room, std::string_view text,
                                   std::string_view id, const HttpHeaders& identity) {
  return http().post_json("/api/rooms/" + std::string(room) + "/messages", message_body(text, id),
                          identity);
}

std::uint64_t ApiTest::post_new_message(std::string_view room, std::string_view text,
                                        std::string_view id, const HttpHeaders& identity) {
  const HttpResponse response = post_message(room, text, id, identity);
  if (response.status != 201) throw std::runtime_error("post message: " + response.describe());
  return number_field(response.json(), "seq");
}

json::value ApiTest::read_messages(std::string_view room, std::string_view query,
                                   const HttpHeaders& identity) {
  std::string target = "/api/rooms/" + std::string(room) + "/messages";
  if (!query.empty()) target.append("?").append(query);
  const HttpResponse response = http().get(target, identity);
  if (response.status != 200)
    throw std::runtime_error("GET " + target + ": " + response.describe());
  return response.json();
}

std::vector<std::string> ApiTest::members_of(std::string_view room, const HttpHeaders& identity) {
  const HttpResponse response =
      http().get("/api/rooms/" + std::string(room) + "/members", identity);
  if (response.status != 200) throw std::runtime_error("members: " + response.describe());
  std::vector<std::string> names;
  const json::value body = response.json();
  for (const json::value& name : field(body, "members").as_array()) {
    names.emplace_back(name.as_string());
  }
  return names;
}

int ApiTest::upgrade_status(std::string_view target, const HttpHeaders& headers) {
  WsClient client;
  return client.connect(port(), target, headers);
}

std::unique_ptr<WsClient> ApiTest::connect_ws(const Session& session) {
  return connect_ws("/ws", cookie_of(session) + HttpHeaders{{"Origin", own_origin()}});
}

std::unique_ptr<WsClient> ApiTest::connect_ws(std::string_view target, const HttpHeaders& headers) {
  auto client = std::make_unique<WsClient>();
  const int status = client->connect(port(), target, headers);
  if (status != kSwitchingProtocols) {
    throw std::runtime_error("upgrade of " + std::string(target) + " answered " +
                             std::to_string(status));
  }
  client->expect("hello");
  return client;
}

}  // namespace parley::test
