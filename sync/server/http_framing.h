// HTTP/1.1 request framing for edgestay-server's connection front (http_front.cc).
//
// Decides, from the bytes a connection has sent so far, whether one whole request has
// arrived, and turns it into a canonical request: the head with Content-Length framing
// (chunked bodies are de-chunked here) followed by exactly that many body bytes. Size
// limits are enforced while the bytes arrive — a declared or de-chunked body over the
// limit is refused before anything is buffered beyond it and before any routing or
// authentication runs. Pure and allocation-bounded: the fuzz target calls it directly.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace edgestay::server {

struct FrameLimits {
  size_t max_head_bytes = 16 * 1024;  // request line + headers
  size_t max_body_bytes = 1 << 20;    // after de-chunking
};

enum class FrameState {
  kNeedMore,  // no complete request yet; read more bytes
  kComplete,  // `request` holds one canonical request; `consumed` input bytes used
  kError,     // answer `status`/`code`/`message` and close the connection
};

struct Frame {
  FrameState state = FrameState::kNeedMore;
  bool head_complete = false;     // the request line and headers have all arrived
  bool expect_continue = false;   // the client waits for "100 Continue" before the body
  size_t consumed = 0;            // input bytes that made up this request
  std::string request;            // canonical head + body (kComplete)
  int status = 0;                 // HTTP status (kError)
  std::string code;               // error code (kError)
  std::string message;            // error message (kError)
};

// What ParseFrame learnt from the bytes so far, so that a connection whose request
// arrives in many small pieces is parsed in linear time: the head is searched only in new
// bytes and parsed once, and a chunked body is decoded chunk by chunk as it arrives.
// Pass the same object with the same (growing) input until the request completes or
// fails, then reset it for the next request.
struct FrameProgress {
  size_t scanned = 0;          // bytes already searched for the end of the head
  bool head_done = false;      // the fields below are valid
  size_t head_end = 0;
  std::string head;            // canonical request line + headers, no framing headers
  bool chunked = false;
  bool expect_continue = false;
  size_t length = 0;           // Content-Length
  size_t raw_pos = 0;          // chunked: first byte not decoded yet
  std::string body;            // chunked: decoded so far
  bool in_trailers = false;
  size_t trailers_start = 0;
};

// Parses the first request in `in`. Leading empty lines are skipped (RFC 9112 §2.2).
// Without `progress`, every call starts from scratch.
Frame ParseFrame(std::string_view in, const FrameLimits& limits, FrameProgress* progress = nullptr);

// The API's JSON error body. Codes and messages come from this server only (no client
// bytes), so nothing is escaped.
std::string ErrorBody(const std::string& code, const std::string& message);

// A complete "HTTP/1.1 <status>" response with the JSON error body of the API and
// "Connection: close"; `extra_headers` are "Name: value\r\n" lines.
std::string ErrorResponse(int status, const std::string& code, const std::string& message,
                          const std::string& extra_headers);

}  // namespace edgestay::server
