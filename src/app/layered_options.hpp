// One setting, three places to give it: the flag --some-setting, the
// environment variable PARLEY_SOME_SETTING and the top-level key some-setting
// of the TOML file that --config (or PARLEY_CONFIG) names. A flag wins over
// the environment, the environment over the file, the file over the default.
// The server and `parley admin` read their settings through this one loader,
// so both take the same file and the same variables.
#pragma once

#include <boost/program_options.hpp>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace parley::app {

namespace po = boost::program_options;

// The process's PARLEY_* variables (name → value).
using Environment = std::map<std::string, std::string>;
Environment parley_environment();

// "data-dir" → "PARLEY_DATA_DIR".
std::string environment_name(std::string_view setting);

// Weakest first.
enum class SourceKind { default_value, file, environment, flag };

struct SettingSource {
  SourceKind kind = SourceKind::default_value;
  std::string where = {};  // the variable's name, or the file's path
};

// A flag beats the environment, which beats the file, which beats the default.
bool outranks(SourceKind a, SourceKind b);

// Where a setting came from, for messages: "flag --port", "environment
// variable PARLEY_PORT", "key port in /etc/parley/parley.toml", "default".
std::string describe(const std::string& setting, const SettingSource& source);

// A setting that cannot be taken; what() is one line naming it and its source.
class SettingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LayerRules {
  // Settings given as flags only (help, version, config itself).
  std::set<std::string> flag_only = {};
  // The setting naming the TOML file (its variable names it too).
  std::string config_setting = "config";
  // Keys of the file this reader does not know are skipped, not refused:
  // `parley admin` reads the server's file and needs only a few of its keys.
  bool skip_unknown_file_keys = false;
  // Older variable names still read (PARLEY_DATABASE_URL → database); the
  // canonical name wins when both are set.
  std::map<std::string, std::string> environment_aliases = {};
};

struct LayeredOptions {
  po::variables_map values;
  std::map<std::string, SettingSource> sources = {};
  std::string config_file = {};  // empty: none

  SettingSource source_of(const std::string& setting) const;
  // True when `setting` was given anywhere (not only defaulted).
  bool given(const std::string& setting) const { return sources.contains(setting); }
};

// Stores `flags` (already parsed from the command line), then the
// environment's and then the file's values of settings not given before;
// notifies the bound variables. Throws SettingError.
LayeredOptions load_layered_options(const po::options_description& options,
                                    const po::parsed_options& flags, const Environment& environment,
                                    const LayerRules& rules);

}  // namespace parley::app
