// The connection front of edgestay-server: its own listening socket, one event thread
// that owns every connection while it is idle or still sending its request, and a pool
// of workers that only ever see complete requests (framed by http_framing.h).
//
// Why not httplib's own listen loop: there a connection holds a worker thread from
// accept to close, so idle or slow sockets (more than --threads of them) lock everyone
// out, and chunked bodies are buffered without a limit. Here idle and slow connections
// cost a file descriptor and a small buffer; they are bounded in number (the longest
// idle is shed first) and in time (header, body and keep-alive timeouts).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <httplib.h>

namespace edgestay::server {

struct FrontLimits {
  int threads = 64;                   // workers (requests handled at once)
  int max_connections = 1024;         // open connections; beyond: the longest idle is closed
  size_t max_head_bytes = 16 * 1024;  // request line + headers
  size_t max_body_bytes = 1 << 20;    // any framing; larger -> 413
  size_t max_buffered_bytes = 256u << 20;  // request bytes held for all connections together
  int header_timeout_ms = 5000;       // from a request's first byte to its last header
  int body_timeout_ms = 10000;        // from a request's first byte to its last body byte
  int keep_alive_timeout_ms = 5000;   // an idle connection between requests
  int keep_alive_max_requests = 1000; // requests per connection, then it is closed
  int write_timeout_ms = 10000;       // a response that cannot be sent is abandoned
  std::string error_headers;          // "Name: value\r\n" lines on errors answered here
  bool log_rejections = false;        // one stderr line per request refused here
};

// httplib's request processing (routing, handlers, response writing) reached through
// its protected per-request entry point, fed from a complete canonical request.
class RoutedServer : public httplib::Server {
 public:
  // Handles one canonical request (ParseFrame output) and writes the response with
  // `write`. `close` asks for "Connection: close"; returns false when the response
  // says the connection must close (or writing failed).
  bool HandleOne(std::string_view request, bool close, const std::string& remote_ip,
                 int remote_port, const std::function<bool(const char*, size_t)>& write);
};

// Binds host:port exclusively (a port in use is an error, never shared); port 0 picks a
// free port. Returns the listening socket or -1 with *error set. *bound_port gets the port.
int BindListener(const std::string& host, int port, int* bound_port, std::string* error);

// Serves `listen_fd` until `Stop()` (from any thread) or a fatal error. Blocking.
class HttpFront {
 public:
  HttpFront(RoutedServer& server, const FrontLimits& limits);
  ~HttpFront();
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  bool Serve(int listen_fd);
  void Stop();

  struct Impl;

 private:
  Impl* impl_;
};

}  // namespace edgestay::server
