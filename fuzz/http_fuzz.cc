// Fuzz target: raw bytes as they arrive on a connection, through the front's framing
// (http_framing.cc), httplib's parser, routing, authentication and every handler.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace edgestay::server::fuzz;
  const std::string response = Exchange(Expand({reinterpret_cast<const char*>(data), size}));
  // A complete request always gets an HTTP answer, and never a 500 (an internal error is a bug).
  if (!response.empty() &&
      (response.rfind("HTTP/1.1 ", 0) != 0 || response.compare(9, 3, "500") == 0))
    __builtin_trap();
  return 0;
}
