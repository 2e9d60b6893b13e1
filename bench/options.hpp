// The scenario a parley-bench run plays, from its command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::bench {

enum class Transport { ws, longpoll, poll };

struct Options {
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;  // one per node; a room's members go round robin over them
  Transport transport = Transport::ws;

  std::size_t rooms = 1;
  std::size_t members_per_room = 10;  // receivers; WebSocket senders are among them
  std::size_t senders_per_room = 1;
  double rate = 10.0;           // messages per second per sender (open loop)
  std::size_t in_flight = 0;    // > 0: closed loop, this many unacked sends per sender
  std::size_t text_bytes = 64;  // message text size, the send time included

  double warmup_seconds = 2;
  double duration_seconds = 10;
  double drain_seconds = 5;  // after sending stops, to collect acks and deliveries
  bool idle = false;         // connect and join only (memory and connection rate)

  double connect_rate = 0;           // new connections per second; 0: as fast as the window allows
  std::size_t connect_window = 256;  // connections being set up at once
  double connect_timeout_seconds = 120;
  std::size_t source_addresses = 0;  // 127.0.0.2...; 0: one per 10,000 connections

  unsigned poll_wait_seconds = 30;  // long polls
  double poll_rate = 0;             // plain polls per second per poller; 0: back to back

  int server_pid = 0;
  unsigned threads = 1;
  std::string tag;  // prefix of user and room names; random by default
  bool quiet = false;

  std::size_t nodes() const { return ports.size(); }
  std::size_t total_receivers() const { return rooms * members_per_room; }
  std::size_t total_connections() const;
  bool is_closed_loop() const { return in_flight > 0; }
};

// Parses argv; prints help or the reason for a refusal itself, and then
// returns nullopt with `exit_code` set.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

const char* name_of(Transport transport);

}  // namespace parley::bench
