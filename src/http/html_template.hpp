// Server-rendered pages: `{{name}}` in a template is replaced by the value of
// `name`, always HTML-escaped, so user text can never become markup. Pure
// functions; any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace parley::transport {

using TemplateValues = std::map<std::string, std::string, std::less<>>;

// Escapes & < > " ' for HTML text and attribute values.
std::string escape_html(std::string_view text);

// Fills the template; a placeholder without a value becomes empty.
std::string render_template(std::string_view text, const TemplateValues& values);

}  // namespace parley::transport
