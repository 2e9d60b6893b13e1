#include "options.hpp"

#include <boost/program_options.hpp>
#include <iostream>
#include <random>

#include "nodes.hpp"

namespace parley::bench {

namespace po = boost::program_options;

std::size_t Options::total_connections() const {
  // Over HTTP the senders post from connections of their own.
  if (transport == Transport::ws) return rooms * members_per_room;
  return rooms * (members_per_room + senders_per_room);
}

const char* name_of(Transport transport) {
  switch (transport) {
    case Transport::ws:
      return "ws";
    case Transport::longpoll:
      return "longpoll";
    case Transport::poll:
      return "poll";
  }
  return "ws";
}

namespace {

std::string random_tag() {
  std::random_device random;
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string tag = "b";
  for (int i = 0; i < 5; ++i) tag += digits[random() % 36];
  return tag;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  std::string transport = "ws";
  std::string ports;
  po::options_description described(
      "parley-bench: load generator for parley (WebSocket and HTTP polling)\n\n"
      "Usage: parley-bench --port PORT[,PORT...] [options]\n"
      "Prints a progress line each second (stderr), a summary and one JSON line (stdout).\n\n"
      "Options");
  // clang-format off
  described.add_options()
    ("help,h", "print this help and exit")
    ("host", po::value(&o.host)->default_value(o.host), "server address (127.0.0.x only)")
    ("port", po::value(&ports),
     "server port (required); several nodes' ports separated by commas (8001,8002,8003): "
     "each room's members are spread over them round robin")
    ("transport", po::value(&transport)->default_value(transport),
     "ws, longpoll (GET ...?after=S&wait=W) or poll (GET ...?after=S at --poll-rate)")
    ("rooms", po::value(&o.rooms)->default_value(o.rooms), "rooms")
    ("members-per-room", po::value(&o.members_per_room)->default_value(o.members_per_room),
     "receiving connections per room (WebSocket senders count among them)")
    ("senders-per-room", po::value(&o.senders_per_room)->default_value(o.senders_per_room),
     "sending connections per room (over HTTP: extra connections that POST)")
    ("rate", po::value(&o.rate)->default_value(o.rate), "messages per second per sender (open loop)")
    ("in-flight", po::value(&o.in_flight)->default_value(o.in_flight),
     "closed loop: unacked sends per sender (0: use --rate); over HTTP at most 1")
    ("text-bytes", po::value(&o.text_bytes)->default_value(o.text_bytes),
     "message text size (holds the send time, \"t=<ns>\", then padding)")
    ("warmup", po::value(&o.warmup_seconds)->default_value(o.warmup_seconds),
     "seconds of sending before measuring")
    ("duration", po::value(&o.duration_seconds)->default_value(o.duration_seconds),
     "seconds measured (with --idle: seconds the connections are held)")
    ("drain", po::value(&o.drain_seconds)->default_value(o.drain_seconds),
     "seconds allowed after sending stops for the last acks and deliveries")
    ("idle", po::bool_switch(&o.idle), "connect and join only: memory per connection, connect rate")
    ("connect-rate", po::value(&o.connect_rate)->default_value(o.connect_rate),
     "connections started per second (0: as fast as --connect-window allows)")
    ("connect-window", po::value(&o.connect_window)->default_value(o.connect_window),
     "connections being set up at once")
    ("connect-timeout", po::value(&o.connect_timeout_seconds)->default_value(o.connect_timeout_seconds),
     "seconds allowed for all connections to be set up")
    ("source-addresses", po::value(&o.source_addresses)->default_value(o.source_addresses),
     "local addresses 127.0.0.2... to bind (0: one per 10,000 connections)")
    ("wait", po::value(&o.poll_wait_seconds)->default_value(o.poll_wait_seconds),
     "long poll wait in seconds")
    ("poll-rate", po::value(&o.poll_rate)->default_value(o.poll_rate),
     "plain polls per second per poller (0: back to back)")
    ("server-pid", po::value(&o.server_pid)->default_value(0),
     "the server's pid: report its CPU per delivery and memory per connection")
    ("threads", po::value(&o.threads)->default_value(o.threads), "I/O threads of the tool (1 or 2)")
    ("tag", po::value(&o.tag), "prefix of user and room names (random by default)")
    ("quiet", po::bool_switch(&o.quiet), "no progress line");
  // clang-format on
  po::variables_map values;
  const auto refuse = [&](const std::string& why) -> std::optional<Options> {
    std::cerr << "parley-bench: " << why << "\n(see parley-bench --help)\n";
    exit_code = 2;
    return std::nullopt;
  };
  try {
    po::store(po::parse_command_line(argc, argv, described), values);
    po::notify(values);
  } catch (const po::error& error) {
    return refuse(error.what());
  }
  if (values.count("help")) {
    std::cout << described << "\n";
    exit_code = 0;
    return std::nullopt;
  }
  if (auto parsed = parse_ports(ports)) {
    o.ports = std::move(*parsed);
  } else {
    return refuse("--port must be 1-65535, or several such ports separated by commas, none twice");
  }
  if (transport == "ws")
    o.transport = Transport::ws;
  else if (transport == "longpoll")
    o.transport = Transport::longpoll;
  else if (transport == "poll")
    o.transport = Transport::poll;
  else
    return refuse("--transport must be ws, longpoll or poll");
  if (o.host.rfind("127.", 0) != 0) return refuse("--host must be a loopback address (127.x.x.x)");
  if (o.rooms < 1 || o.members_per_room < 1)
    return refuse("--rooms and --members-per-room must be >= 1");
  if (o.transport == Transport::ws && o.senders_per_room > o.members_per_room) {
    return refuse("--senders-per-room cannot exceed --members-per-room over WebSocket");
  }
  if (o.rate <= 0 && o.in_flight == 0) return refuse("--rate must be > 0 (or give --in-flight)");
  if (o.transport != Transport::ws && o.in_flight > 1) {
    return refuse("over HTTP a sender has at most one request in flight (--in-flight 1)");
  }
  if (o.text_bytes < 24 || o.text_bytes > 4000) return refuse("--text-bytes must be 24-4000");
  if (o.duration_seconds <= 0 || o.warmup_seconds < 0 || o.drain_seconds < 0) {
    return refuse("--duration must be > 0, --warmup and --drain >= 0");
  }
  if (o.threads < 1 || o.threads > 2) return refuse("--threads must be 1 or 2");
  if (o.connect_window < 1) return refuse("--connect-window must be >= 1");
  if (o.poll_wait_seconds > 60) return refuse("--wait must be 0-60");
  if (o.source_addresses == 0) o.source_addresses = 1 + o.total_connections() / 10000;
  if (o.source_addresses > 250) return refuse("--source-addresses must be at most 250");
  if (o.tag.empty()) o.tag = random_tag();
  if (o.tag.size() > 12) return refuse("--tag must be at most 12 characters");
  return o;
}

}  // namespace parley::bench
