// The transport's pure text helpers: HTML templates, static file names and
// the bytes of an HTTP answer.
#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>

#include "http/html_template.hpp"
#include "http/http_response.hpp"
#include "http/static_files.hpp"

namespace parley::transport {
namespace {

TEST(HtmlTemplate, EscapesEveryValue) {
  EXPECT_EQ(render_template("<p>{{name}}</p>", {{"name", "<script>alert('x')&\"</script>"}}),
            "<p>&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;</p>");
}

TEST(HtmlTemplate, LeavesUnknownPlaceholdersEmptyAndTextAlone) {
  EXPECT_EQ(render_template("a{{missing}}b {{x}}", {{"x", "1"}}), "ab 1");
  EXPECT_EQ(render_template("no placeholders", {}), "no placeholders");
  EXPECT_EQ(render_template("open {{ only", {}), "open {{ only");
}

TEST(StaticFiles, AcceptsOnlyPlainNamesBelowTheRoot) {
  EXPECT_TRUE(is_safe_relative_path("app.js"));
  EXPECT_TRUE(is_safe_relative_path("js/chat.js"));
  EXPECT_TRUE(is_safe_relative_path("fonts/inter-400.woff2"));
  EXPECT_FALSE(is_safe_relative_path(""));
  EXPECT_FALSE(is_safe_relative_path("/etc/passwd"));
  EXPECT_FALSE(is_safe_relative_path("../secret"));
  EXPECT_FALSE(is_safe_relative_path("js/../../x"));
  EXPECT_FALSE(is_safe_relative_path(".hidden"));
  EXPECT_FALSE(is_safe_relative_path("js//x.js"));
  EXPECT_FALSE(is_safe_relative_path("templates/login.html?x"));
  EXPECT_FALSE(is_safe_relative_path("a\\b"));
}

namespace http = boost::beast::http;

// What Beast's serializer writes for `response`, the reference for our own.
std::string serialized_by_beast(Response response) {
  http::response_serializer<http::string_body> serializer(response);
  std::string out;
  boost::beast::error_code error;
  while (!serializer.is_done()) {
    serializer.next(error, [&](boost::beast::error_code&, const auto& buffers) {
      out += boost::beast::buffers_to_string(buffers);
      serializer.consume(boost::beast::buffer_bytes(buffers));
    });
  }
  return out;
}

std::string head_and_body(const Response& response) {
  std::string out;
  append_head(response, out);
  return out + response.body();
}

TEST(HttpAnswerBytes, AreWhatBeastWouldWrite) {
  Request http11;
  http11.version(11);
  Request http10;
  http10.version(10);
  http10.keep_alive(true);
  Request closing;
  closing.version(11);
  closing.keep_alive(false);

  std::vector<Response> answers{
      json_response(http11, http::status::ok, R"({"room":"lobby","messages":[],"last_seq":7})"),
      json_response(http10, http::status::created, "{}"),
      error_response(closing, core::ErrorCode::not_found, "no such room"),
      method_not_allowed(http11, "GET, HEAD"),
  };
  answers.back().set(http::field::set_cookie, "parley_session=abc; Path=/; HttpOnly");
  Response custom_reason = json_response(http11, http::status::too_many_requests, "");
  custom_reason.reason("Slow Down");
  answers.push_back(custom_reason);
  for (const Response& answer : answers) {
    EXPECT_EQ(head_and_body(answer), serialized_by_beast(answer));
  }
}

}  // namespace
}  // namespace parley::transport
