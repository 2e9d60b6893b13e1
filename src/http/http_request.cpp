#include "http/http_request.hpp"

#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>

#include <boost/beast/core/string.hpp>

#include "auth/cookies.hpp"

namespace parley::transport {

namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

bool has_media_type(const Request& request, std::string_view type) {
  auto header = request.find(http::field::content_type);
  if (header == request.end()) return false;
  std::string_view value = header->value();
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.size() != type.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != type[i]) return false;
  }
  return true;
}

}  // namespace

std::variant<json::object, Response> json_body_of(const Request& request) {
  if (!has_media_type(request, "application/json")) {
    Response response =
        error_response(request, core::ErrorCode::bad_request, "the body must be JSON");
    response.result(http::status::unsupported_media_type);
    return response;
  }
  json::parse_options options;
  options.max_depth = 16;
  boost::system::error_code ec;
  json::value parsed = json::parse(request.body(), ec, {}, options);
  if (ec || !parsed.is_object()) {
    return error_response(request, core::ErrorCode::bad_request, "the body must be a JSON object");
  }
  return std::move(parsed.get_object());
}

std::optional<std::string> form_field(const Request& request, std::string_view name) {
  if (!has_media_type(request, "application/x-www-form-urlencoded")) return std::nullopt;
  auto params = boost::urls::parse_query(request.body());
  if (!params) return std::nullopt;
  std::optional<std::string> found;
  for (const auto& param : *params) {
    const boost::urls::encoding_opts form_encoding(true);  // '+' is a space in forms
    const boost::urls::decode_view key(param.key, form_encoding);
    if (key != name) continue;
    if (found) return std::nullopt;  // a field given twice is ambiguous
    const boost::urls::decode_view value(param.value, form_encoding);
    found = std::string(value.begin(), value.end());
  }
  return found;
}

std::optional<std::string> cookie_of(const Request& request, std::string_view name) {
  auto [field, end] = request.equal_range(http::field::cookie);
  if (field == end) return std::nullopt;
  std::string_view list = field->value();
  std::string joined;  // only when there are several fields
  if (std::next(field) != end) {
    for (; field != end; ++field) {
      if (!joined.empty()) joined.append("; ");
      joined.append(field->value());
    }
    list = joined;
  }
  const auto value = auth::find_cookie(list, name);
  if (!value) return std::nullopt;
  return std::string(*value);
}

auth::Credentials credentials_of(const Request& request, const boost::urls::url_view* url) {
  auth::Credentials credentials;
  if (auto header = request.find(http::field::authorization); header != request.end()) {
    std::string_view value = header->value();
    constexpr std::string_view scheme = "bearer ";
    // The scheme is case-insensitive (RFC 9110 11.1). A malformed
    // Authorization header is an invalid token, never no token.
    credentials.bearer_token = value.size() > scheme.size() &&
                                       boost::beast::iequals(value.substr(0, scheme.size()), scheme)
                                   ? std::string(value.substr(scheme.size()))
                                   : std::string();
  } else if (url != nullptr) {
    if (auto token = url->params().find("token"); token != url->params().end()) {
      credentials.bearer_token = (*token).value;
    }
  }
  credentials.session_cookie = cookie_of(request, auth::kSessionCookie);
  return credentials;
}

bool is_state_changing(const Request& request) {
  const auto method = request.method();
  return method != http::verb::get && method != http::verb::head && method != http::verb::options;
}

std::optional<std::string> csrf_token_of(const Request& request) {
  if (auto header = request.find("X-CSRF-Token"); header != request.end()) {
    return std::string(header->value());
  }
  return form_field(request, "csrf_token");
}

std::optional<std::string> string_field(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

}  // namespace parley::transport
