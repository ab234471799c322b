// The HTTP API of edgestay-server (docs/SERVER.md).
#pragma once

#include <cstddef>
#include <string>

#include "store.h"

namespace edgestay::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8787;                 // 0 = any free port (printed on stdout)
  int threads = 64;                // HTTP worker threads (one per open connection)
  size_t max_body_bytes = 1 << 20; // larger bodies -> 413
  int keep_alive_seconds = 2;      // idle keep-alive connections hold a worker this long
  int max_wait_seconds = 60;       // long-poll cap
  int max_long_polls = 0;          // concurrent waiting pulls (0 = threads / 2); beyond
                                   // it a pull answers at once (as with wait=0)
  std::string cors_origin = "*";   // Access-Control-Allow-Origin ("" = no CORS headers)
  int token_cache_ms = 5000;       // verified tokens are trusted this long
  bool access_log = false;         // one line per request on stderr
  int hold_sweep_seconds = 5;      // how often expired holds give their rooms back
  std::string store_spec;          // for the PostgreSQL LISTEN connection
  std::string snapshot_key_path;   // Ed25519 PEM signing snapshots ("" = a key per process)
  int snapshot_interval_seconds = 60;  // a hotel's snapshot is made at most this often
};

// Serves until SIGINT/SIGTERM; returns the process exit code.
int RunHttpServer(Store& store, const ServerConfig& config);

// Rejects JSON nested deeper than max_depth before it is parsed (no recursion risk).
bool JsonDepthWithin(const std::string& body, int max_depth);

}  // namespace edgestay::server
