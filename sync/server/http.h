// The HTTP API of edgestay-server (docs/SERVER.md).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "store.h"

namespace edgestay::server {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8787;                 // 0 = any free port (printed on stdout)
  int threads = 64;                // HTTP worker threads (requests handled at once)
  size_t max_body_bytes = 1 << 20; // larger bodies -> 413, whatever the framing
  int max_connections = 1024;      // open connections; beyond, the longest idle is closed
  int header_timeout_ms = 5000;    // a request's headers must arrive within this
  int body_timeout_ms = 10000;     // a whole request must arrive within this
  int keep_alive_seconds = 5;      // an idle connection between requests is closed after
  int keep_alive_max_requests = 1000;  // requests per connection
  int max_wait_seconds = 60;       // long-poll cap
  int max_long_polls = 0;          // concurrent waiting pulls (0 = threads / 2); beyond
                                   // it a pull answers at once (as with wait=0)
  std::string cors_origin = "*";   // Access-Control-Allow-Origin ("" = no CORS headers)
  int token_cache_ms = 5000;       // verified tokens are trusted this long
  bool access_log = false;         // one line per request on stderr
  int hold_sweep_seconds = 5;      // how often expired holds give their rooms back
  std::string store_spec;          // for the PostgreSQL LISTEN connection
};

class ChangeNotifier;
class RoutedServer;

// The API's routes on an httplib server, without sockets: RunHttpServer puts the
// connection front (http_front.h) before it, the HTTP fuzz target feeds it directly.
class ApiServer {
 public:
  ApiServer(Store& store, const ServerConfig& cfg, ChangeNotifier& notifier);
  ~ApiServer();
  RoutedServer& server();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serves until SIGINT/SIGTERM; returns the process exit code.
int RunHttpServer(Store& store, const ServerConfig& config);

// Rejects JSON nested deeper than max_depth before it is parsed (no recursion risk).
bool JsonDepthWithin(const std::string& body, int max_depth);

}  // namespace edgestay::server
