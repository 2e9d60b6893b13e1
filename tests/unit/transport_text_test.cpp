// The transport's pure text helpers: HTML templates and static file names.
#include <gtest/gtest.h>

#include "transport/html_template.hpp"
#include "transport/static_files.hpp"

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

}  // namespace
}  // namespace parley::transport
