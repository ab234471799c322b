// Request framing: see http_framing.h. Strict where a lenient reading would let two
// parsers disagree about where a request ends (request smuggling): both Content-Length
// and Transfer-Encoding, two different Content-Lengths, a space before the colon,
// folded header lines and any transfer coding other than a lone "chunked" are refused.
#include "http_framing.h"

#include <algorithm>
#include <cstdint>

namespace edgestay::server {
namespace {

bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x | 0x20);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y | 0x20);
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One line ending at '\n' (an optional '\r' before it is dropped). npos when the line
// has not fully arrived.
size_t LineEnd(std::string_view in, size_t from, std::string_view* line) {
  const size_t nl = in.find('\n', from);
  if (nl == std::string_view::npos) return std::string_view::npos;
  size_t end = nl;
  if (end > from && in[end - 1] == '\r') --end;
  *line = in.substr(from, end - from);
  return nl + 1;
}

Frame Error(int status, const char* code, std::string message) {
  Frame f;
  f.state = FrameState::kError;
  f.status = status;
  f.code = code;
  f.message = std::move(message);
  return f;
}

Frame TooLarge(const FrameLimits& limits) {
  return Error(413, "PAYLOAD_TOO_LARGE",
               "the request body is over the limit of " + std::to_string(limits.max_body_bytes) +
                   " bytes");
}

// Raw chunked framing may carry at most this many bytes for a body of max_body bytes
// (generous for real clients; a body of one-byte chunks is refused).
size_t MaxChunkedRaw(const FrameLimits& limits) { return 2 * limits.max_body_bytes + 4096; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

namespace {

// Parses the complete head in[start, head_end) into `p` (request line checks, framing
// headers replaced). Returns a kError frame, or a kNeedMore frame on success.
Frame ParseHead(std::string_view in, size_t start, size_t head_end, const FrameLimits& limits,
                FrameProgress* p) {
  if (head_end - start > limits.max_head_bytes)
    return Error(431, "HEADERS_TOO_LARGE",
                 "the request line and headers are over " + std::to_string(limits.max_head_bytes) +
                     " bytes");
  std::string_view request_line;
  size_t pos = LineEnd(in, start, &request_line);

  // Request line: METHOD SP TARGET SP HTTP/1.x
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp1 == 0 || sp2 == std::string_view::npos ||
      sp2 == sp1 + 1 || request_line.find(' ', sp2 + 1) != std::string_view::npos)
    return Error(400, "BAD_REQUEST", "malformed request line");
  for (size_t i = 0; i < sp1; ++i)
    if (!IsTokenChar(static_cast<unsigned char>(request_line[i])))
      return Error(400, "BAD_REQUEST", "malformed request method");
  for (size_t i = sp1 + 1; i < sp2; ++i) {
    const unsigned char c = static_cast<unsigned char>(request_line[i]);
    if (c <= 0x20 || c == 0x7f) return Error(400, "BAD_REQUEST", "malformed request target");
  }
  const std::string_view version = request_line.substr(sp2 + 1);
  const bool http10 = version == "HTTP/1.0";
  if (!http10 && version != "HTTP/1.1")
    return Error(505, "HTTP_VERSION_NOT_SUPPORTED", "only HTTP/1.0 and HTTP/1.1 are served");

  // Headers: keep all but the framing ones, which are replaced by one Content-Length.
  std::string head;
  head.reserve(head_end - start + 32);
  head.append(request_line);
  head += "\r\n";
  bool has_length = false, chunked = false, expect_continue = false;
  uint64_t length = 0;
  for (;;) {
    std::string_view line;
    pos = LineEnd(in, pos, &line);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t')
      return Error(400, "BAD_REQUEST", "folded header lines are not accepted");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return Error(400, "BAD_REQUEST", "malformed header line");
    const std::string_view name = line.substr(0, colon);
    for (char c : name)
      if (!IsTokenChar(static_cast<unsigned char>(c)))
        return Error(400, "BAD_REQUEST", "malformed header name");
    const std::string_view value = Trim(line.substr(colon + 1));
    for (char c : value)
      if (c == '\0' || c == '\r') return Error(400, "BAD_REQUEST", "malformed header value");
    if (EqualsNoCase(name, "Content-Length")) {
      if (value.empty()) return Error(400, "BAD_REQUEST", "Content-Length must be a number");
      uint64_t v = 0;
      for (char c : value) {
        if (c < '0' || c > '9')
          return Error(400, "BAD_REQUEST", "Content-Length must be a decimal number of bytes");
        // Saturate: any length over the limit is refused below, however many digits.
        if (v <= limits.max_body_bytes) v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      if (has_length && v != length)
        return Error(400, "BAD_REQUEST", "conflicting Content-Length headers");
      has_length = true;
      length = v;
      continue;
    }
    if (EqualsNoCase(name, "Transfer-Encoding")) {
      if (chunked || !EqualsNoCase(value, "chunked"))
        return Error(501, "NOT_IMPLEMENTED", "Transfer-Encoding must be chunked alone");
      chunked = true;
      continue;
    }
    if (EqualsNoCase(name, "Expect")) {
      if (EqualsNoCase(value, "100-continue")) expect_continue = true;
      continue;
    }
    head.append(line);
    head += "\r\n";
  }
  if (has_length && chunked)
    return Error(400, "BAD_REQUEST", "both Content-Length and Transfer-Encoding");
  if (chunked && http10)
    return Error(400, "BAD_REQUEST", "chunked transfer coding needs HTTP/1.1");
  if (has_length && length > limits.max_body_bytes) return TooLarge(limits);
  p->head_done = true;
  p->head_end = head_end;
  p->head = std::move(head);
  p->chunked = chunked;
  p->expect_continue = expect_continue;
  p->length = static_cast<size_t>(length);
  p->raw_pos = head_end;
  return Frame{};
}

Frame Complete(FrameProgress* p, size_t consumed, std::string_view body) {
  Frame f;
  f.state = FrameState::kComplete;
  f.head_complete = true;
  f.expect_continue = p->expect_continue;
  f.consumed = consumed;
  f.request = std::move(p->head);
  f.request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  f.request.append(body);
  return f;
}

}  // namespace

Frame ParseFrame(std::string_view in, const FrameLimits& limits, FrameProgress* progress) {
  FrameProgress local;
  FrameProgress& p = progress ? *progress : local;

  if (!p.head_done) {
    size_t start = 0;
    while (start < in.size() && (in[start] == '\r' || in[start] == '\n')) ++start;
    if (start > limits.max_head_bytes)
      return Error(400, "BAD_REQUEST", "too many empty lines before the request");
    // The head ends at the first empty line: a '\n' followed by "\n" or "\r\n". Only
    // bytes not searched before are searched (two back, for a split terminator).
    size_t from = std::max(start, p.scanned >= 2 ? p.scanned - 2 : 0);
    size_t head_end = std::string_view::npos;
    for (size_t i = in.find('\n', from); i != std::string_view::npos; i = in.find('\n', i + 1)) {
      if (i + 1 >= in.size()) break;
      if (in[i + 1] == '\n') {
        head_end = i + 2;
        break;
      }
      if (in[i + 1] == '\r') {
        if (i + 2 >= in.size()) break;
        if (in[i + 2] == '\n') {
          head_end = i + 3;
          break;
        }
      }
    }
    if (head_end == std::string_view::npos) {
      p.scanned = in.size();
      if (in.size() - start > limits.max_head_bytes)
        return Error(431, "HEADERS_TOO_LARGE",
                     "the request line and headers are over " +
                         std::to_string(limits.max_head_bytes) + " bytes");
      return Frame{};
    }
    Frame head = ParseHead(in, start, head_end, limits, &p);
    if (head.state == FrameState::kError) return head;
  }

  Frame more;
  more.head_complete = true;
  more.expect_continue = p.expect_continue;
  if (!p.chunked) {
    if (in.size() - p.head_end < p.length) return more;
    return Complete(&p, p.head_end + p.length, in.substr(p.head_end, p.length));
  }

  // chunk = hex-size [; ext] CRLF data CRLF; last-chunk = 0 CRLF; then trailers CRLF.
  // p.raw_pos always sits at the start of a chunk (or of a trailer line).
  while (!p.in_trailers) {
    size_t pos = p.raw_pos;
    if (pos - p.head_end > MaxChunkedRaw(limits)) return TooLarge(limits);
    std::string_view line;
    const size_t next = LineEnd(in, pos, &line);
    if (next == std::string_view::npos) {
      if (in.size() - pos > 1024) return Error(400, "BAD_REQUEST", "malformed chunk size line");
      return more;
    }
    // The same bound whether the line arrives at once or in pieces (see above).
    if (next - pos > 1025) return Error(400, "BAD_REQUEST", "malformed chunk size line");
    const size_t semi = line.find(';');
    const std::string_view hex = Trim(semi == std::string_view::npos ? line : line.substr(0, semi));
    if (hex.empty()) return Error(400, "BAD_REQUEST", "malformed chunk size");
    uint64_t size = 0;
    for (char c : hex) {
      const int d = HexDigit(c);
      if (d < 0) return Error(400, "BAD_REQUEST", "malformed chunk size");
      if (size <= limits.max_body_bytes) size = size * 16 + static_cast<uint64_t>(d);
    }
    if (size > limits.max_body_bytes - p.body.size()) return TooLarge(limits);
    pos = next;
    if (size == 0) {
      p.in_trailers = true;
      p.raw_pos = pos;
      p.trailers_start = pos;
      break;
    }
    if (in.size() - pos < size + 1) return more;
    const size_t data = pos;
    pos += static_cast<size_t>(size);
    if (in[pos] == '\r') {
      if (in.size() - pos < 2) return more;
      ++pos;
    }
    if (in[pos] != '\n') return Error(400, "BAD_REQUEST", "chunk data longer than its size");
    p.body.append(in.substr(data, static_cast<size_t>(size)));
    p.raw_pos = pos + 1;
  }
  // Trailer fields are read and dropped; they count against the head limit.
  for (;;) {
    std::string_view line;
    const size_t next = LineEnd(in, p.raw_pos, &line);
    if (next == std::string_view::npos) {
      if (in.size() - p.trailers_start > limits.max_head_bytes)
        return Error(431, "HEADERS_TOO_LARGE", "chunked trailers are too large");
      return more;
    }
    p.raw_pos = next;
    if (p.raw_pos - p.trailers_start > limits.max_head_bytes)
      return Error(431, "HEADERS_TOO_LARGE", "chunked trailers are too large");
    if (line.empty()) break;
  }
  std::string body = std::move(p.body);
  return Complete(&p, p.raw_pos, body);
}

std::string ErrorBody(const std::string& code, const std::string& message) {
  return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
}

std::string ErrorResponse(int status, const std::string& code, const std::string& message,
                          const std::string& extra_headers) {
  const std::string body = ErrorBody(code, message);
  const char* reason = "Error";
  switch (status) {
    case 400: reason = "Bad Request"; break;
    case 408: reason = "Request Timeout"; break;
    case 413: reason = "Payload Too Large"; break;
    case 431: reason = "Request Header Fields Too Large"; break;
    case 501: reason = "Not Implemented"; break;
    case 503: reason = "Service Unavailable"; break;
    case 505: reason = "HTTP Version Not Supported"; break;
  }
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  out += "Content-Type: application/json\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "Connection: close\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
  return out;
}

}  // namespace edgestay::server
