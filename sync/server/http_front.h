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

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
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

// The connection of a request answered later (RoutedServer::Defer): it belongs to the
// answer until the answer is sent. Implemented by the connection front.
class Responder {
 public:
  virtual ~Responder() = default;  // never sent: the connection is closed
  // Sends a complete HTTP response; `keep`: the connection then serves its next request.
  // Never blocks on a slow reader (what does not fit is finished elsewhere).
  virtual void Send(std::string response, bool keep) = 0;
};

class RoutedServer;

// A response a handler finishes later, on any thread: written by httplib's own response
// writer (headers, keep-alive, compression, the access log and metrics) as if the
// handler had set it before returning.
class DeferredResponse {
 public:
  // Sets the response as a handler would (status, headers, body) and sends it. Once;
  // an exception from `fill` answers 500. Dropping the object unfinished closes the
  // connection.
  void Finish(const std::function<void(httplib::Response&)>& fill);

 private:
  friend class RoutedServer;
  RoutedServer* server_ = nullptr;
  httplib::Request req_;   // what httplib's writer and the access log read of the request
  httplib::Response res_;  // as the handler left it (default headers included)
  bool close_ = false;     // "Connection: close" asked for by the front
  bool keep_ = true;       // the connection may serve another request afterwards
  std::chrono::steady_clock::time_point started_;  // the request's timing (metrics)
  std::unique_ptr<Responder> to_;
};

// httplib's request processing (routing, handlers, response writing) reached through
// its protected per-request entry point, fed from a complete canonical request.
class RoutedServer : public httplib::Server {
 public:
  enum class Handled { kKeep, kClose, kDeferred };
  // Handles one canonical request (ParseFrame output) and writes the response with
  // `write`. `close` asks for "Connection: close". kClose: the response says the
  // connection must close (or writing failed). kDeferred (only with `take`): a handler
  // deferred its answer; `take` was called for the connection, which the answer now owns.
  Handled Handle(std::string_view request, bool close, const std::string& remote_ip,
                 int remote_port, const std::function<bool(const char*, size_t)>& write,
                 const std::function<std::unique_ptr<Responder>()>& take);
  // As Handle without deferral: true unless the connection must close.
  bool HandleOne(std::string_view request, bool close, const std::string& remote_ip,
                 int remote_port, const std::function<bool(const char*, size_t)>& write);

  // From a handler: answer later. False when this request cannot be deferred (it did not
  // come through Handle with `take`): the handler answers now. Otherwise the handler
  // returns at once and `start` runs after it, once the answer owns the connection; it
  // must lead to one DeferredResponse::Finish (or drop the object: the connection closes).
  static bool Defer(const httplib::Request& req, httplib::Response& res,
                    std::function<void(std::shared_ptr<DeferredResponse>)> start);

 private:
  friend class DeferredResponse;
  // httplib's writer of a routed request's response (private in httplib::Server).
  bool WriteResponse(httplib::Stream& strm, bool close, const httplib::Request& req,
                     httplib::Response& res);
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
