// Static files: types, cache headers, conditional GET and gzip.
#include <zlib.h>

#include "api/api_test.hpp"

namespace parley::test {
namespace {

class StaticFilesTest : public ApiTest {};

// The bytes a gzip member inflates to; empty when it is not gzip.
std::string gunzip(const std::string& packed) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return {};
  std::string out(packed.size() * 20 + 1024, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  stream.avail_in = static_cast<uInt>(packed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

TEST_F(StaticFilesTest, ServesFilesWithTheirTypeAndCacheHeaders) {
  start_server();
  auto http = new_client();
  const HttpResponse css = http->get("/static/style.css");
  ASSERT_EQ(css.status, 200) << css.describe();
  EXPECT_EQ(css.header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(css.header("Cache-Control"), "public, max-age=300");
  EXPECT_EQ(css.header("X-Content-Type-Options"), "nosniff");
  EXPECT_TRUE(css.header("ETag").has_value());
  EXPECT_FALSE(css.body.empty());
  const HttpResponse js = http->get("/static/app.js");
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
}

TEST_F(StaticFilesTest, AMatchingEtagGets304WithoutABody) {
  start_server();
  auto http = new_client();
  const HttpResponse first = http->get("/static/app.js");
  const auto etag = first.header("ETag");
  ASSERT_TRUE(etag) << first.describe();
  const HttpResponse again = http->get("/static/app.js", {{"If-None-Match", *etag}});
  EXPECT_EQ(again.status, 304) << again.describe();
  EXPECT_TRUE(again.body.empty());
  const HttpResponse other = http->get("/static/app.js", {{"If-None-Match", "\"stale\""}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, first.body);
}

TEST_F(StaticFilesTest, TextIsGzippedOnlyForClientsThatAcceptIt) {
  start_server();
  auto http = new_client();
  const HttpResponse plain = http->get("/static/style.css");
  ASSERT_EQ(plain.status, 200);
  EXPECT_FALSE(plain.header("Content-Encoding").has_value());
  const HttpResponse packed = http->get("/static/style.css", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_EQ(packed.status, 200);
  EXPECT_EQ(packed.header("Content-Encoding"), "gzip");
  EXPECT_EQ(packed.header("Vary"), "Accept-Encoding");
  EXPECT_LT(packed.body.size(), plain.body.size());
  EXPECT_EQ(gunzip(packed.body), plain.body);
  // Fonts are compressed already: sent as they are.
  const HttpResponse font =
      http->get("/static/fonts/LICENSE-Inter.txt", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(font.status, 200);
}

// The form templates live in the web folder but are not files to serve:
// the server renders them into pages (with a CSRF token) at /login and
// /register.
TEST_F(StaticFilesTest, TemplatesAreNotServedAsFiles) {
  start_server();
  auto http = new_client();
  for (const char* target : {"/static/templates/login.html", "/static/templates/register.html",
                             "/static/templates/", "/static/templates"}) {
    const HttpResponse response = http->get(target);
    EXPECT_EQ(response.status, 404) << target << "\n" << response.describe();
    EXPECT_EQ(response.body.find("{{"), std::string::npos) << target << ": a raw template";
    const HttpResponse head = http->request("HEAD", target);
    EXPECT_EQ(head.status, 404) << target;
  }
  // The pages themselves are still served.
  EXPECT_EQ(http->get("/login").status, 200);
}

TEST_F(StaticFilesTest, NamesOutsideTheWebFolderAre404) {
  start_server();
  auto http = new_client();
  for (const char* target :
       {"/static/../CMakeLists.txt", "/static/%2e%2e/CMakeLists.txt", "/static/.hidden", "/static/",
        "/static/nope.js", "/static/js/../../README.md"}) {
    EXPECT_EQ(http->get(target).status, 404) << target;
  }
}

}  // namespace
}  // namespace parley::test
