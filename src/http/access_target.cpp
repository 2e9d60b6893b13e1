#include "http/access_target.hpp"

#include <array>
#include <boost/url/parse.hpp>

namespace parley::transport {

namespace {

constexpr std::array<std::string_view, 5> kPlainParameters = {"after", "before", "limit", "wait",
                                                              "since"};

// Names of the contract's other parameters; any other name shows as "*" (a
// client may put anything there, a secret too).
constexpr std::array<std::string_view, 3> kKnownParameters = {"token", "name", "next"};

template <std::size_t N>
bool is_one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  for (const std::string_view known : names) {
    if (name == known) return true;
  }
  return false;
}

// Parameters of the contract are numbers; anything else may be anything.
bool is_number(std::string_view value) {
  if (value.empty() || value.size() > 20) return false;
  for (const char c : value) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string access_target(std::string_view target) {
  const auto url = boost::urls::parse_origin_form(target);
  if (!url) return "-";
  std::string shown(url->encoded_path());
  if (!url->has_query()) return shown;
  char separator = '?';
  for (const auto& param : url->encoded_params()) {
    shown.push_back(separator);
    separator = '&';
    const std::string key = param.key.decode();
    const bool is_plain = is_one_of(key, kPlainParameters);
    if (is_plain || is_one_of(key, kKnownParameters)) {
      shown.append(key);
    } else {
      shown.push_back('*');
    }
    if (param.has_value && is_plain && is_number(param.value)) {
      shown.push_back('=');
      shown.append(param.value);
    } else if (param.has_value) {
      shown.append("=*");
    }
  }
  return shown;
}

}  // namespace parley::transport
