// The HTML side: security headers on pages and JSON, the login, register
// and logout forms with their CSRF tokens, and room pages that never
// reflect an invalid name.
#include "api/api_test.hpp"

namespace parley::test {
namespace {

namespace json = boost::json;

class PagesTest : public ApiTest {};

// The value of `directive` in a Content-Security-Policy, or nullopt.
std::optional<std::string> csp_directive(const std::string& policy, std::string_view directive) {
  std::size_t start = 0;
  while (start < policy.size()) {
    std::size_t end = policy.find(';', start);
    if (end == std::string::npos) end = policy.size();
    std::string part = policy.substr(start, end - start);
    part.erase(0, part.find_first_not_of(' '));
    if (part.starts_with(directive) &&
        (part.size() == directive.size() || part[directive.size()] == ' ')) {
      return part.substr(directive.size());
    }
    start = end + 1;
  }
  return std::nullopt;
}

void expect_page_security_headers(const HttpResponse& page, std::string_view what) {
  EXPECT_EQ(page.header("Content-Type").value_or("").rfind("text/html", 0), 0u)
      << what << ": " << page.describe();
  const auto policy = page.header("Content-Security-Policy");
  ASSERT_TRUE(policy) << what << ": " << page.describe();
  const auto scripts = csp_directive(*policy, "script-src");
  const auto fallback = csp_directive(*policy, "default-src");
  ASSERT_TRUE(scripts || fallback) << what << ": scripts are not restricted: " << *policy;
  const std::string effective = scripts ? *scripts : *fallback;
  EXPECT_EQ(effective.find("'unsafe-inline'"), std::string::npos) << what << ": " << *policy;
  EXPECT_EQ(effective.find("'unsafe-eval'"), std::string::npos) << what << ": " << *policy;
  EXPECT_EQ(effective.find('*'), std::string::npos) << what << ": " << *policy;
  const auto frames = csp_directive(*policy, "frame-ancestors");
  ASSERT_TRUE(frames) << what << ": " << *policy;
  EXPECT_EQ(frames->find('*'), std::string::npos) << what << ": " << *policy;
  EXPECT_EQ(page.header("X-Content-Type-Options").value_or(""), "nosniff") << what;
  EXPECT_TRUE(page.header("Referrer-Policy")) << what << ": " << page.describe();
}

TEST_F(PagesTest, HtmlPagesCarrySecurityHeaders) {
  start_server();
  for (std::string_view path : {"/", "/login", "/register", "/r/lobby"}) {
    const HttpResponse page = http().get(path);
    ASSERT_EQ(page.status, 200) << path << ": " << page.describe();
    expect_page_security_headers(page, path);
  }
}

TEST_F(PagesTest, JsonResponsesCarryNosniff) {
  start_server();
  const Session zed = start_guest("Zed");
  const std::vector<std::pair<std::string, HttpHeaders>> requests = {
      {"/api/me", {}},  // 401
      {"/api/me", cookie_of(zed)},
      {"/api/rooms", cookie_of(zed)},
      {"/api/nothing-here", cookie_of(zed)},
      {"/healthz", {}},
  };
  for (const auto& [path, headers] : requests) {
    const HttpResponse response = http().get(path, headers);
    EXPECT_EQ(response.header("Content-Type").value_or(""), "application/json")
        << path << ": " << response.describe();
    EXPECT_EQ(response.header("X-Content-Type-Options").value_or(""), "nosniff")
        << path << ": " << response.describe();
  }
}

TEST_F(PagesTest, LoginPageSetsAFormCookieAndEmbedsTheSameToken) {
  start_server();
  const HttpResponse page = http().get("/login");
  ASSERT_EQ(page.status, 200) << page.describe();
  const auto line = page.set_cookie(kFormCookie);
  ASSERT_TRUE(line) << page.describe();
  EXPECT_NE(line->find("; HttpOnly"), std::string::npos) << *line;
  EXPECT_NE(line->find("; SameSite=Lax"), std::string::npos) << *line;
  const std::string cookie = *page.cookie_value(kFormCookie);
  EXPECT_GE(cookie.size(), 16u);
  EXPECT_EQ(form_token_of(page.body), cookie) << page.body;
  EXPECT_FALSE(page.set_cookie(kSessionCookie)) << "a form page is not a session";

  // A second visit with the cookie keeps the same token.
  const HttpResponse again = http().get("/login", {{"Cookie", "parley_form=" + cookie}});
  EXPECT_EQ(form_token_of(again.body), cookie) << again.body;
}

// A password that needs no escaping in a form (escaping has its own test).
constexpr std::string_view kPlainPassword = "Password1234";

TEST_F(PagesTest, FormLoginWithTheMatchingTokenRedirectsWithASession) {
  start_server();
  register_account("Alice", kPlainPassword);
  const FormVisit visit = visit_form(http(), "/login");
  const HttpResponse response = post_form(
      http(), "/login", "parley_form=" + visit.cookie,
      {{"name", "alice"}, {"password", std::string(kPlainPassword)}, {"csrf_token", visit.token}});
  ASSERT_EQ(response.status, 303) << response.describe();
  EXPECT_EQ(response.header("Location").value_or(""), "/") << response.describe();
  const auto session = response.cookie_value(kSessionCookie);
  ASSERT_TRUE(session && !session->empty()) << response.describe();
  const HttpResponse me = http().get("/api/me", {{"Cookie", "parley_session=" + *session}});
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(text_field(me.json(), "user"), "Alice");
}

TEST_F(PagesTest, FormLoginWithoutTheMatchingTokenIs403WithoutASession) {
  start_server();
  register_account("Alice");
  const FormVisit visit = visit_form(http(), "/login");
  const FormVisit other = visit_form(*new_client(), "/login");
  const std::string password(kPassword);
  struct Attempt {
    std::string what;
    std::string cookie;
    std::vector<std::pair<std::string, std::string>> fields;
  };
  const std::vector<Attempt> attempts = {
      {"no token", "parley_form=" + visit.cookie, {{"name", "Alice"}, {"password", password}}},
      {"another visit's token",
       "parley_form=" + visit.cookie,
       {{"name", "Alice"}, {"password", password}, {"csrf_token", other.token}}},
      {"token without its cookie",
       "",
       {{"name", "Alice"}, {"password", password}, {"csrf_token", visit.token}}},
      {"empty token and cookie",
       "parley_form=",
       {{"name", "Alice"}, {"password", password}, {"csrf_token", ""}}},
  };
  for (const Attempt& attempt : attempts) {
    const HttpResponse response = post_form(http(), "/login", attempt.cookie, attempt.fields);
    EXPECT_EQ(response.status, 403) << attempt.what << ": " << response.describe();
    const auto session = response.cookie_value(kSessionCookie);
    EXPECT_TRUE(!session || session->empty()) << attempt.what << ": " << response.describe();
  }
}

// A browser sends a form's fields percent-encoded, space as '+': the server
// must decode them, so that one password works in forms and in the API.
TEST_F(PagesTest, FormFieldsAreDecodedAsBrowsersEncodeThem) {
  start_server();
  const std::string password = "pass word+100% \xC3\xA9";
  const std::string encoded = "pass+word%2B100%25+%C3%A9";
  register_account("Alice", password);
  const FormVisit login = visit_form(http(), "/login");
  const HttpResponse response =
      http().request("POST", "/login",
                     {{"Content-Type", "application/x-www-form-urlencoded"},
                      {"Cookie", "parley_form=" + login.cookie}},
                     "name=Alice&password=" + encoded + "&csrf_token=" + login.token);
  EXPECT_EQ(response.status, 303) << "API password, form login: " << response.describe();

  const FormVisit registration = visit_form(http(), "/register");
  const HttpResponse registered =
      http().request("POST", "/register",
                     {{"Content-Type", "application/x-www-form-urlencoded"},
                      {"Cookie", "parley_form=" + registration.cookie}},
                     "name=Bob&password=" + encoded + "&csrf_token=" + registration.token);
  ASSERT_EQ(registered.status, 303) << registered.describe();
  const HttpResponse api_login = post_credentials("/api/login", "Bob", password);
  EXPECT_EQ(api_login.status, 200) << "form password, API login: " << api_login.describe();
}

TEST_F(PagesTest, FormRegisterRedirectsWithASession) {
  start_server();
  const FormVisit visit = visit_form(http(), "/register");
  EXPECT_EQ(visit.token, visit.cookie);
  const HttpResponse response = post_form(http(), "/register", "parley_form=" + visit.cookie,
                                          {{"name", "Dana"},
                                           {"password", std::string(kPassword)},
                                           {"csrf_token", visit.token},
                                           {"next", "//evil.example/"}});
  ASSERT_EQ(response.status, 303) << response.describe();
  EXPECT_EQ(response.header("Location").value_or(""), "/") << "never to another site";
  const auto session = response.cookie_value(kSessionCookie);
  ASSERT_TRUE(session && !session->empty()) << response.describe();
  const HttpResponse me = http().get("/api/me", {{"Cookie", "parley_session=" + *session}});
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(text_field(me.json(), "user"), "Dana");
  EXPECT_EQ(field(me.json(), "guest"), false);

  // Without the token nothing is registered: the name stays free.
  const HttpResponse forged = post_form(
      http(), "/register", "",
      {{"name", "Eve"}, {"password", std::string(kPassword)}, {"csrf_token", visit.token}});
  EXPECT_EQ(forged.status, 403) << forged.describe();
  EXPECT_EQ(start_guest("Eve").user, "Eve");
}

TEST_F(PagesTest, FormLogoutWithTheSessionsTokenEndsTheSession) {
  start_server();
  const Session zed = start_guest("Zed");
  const std::string cookie = "parley_session=" + zed.cookie;
  const HttpResponse forged = post_form(http(), "/logout", cookie, {});
  EXPECT_EQ(forged.status, 403) << forged.describe();
  ASSERT_EQ(http().get("/api/me", cookie_of(zed)).status, 200) << "still logged in";

  const HttpResponse response =
      post_form(http(), "/logout", cookie, {{"csrf_token", zed.csrf_token}});
  ASSERT_EQ(response.status, 303) << response.describe();
  EXPECT_EQ(response.header("Location").value_or(""), "/");
  EXPECT_NE(response.set_cookie(kSessionCookie).value_or("").find("Max-Age=0"), std::string::npos)
      << response.describe();
  EXPECT_EQ(http().get("/api/me", cookie_of(zed)).status, 401) << "the session ended";
}

TEST_F(PagesTest, InvalidRoomPageIs404AndDoesNotReflectTheName) {
  start_server();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/r/zq!marker", "zq!marker"},
      {"/r/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "alert(1)"},
      {"/r/%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E", "onerror"},
      {"/r/-leading", "-leading"},
      {"/r/" + std::string(65, 'q'), std::string(65, 'q')},
      {"/r/", "/r/"},
  };
  for (const auto& [target, marker] : cases) {
    const HttpResponse response = http().get(target);
    EXPECT_EQ(response.status, 404) << target << ": " << response.describe();
    EXPECT_EQ(response.body.find(marker), std::string::npos) << target << ": " << response.body;
    EXPECT_EQ(response.body.find("<script"), std::string::npos) << target << ": " << response.body;
  }
  EXPECT_EQ(http().get("/r/" + std::string(64, 'q')).status, 200) << "64 characters is valid";
}

// A person who follows a bad link gets a page that says so and leads home;
// a program asking the API still gets the contract's JSON error.
TEST_F(PagesTest, InvalidRoomAddressIsAFriendly404PageWithAWayHome) {
  start_server();
  for (std::string_view target : {"/r/bad%20name", "/r/-leading", "/no-such-page"}) {
    const HttpResponse page = http().get(target);
    ASSERT_EQ(page.status, 404) << target << ": " << page.describe();
    expect_page_security_headers(page, target);
    EXPECT_EQ(page.header("Content-Type").value_or(""), "text/html; charset=utf-8") << target;
    EXPECT_NE(page.body.find("<title>Page not found"), std::string::npos) << target << page.body;
    EXPECT_NE(page.body.find("href=\"/\""), std::string::npos) << target << ": no way home";
    EXPECT_EQ(page.header("ETag"), std::nullopt) << target << ": an error is not cached";

    const HttpResponse head = http().request("HEAD", target);
    EXPECT_EQ(head.status, 404) << target << ": " << head.describe();
    EXPECT_TRUE(head.body.empty()) << target;
  }
  const Session zed = start_guest("Zed");
  const std::vector<std::pair<std::string, std::string>> api_cases = {
      {"/api/rooms/bad%20name/messages", "bad_request"},
      {"/api/no-such-endpoint", "not_found"},
  };
  for (const auto& [target, code] : api_cases) {
    const HttpResponse response = http().get(target, cookie_of(zed));
    EXPECT_EQ(response.header("Content-Type").value_or(""), "application/json")
        << target << ": " << response.describe();
    EXPECT_EQ(text_field(field(response.json(), "error"), "code"), code) << target;
  }
}

}  // namespace
}  // namespace parley::test
