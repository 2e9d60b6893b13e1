#include "app/layered_options.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

extern char** environ;

namespace parley::app {

namespace {

constexpr std::string_view kPrefix = "PARLEY_";

// A value given for an unsigned setting must not start with '-': the
// conversion Boost uses would wrap "-1" round to the largest value.
bool takes_unsigned(const po::option_description& option) {
  const auto* semantic = option.semantic().get();
  return dynamic_cast<const po::typed_value<unsigned>*>(semantic) != nullptr ||
         dynamic_cast<const po::typed_value<unsigned long>*>(semantic) != nullptr ||
         dynamic_cast<const po::typed_value<unsigned long long>*>(semantic) != nullptr;
}

bool looks_negative(const std::string& token) {
  const auto first = std::find_if_not(token.begin(), token.end(),
                                      [](unsigned char c) { return std::isspace(c) != 0; });
  return first != token.end() && *first == '-';
}

// Stores one setting's tokens, turning Boost's complaint into one line that
// names the setting and where it came from.
void store_one(const po::options_description& options, const std::string& name,
               std::vector<std::string> tokens, const SettingSource& source,
               LayeredOptions& layered) {
  const po::option_description& option = options.find(name, false);
  if (takes_unsigned(option) && std::any_of(tokens.begin(), tokens.end(), looks_negative)) {
    throw SettingError("invalid setting " + describe(name, source) + ": must not be negative");
  }
  po::parsed_options parsed(&options);
  parsed.options.emplace_back(name, std::move(tokens));
  try {
    po::store(parsed, layered.values);
  } catch (const po::error& error) {
    throw SettingError("invalid setting " + describe(name, source) + ": " + error.what());
  }
  layered.sources[name] = source;
}

// The environment's tokens for one setting: settings that take several
// values (--allowed-origin) take them separated by commas or spaces.
std::vector<std::string> environment_tokens(const po::option_description& option,
                                            const std::string& value) {
  if (!option.semantic()->is_composing()) return {value};
  std::vector<std::string> tokens;
  std::string token;
  for (const char c : value + ",") {
    if (c == ',' || std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (!token.empty()) tokens.push_back(std::move(token));
      token.clear();
    } else {
      token += c;
    }
  }
  return tokens;
}

std::string toml_scalar(const toml::node& node) {
  if (const auto* text = node.as_string()) return text->get();
  if (const auto* number = node.as_integer()) return std::to_string(number->get());
  if (const auto* flag = node.as_boolean()) return flag->get() ? "true" : "false";
  throw std::invalid_argument("must be a string, an integer or true/false");
}

std::vector<std::string> toml_tokens(const toml::node& node) {
  if (const auto* list = node.as_array()) {
    std::vector<std::string> tokens;
    for (const toml::node& element : *list) tokens.push_back(toml_scalar(element));
    return tokens;
  }
  return {toml_scalar(node)};
}

void store_environment(const po::options_description& options, const Environment& environment,
                       const LayerRules& rules, LayeredOptions& layered) {
  // Canonical names first, so that they win over an alias of the same setting.
  std::vector<std::pair<std::string, std::string>> names;  // variable, setting
  for (const auto& option : options.options()) {
    const std::string& setting = option->long_name();
    if (!rules.flag_only.contains(setting)) names.emplace_back(environment_name(setting), setting);
  }
  for (const auto& [variable, setting] : rules.environment_aliases) {
    names.emplace_back(variable, setting);
  }
  for (const auto& [variable, setting] : names) {
    const auto value = environment.find(variable);
    // An empty variable counts as unset (`PARLEY_X=` in a unit or compose file).
    if (value == environment.end() || value->second.empty() || layered.given(setting)) continue;
    store_one(options, setting, environment_tokens(options.find(setting, false), value->second),
              {SourceKind::environment, variable}, layered);
  }
}

void store_file(const po::options_description& options, const std::string& path,
                const LayerRules& rules, LayeredOptions& layered) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    throw SettingError("invalid configuration file " + path + ", line " +
                       std::to_string(where.line) + ": " + std::string(error.description()));
  } catch (const std::exception& error) {
    throw SettingError("cannot read configuration file " + path + ": " + error.what());
  }
  for (const auto& [key, node] : table) {
    const std::string setting(key.str());
    const SettingSource source{SourceKind::file, path};
    const po::option_description* option = options.find_nothrow(setting, false);
    if (option == nullptr || setting != option->long_name()) {
      if (rules.skip_unknown_file_keys) continue;
      throw SettingError("unknown setting " + describe(setting, source));
    }
    if (rules.flag_only.contains(setting) || setting == rules.config_setting) {
      throw SettingError("invalid setting " + describe(setting, source) +
                         ": cannot be set in a configuration file");
    }
    if (layered.given(setting)) continue;
    std::vector<std::string> tokens;
    try {
      tokens = toml_tokens(node);
    } catch (const std::invalid_argument& error) {
      throw SettingError("invalid setting " + describe(setting, source) + ": " + error.what());
    }
    store_one(options, setting, std::move(tokens), source, layered);
  }
}

}  // namespace

Environment parley_environment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view variable(*entry);
    const auto equals = variable.find('=');
    if (!variable.starts_with(kPrefix) || equals == std::string_view::npos) continue;
    environment.emplace(variable.substr(0, equals), variable.substr(equals + 1));
  }
  return environment;
}

std::string environment_name(std::string_view setting) {
  std::string name(kPrefix);
  for (const char c : setting) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

bool outranks(SourceKind a, SourceKind b) {
  // The enumerators are declared weakest first.
  return static_cast<int>(a) > static_cast<int>(b);
}

std::string describe(const std::string& setting, const SettingSource& source) {
  switch (source.kind) {
    case SourceKind::flag:
      return setting + " (flag --" + setting + ")";
    case SourceKind::environment:
      return setting + " (environment variable " + source.where + ")";
    case SourceKind::file:
      return setting + " (key " + setting + " in " + source.where + ")";
    case SourceKind::default_value:
      break;
  }
  return setting + " (default)";
}

SettingSource LayeredOptions::source_of(const std::string& setting) const {
  const auto found = sources.find(setting);
  return found == sources.end() ? SettingSource{} : found->second;
}

LayeredOptions load_layered_options(const po::options_description& options,
                                    const po::parsed_options& flags, const Environment& environment,
                                    const LayerRules& rules) {
  LayeredOptions layered;
  // Flags: Boost has checked their names and counts; each is stored whole.
  for (const po::option& flag : flags.options) {
    if (flag.unregistered || flag.string_key.empty()) continue;
    // A repeated flag arrives once per use: its values are gathered at its
    // first use (several values are refused by a setting that takes one).
    if (layered.given(flag.string_key)) continue;
    std::vector<std::string> tokens;
    for (const po::option& same : flags.options) {
      if (same.string_key == flag.string_key) {
        tokens.insert(tokens.end(), same.value.begin(), same.value.end());
      }
    }
    store_one(options, flag.string_key, std::move(tokens), {SourceKind::flag, {}}, layered);
  }
  store_environment(options, environment, rules, layered);

  if (layered.values.count(rules.config_setting)) {
    layered.config_file = layered.values[rules.config_setting].as<std::string>();
  }
  if (!layered.config_file.empty()) store_file(options, layered.config_file, rules, layered);

  // Defaults last: store() fills in what no layer gave.
  po::store(po::parsed_options(&options), layered.values);
  try {
    po::notify(layered.values);
  } catch (const po::error& error) {
    throw SettingError(error.what());
  }
  return layered;
}

}  // namespace parley::app
