#include "app/config.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <utility>

#include "app/layered_options.hpp"

#include "app/install_paths.hpp"
#include "app/version.hpp"

namespace parley::app {

namespace po = boost::program_options;

LayerRules server_layer_rules() {
  LayerRules rules;
  rules.flag_only = {"help", "version"};
  // The names these two had before every setting had a variable.
  rules.environment_aliases = {{"PARLEY_DATABASE_URL", "database"}, {"PARLEY_REDIS_URL", "redis"}};
  return rules;
}

LayerRules admin_layer_rules() {
  LayerRules rules = server_layer_rules();
  rules.skip_unknown_file_keys = true;
  return rules;
}

std::optional<bool> database_chosen(const LayeredOptions& layered) {
  if (!layered.given("database")) return false;
  if (!layered.given("store")) return true;
  const SourceKind store_from = layered.source_of("store").kind;
  const SourceKind database_from = layered.source_of("database").kind;
  if (store_from == database_from) return std::nullopt;
  return outranks(database_from, store_from);
}

bool is_postgres_url(std::string_view url) {
  for (const std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (url.starts_with(scheme) && url.size() > scheme.size()) return true;
  }
  return false;
}

ParsedCommandLine parse_command_line(int argc, const char* const argv[]) {
  return parse_command_line(argc, argv, parley_environment(), std::cout, std::cerr);
}

ParsedCommandLine parse_command_line(int argc, const char* const argv[],
                                     const Environment& environment, std::ostream& out,
                                     std::ostream& err) {
  Config config;
  std::string database_url;
  std::string log_level = "info";
  std::string store = "sqlite";
  std::string durability = "full";
  std::string web_dir = default_web_dir().string();
  std::string data_dir = config.data_dir.string();
  unsigned port = config.port;
  bool no_guests = false;
  std::size_t max_frame = config.transport.ws_max_frame_bytes;
  std::size_t max_queued = config.transport.ws_max_queued_bytes;
  std::size_t max_in_flight = config.transport.ws_max_in_flight_sends;
  long idle_timeout = config.transport.ws_idle_timeout.count();
  long close_timeout = config.transport.ws_close_timeout.count();
  long http_timeout = config.transport.http_timeout.count();
  std::size_t header_bytes = config.transport.http_header_bytes;
  std::size_t body_bytes = config.transport.http_body_bytes;
  std::size_t max_connections = config.transport.max_connections;
  std::size_t max_connections_per_address = config.transport.max_connections_per_address;
  std::size_t replay_limit = config.service.replay_limit;
  std::size_t max_rooms = config.service.max_rooms_per_connection;
  std::size_t max_batch = config.store_worker.max_batch;
  long commit_window_us = config.store_worker.commit_window.count();
  long shutdown_timeout = config.shutdown_timeout.count();
  bool behind_tls = false;
  std::vector<std::string> allowed_origins;
  long session_days = config.identity.session_lifetime.count() / 86400;
  long guest_idle_hours = config.identity.guest_idle_lifetime.count() / 3600;
  long session_check_seconds = config.identity.session_check.count();
  std::size_t login_failures_per_account = config.identity.login_failures_per_account;
  std::size_t login_failures_per_address = config.identity.login_failures_per_address;
  long login_failure_minutes = config.identity.login_failure_window.count() / 60;
  std::size_t guests_per_address = config.identity.guests_per_address;
  std::size_t registrations_per_address = config.identity.registrations_per_address;
  std::size_t max_tokens_per_user = config.identity.max_tokens_per_user;
  std::size_t max_password_jobs = 0;
  std::size_t password_threads = config.password_threads;
  long poll_presence_seconds = config.polls.presence_timeout.count() / 1000;
  std::size_t max_buffered = config.max_buffered_bytes;
  std::size_t max_page = config.polls.max_page_bytes;
  std::size_t frame_rate = config.transport.ws_frame_rate;
  std::size_t frame_burst = config.transport.ws_frame_burst;
  long typing_interval_ms = config.service.typing_interval.count();
  std::string redis_url;
  std::string log_format = "human";
  std::string access_log = "off";
  std::vector<std::string> trusted_proxies;
  long gap_wait_ms = config.service.gap_wait.count();
  std::uint64_t retention_days = config.retention.max_days;
  std::uint64_t retention_messages = config.retention.max_events;
  long retention_interval = config.retention.interval.count();

  po::options_description options(
      "parley: a real-time chat server (WebSocket, HTTP, SQLite or PostgreSQL)\n\n"
      "Usage: parley [options]\n"
      "       parley admin COMMAND ... (parley admin --help lists the commands)\n\n"
      "Every setting --some-setting is also the environment variable PARLEY_SOME_SETTING\n"
      "and the key some-setting of the TOML file --config names. A flag wins over the\n"
      "environment, the environment over the file, the file over the default.\n\nOptions");
  // clang-format off
  options.add_options()
    ("help,h", "print this help and exit")
    ("version", "print the version and exit")
    ("config", po::value<std::string>(),
     "TOML file of settings, one top-level key per setting (also PARLEY_CONFIG)")
    ("host", po::value(&config.host)->default_value(config.host),
     "address to listen on")
    ("port", po::value(&port)->default_value(port),
     "TCP port to listen on; 0 picks a free one (the ready line names it)")
    ("data-dir", po::value(&data_dir)->default_value(data_dir),
     "folder for the SQLite database (parley.db), created when absent")
    ("redis", po::value(&redis_url),
     "redis://[:password@]host[:port]: share events with the other nodes of a cluster "
     "through Redis pub/sub (also PARLEY_REDIS_URL; without it, one node alone)")
    ("gap-wait-ms", po::value(&gap_wait_ms)->default_value(gap_wait_ms),
     "milliseconds a room waits for a missing message from another node before reading "
     "it from the database")
    ("log-level", po::value(&log_level)->default_value(log_level),
     "debug, info, warn or error")
    ("log-format", po::value(&log_format)->default_value(log_format),
     "human (one line of text per event) or json (one JSON object per line: time, level, "
     "msg and the event's fields)")
    ("log-file", po::value(&config.log.file),
     "append log lines to this file instead of standard error; SIGHUP reopens it (for "
     "logrotate)")
    ("access-log", po::value(&access_log)->default_value(access_log),
     "one line per HTTP request and per WebSocket session when it ends: off, log (into the "
     "log stream), stderr, or a file's path (appended; SIGHUP reopens it); query values other "
     "than numbers are never written")
    ("trusted-proxy", po::value(&trusted_proxies)->composing(),
     "a proxy (CIDR, e.g. 10.0.0.0/8 or fd00::/8, or one address) whose X-Forwarded-For and "
     "X-Forwarded-Proto are believed: the client is the right-most forwarded address that is "
     "not a trusted proxy, and X-Forwarded-Proto: https makes cookies Secure; repeat for more "
     "(without it both headers are ignored)")
    ("store", po::value(&store)->default_value(store),
     "sqlite (durable) or memory (history lost at exit; for tests); --database chooses "
     "PostgreSQL instead")
    ("database", po::value(&database_url),
     "PostgreSQL to store in, shared by any number of nodes: postgresql://user@host:port/db "
     "(default: PARLEY_DATABASE_URL when set, else SQLite in --data-dir)")
    ("durability", po::value(&durability)->default_value(durability),
     "full: fsync every commit, acked messages survive power loss; "
     "normal: acked messages survive a process crash only")
    ("web-dir", po::value(&web_dir)->default_value(web_dir),
     "folder of the web UI's files")
    ("no-guests", po::bool_switch(&no_guests),
     "refuse guests (?name= on /ws, POST /api/guest)")
    ("max-frame-bytes", po::value(&max_frame)->default_value(max_frame),
     "largest WebSocket message accepted; larger closes with 1009 (at least 65536)")
    ("max-queued-bytes", po::value(&max_queued)->default_value(max_queued),
     "bytes held for one WebSocket client (its queue, a quarter of it for a replay piece, "
     "and what is held back during a replay) before it is closed with 1008")
    ("max-buffered-bytes", po::value(&max_buffered)->default_value(max_buffered),
     "bytes of replays and history pages held for clients at once, server-wide; past it "
     "replays wait and pages are answered 429 (0: no limit)")
    ("max-page-bytes", po::value(&max_page)->default_value(max_page),
     "bytes of messages in one HTTP page; a longer page holds fewer and says truncated "
     "(at least 65536)")
    ("ws-frame-rate", po::value(&frame_rate)->default_value(frame_rate),
     "WebSocket frames other than sends one connection may send per second, on average; "
     "past it its reads pause (0: no limit)")
    ("ws-frame-burst", po::value(&frame_burst)->default_value(frame_burst),
     "frames other than sends one connection may send at once before the rate applies")
    ("typing-interval-ms", po::value(&typing_interval_ms)->default_value(typing_interval_ms),
     "one user's typing is relayed to a room at most once per this many milliseconds")
    ("max-in-flight-sends", po::value(&max_in_flight)->default_value(max_in_flight),
     "sends of one connection awaiting their ack before its reads pause")
    ("idle-timeout", po::value(&idle_timeout)->default_value(idle_timeout),
     "seconds of WebSocket silence after which the connection closes; a ping goes at half")
    ("close-timeout", po::value(&close_timeout)->default_value(close_timeout),
     "seconds a WebSocket closing handshake may take before the socket is cut")
    ("http-timeout", po::value(&http_timeout)->default_value(http_timeout),
     "seconds to receive one HTTP request or send one answer")
    ("max-header-bytes", po::value(&header_bytes)->default_value(header_bytes),
     "largest HTTP request header")
    ("max-body-bytes", po::value(&body_bytes)->default_value(body_bytes),
     "largest HTTP request body")
    ("max-connections", po::value(&max_connections)->default_value(max_connections),
     "connections held at once; more are answered 429 and closed (0: the open-files limit, "
     "raised to its hard limit at start, less 64)")
    ("max-connections-per-address",
     po::value(&max_connections_per_address)->default_value(max_connections_per_address),
     "connections held at once from one client address; more are answered 429 and closed "
     "(0: no limit)")
    ("replay-limit", po::value(&replay_limit)->default_value(replay_limit),
     "messages replayed by a join with since (at least 1000)")
    ("max-rooms-per-connection", po::value(&max_rooms)->default_value(max_rooms),
     "rooms one WebSocket connection may be in at once; a join past it is refused "
     "(rate_limited) (0: no limit)")
    ("max-batch", po::value(&max_batch)->default_value(max_batch),
     "messages committed in one transaction at most")
    ("commit-window-us", po::value(&commit_window_us)->default_value(commit_window_us),
     "microseconds a commit of a few messages may wait for more to share it, "
     "while messages arrive steadily (0: never wait)")
    ("shutdown-timeout", po::value(&shutdown_timeout)->default_value(shutdown_timeout),
     "seconds allowed to finish commits and close connections at SIGTERM")
    ("behind-tls", po::bool_switch(&behind_tls),
     "clients reach parley over HTTPS (a TLS proxy in front): cookies are Secure")
    ("allowed-origin", po::value(&allowed_origins)->composing(),
     "a page origin (e.g. https://chat.example.com) allowed to open WebSockets with the "
     "session cookie, besides the server's own; repeat for more")
    ("retention-days", po::value(&retention_days)->default_value(retention_days),
     "remove the events of a room older than this many days, but never its newest one "
     "(0: keep forever)")
    ("retention-messages", po::value(&retention_messages)->default_value(retention_messages),
     "keep only the last this many events (seqs) of each room (0: keep all)")
    ("retention-interval", po::value(&retention_interval)->default_value(retention_interval),
     "seconds between the end of one retention pass and the next (at least 1)")
    ("session-days", po::value(&session_days)->default_value(session_days),
     "days a login session lasts since its last use")
    ("guest-idle-hours", po::value(&guest_idle_hours)->default_value(guest_idle_hours),
     "hours a guest session (and its name) lasts since its last use")
    ("session-check-seconds",
     po::value(&session_check_seconds)->default_value(session_check_seconds),
     "seconds between an open WebSocket's checks of its session or token with the store; "
     "one that ended elsewhere or expired closes with 4401 within this long (at least 1)")
    ("login-failures-per-account", po::value(&login_failures_per_account)
       ->default_value(login_failures_per_account),
     "failed logins for one account within the window before 429 (0: no limit)")
    ("login-failures-per-address", po::value(&login_failures_per_address)
       ->default_value(login_failures_per_address),
     "wrong passwords verified for logins from one address within the window before 429 "
     "(0: no limit)")
    ("login-failure-minutes", po::value(&login_failure_minutes)->default_value(login_failure_minutes),
     "the window for counting failed logins, in minutes")
    ("guests-per-address", po::value(&guests_per_address)->default_value(guests_per_address),
     "guest sessions one address may start per hour (0: no limit)")
    ("registrations-per-address", po::value(&registrations_per_address)
       ->default_value(registrations_per_address),
     "accounts one address may try to register per hour before 429 (0: no limit)")
    ("max-tokens-per-user", po::value(&max_tokens_per_user)->default_value(max_tokens_per_user),
     "live (unrevoked) API tokens one account may hold; creating one more is refused 409 "
     "(0: no limit)")
    ("poll-presence-seconds", po::value(&poll_presence_seconds)->default_value(poll_presence_seconds),
     "seconds after its last poll that an HTTP poller stops counting as present")
    ("password-threads", po::value(&password_threads)->default_value(password_threads),
     "threads hashing passwords (argon2id, about 64 MiB each while hashing)")
    ("max-password-jobs", po::value(&max_password_jobs),
     "password hashes queued and running at once; a login or registration past it is "
     "answered 429 at once (default: 16 per --password-threads)");
  // clang-format on

  po::parsed_options flags(&options);
  try {
    flags = po::command_line_parser(argc, argv).options(options).run();
  } catch (const po::error& error) {
    err << "parley: " << error.what() << " (see parley --help)\n";
    return {std::nullopt, 2};
  }
  const auto flag_given = [&flags](const std::string& name) {
    return std::any_of(flags.options.begin(), flags.options.end(),
                       [&name](const po::option& flag) { return flag.string_key == name; });
  };
  if (flag_given("help")) {
    out << options << "\n";
    return {std::nullopt, 0};
  }
  if (flag_given("version")) {
    out << "parley " << version << "\n";
    return {std::nullopt, 0};
  }
  LayeredOptions layered;
  try {
    layered = load_layered_options(options, flags, environment, server_layer_rules());
  } catch (const SettingError& error) {
    err << "parley: " << error.what() << "\n";
    return {std::nullopt, 2};
  }
  const po::variables_map& values = layered.values;

  // One line naming the setting, where it was given, and the rule it breaks.
  const auto refuse = [&err, &layered](const std::string& setting,
                                       const std::string& rule) -> ParsedCommandLine {
    err << "parley: invalid setting " << describe(setting, layered.source_of(setting)) << ": "
        << rule << "\n";
    return {std::nullopt, 2};
  };
  if (port > 65535) return refuse("port", "must be 0-65535");
  if (!redis_url.empty()) {
    config.redis = bus::parse_redis_url(redis_url);
    if (!config.redis) return refuse("redis", "must be redis://[:password@]host[:port]");
  }
  if (gap_wait_ms < 0 || gap_wait_ms > 60000) return refuse("gap-wait-ms", "must be 0-60000");
  config.service.gap_wait = std::chrono::milliseconds(gap_wait_ms);
  config.port = static_cast<std::uint16_t>(port);
  auto level = obs::parse_log_level(log_level);
  if (!level) return refuse("log-level", "must be debug, info, warn or error");
  config.log_level = *level;
  auto format = obs::parse_log_format(log_format);
  if (!format) return refuse("log-format", "must be human or json");
  config.log.format = *format;
  if (access_log.empty()) return refuse("access-log", "must be off, log, stderr or a file's path");
  obs::parse_access_log(access_log, config.log);
  for (const std::string& proxy : trusted_proxies) {
    if (!config.trusted_proxies.add(proxy)) {
      return refuse("trusted-proxy",
                    proxy + " is neither an address nor a CIDR (e.g. 10.0.0.0/8, fd00::/8)");
    }
  }
  if (store == "sqlite") {
    config.store = StoreKind::sqlite;
  } else if (store == "memory") {
    config.store = StoreKind::memory;
  } else {
    return refuse("store", "must be sqlite or memory");
  }
  const std::optional<bool> use_database = database_chosen(layered);
  if (!use_database) return refuse("database", "excludes store, given in the same place");
  if (*use_database) {
    if (!is_postgres_url(database_url)) {
      return refuse("database", "must be a postgresql:// or postgres:// URL");
    }
    config.store = StoreKind::postgres;
    config.database_url = database_url;
  }
  if (durability == "full") {
    config.durability = store::Durability::full;
  } else if (durability == "normal") {
    config.durability = store::Durability::normal;
  } else {
    return refuse("durability", "must be full or normal");
  }
  if (max_frame < 65536) return refuse("max-frame-bytes", "must be at least 65536");
  if (max_queued < max_frame) return refuse("max-queued-bytes", "must be at least max-frame-bytes");
  if (max_in_flight < 1) return refuse("max-in-flight-sends", "must be at least 1");
  if (max_page < 65536) return refuse("max-page-bytes", "must be at least 65536");
  if (frame_rate > 0 && frame_burst < 1) return refuse("ws-frame-burst", "must be at least 1");
  if (typing_interval_ms < 0) return refuse("typing-interval-ms", "must not be negative");
  if (idle_timeout < 2) return refuse("idle-timeout", "must be at least 2 (a ping goes at half)");
  for (const auto& [setting, seconds] : {std::pair{"close-timeout", close_timeout},
                                         {"http-timeout", http_timeout},
                                         {"shutdown-timeout", shutdown_timeout}}) {
    if (seconds < 1) return refuse(setting, "must be at least 1 second");
  }
  if (close_timeout >= shutdown_timeout) {
    // Each socket's own deadline must come first, or one peer that never
    // answers its close cuts off every other socket's last acks.
    return refuse("close-timeout", "must be shorter than shutdown-timeout");
  }
  if (replay_limit < 1000) return refuse("replay-limit", "must be at least 1000");
  if (max_batch < 1) return refuse("max-batch", "must be at least 1");
  if (commit_window_us < 0 || commit_window_us > 100000) {
    return refuse("commit-window-us", "must be from 0 to 100000");
  }
  if (header_bytes < 1024) return refuse("max-header-bytes", "must be at least 1024");
  if (body_bytes < 1024) return refuse("max-body-bytes", "must be at least 1024");

  config.data_dir = data_dir;
  config.web_dir = web_dir;
  for (const auto& [setting, count] : {std::pair{"session-days", session_days},
                                       {"guest-idle-hours", guest_idle_hours},
                                       {"login-failure-minutes", login_failure_minutes},
                                       {"session-check-seconds", session_check_seconds},
                                       {"poll-presence-seconds", poll_presence_seconds}}) {
    if (count < 1) return refuse(setting, "must be at least 1");
  }
  if (password_threads < 1) return refuse("password-threads", "must be at least 1");
  config.identity.session_check = std::chrono::seconds(session_check_seconds);
  if (retention_interval < 1 || retention_interval > 86400 * 365) {
    return refuse("retention-interval", "must be from 1 to 31536000 (a year)");
  }
  if (retention_days > 1000000) return refuse("retention-days", "must be at most 1000000");
  config.retention.max_days = retention_days;
  config.retention.max_events = retention_messages;
  config.retention.interval = std::chrono::seconds(retention_interval);
  config.polls.presence_timeout = std::chrono::seconds(poll_presence_seconds);
  config.identity.allow_guests = !no_guests;
  config.identity.transport = behind_tls ? auth::Transport::tls : auth::Transport::plain;
  config.identity.allowed_origins = allowed_origins;
  config.identity.session_lifetime = std::chrono::hours(24 * session_days);
  config.identity.guest_idle_lifetime = std::chrono::hours(guest_idle_hours);
  config.identity.login_failures_per_account = login_failures_per_account;
  config.identity.login_failures_per_address = login_failures_per_address;
  config.identity.login_failure_window = std::chrono::minutes(login_failure_minutes);
  config.identity.guests_per_address = guests_per_address;
  config.identity.registrations_per_address = registrations_per_address;
  config.identity.max_tokens_per_user = max_tokens_per_user;
  config.password_threads = password_threads;
  if (values.count("max-password-jobs") && max_password_jobs < 1) {
    return refuse("max-password-jobs", "must be at least 1");
  }
  config.max_password_jobs = values.count("max-password-jobs")
                                 ? max_password_jobs
                                 : Config::kPasswordJobsPerThread * password_threads;
  config.transport.ws_max_frame_bytes = max_frame;
  config.transport.ws_max_queued_bytes = max_queued;
  // One budget per client: a replay piece takes a quarter, what the room
  // holds back meanwhile the rest.
  config.service.replay_piece_bytes = max_queued / 4;
  config.rooms.max_held_bytes_per_member = max_queued - max_queued / 4;
  config.max_buffered_bytes = max_buffered;
  config.polls.max_page_bytes = max_page;
  config.transport.ws_frame_rate = frame_rate;
  config.transport.ws_frame_burst = frame_burst;
  config.service.typing_interval = std::chrono::milliseconds(typing_interval_ms);
  config.transport.ws_max_in_flight_sends = max_in_flight;
  config.transport.ws_idle_timeout = std::chrono::seconds(idle_timeout);
  config.transport.ws_close_timeout = std::chrono::seconds(close_timeout);
  config.transport.http_timeout = std::chrono::seconds(http_timeout);
  config.transport.http_header_bytes = header_bytes;
  config.transport.http_body_bytes = body_bytes;
  config.transport.max_connections = max_connections;
  config.transport.max_connections_per_address = max_connections_per_address;
  config.service.replay_limit = replay_limit;
  config.service.max_rooms_per_connection = max_rooms;
  config.store_worker.max_batch = max_batch;
  config.store_worker.commit_window = std::chrono::microseconds(commit_window_us);
  config.shutdown_timeout = std::chrono::seconds(shutdown_timeout);
  return {config, 0};
}

}  // namespace parley::app
