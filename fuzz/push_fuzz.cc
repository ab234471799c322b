// Fuzz target: a push request body (edgestay.push/1) sent with a valid book token, through
// the server's validation and push code into a real SQLite store.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace edgestay::server::fuzz;
  const Fixture& f = Get();
  const std::string body = Expand({reinterpret_cast<const char*>(data), size});
  const std::string raw = "POST /v1/hotels/" + std::to_string(f.hotel_id) +
                          "/mutations HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer " + f.book_token +
                          "\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::string response = Exchange(raw);
  // Every request gets an HTTP answer, and never a 500 (an internal error is a bug).
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.compare(9, 3, "500") == 0) __builtin_trap();
  return 0;
}
