// Fuzz target: raw bytes as they arrive on a connection, through the front's framing
// (http_framing.cc), httplib's parser, routing, authentication and every handler.
// Also differential: framing the bytes as they trickle in (growing prefixes, with the
// connection's FrameProgress) must give exactly what framing them at once gives.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http_framing.h"
#include "server_fixture.h"

namespace {

void CheckIncremental(const std::string& raw) {
  using namespace edgestay::server;
  FrameLimits limits;
  limits.max_head_bytes = 1024;  // small limits, so that the fuzzer reaches them
  limits.max_body_bytes = 2048;
  const Frame whole = ParseFrame(raw, limits);
  FrameProgress progress;
  Frame part;
  const size_t step = 1 + raw.size() % 13;
  for (size_t n = 0; n < raw.size();) {
    n = std::min(raw.size(), n + step);
    part = ParseFrame(std::string_view(raw).substr(0, n), limits, &progress);
    if (part.state != FrameState::kNeedMore) break;
  }
  if (raw.empty()) return;
  // A request complete in a prefix is the same request; an error may come earlier.
  if (part.state != whole.state || part.status != whole.status || part.consumed != whole.consumed ||
      part.request != whole.request)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace edgestay::server::fuzz;
  const std::string raw = Expand({reinterpret_cast<const char*>(data), size});
  CheckIncremental(raw);
  const std::string response = Exchange(raw);
  // A complete request always gets an HTTP answer, and never a 500 (an internal error is a bug).
  if (!response.empty() &&
      (response.rfind("HTTP/1.1 ", 0) != 0 || response.compare(9, 3, "500") == 0))
    __builtin_trap();
  return 0;
}
