// A real edgestay-server API over a fresh SQLite store, without sockets, for the fuzz
// targets: a demo hotel, an admin and a book token. Inputs may name the tokens as
// "@ADMIN@" and "@BOOK@" (and the hotel as "@HOTEL@"); Expand swaps in the real values,
// so that seeds reach the handlers behind authentication.
#pragma once

#include <string>
#include <string_view>

namespace edgestay::server::fuzz {

struct Fixture {
  std::string admin_token;
  std::string book_token;
  long long hotel_id = 0;
};

const Fixture& Get();
std::string Expand(std::string_view input);
// Feeds one raw HTTP request through the front's framing and the routed API; returns
// the response bytes (or the framing error response).
std::string Exchange(std::string_view raw);

}  // namespace edgestay::server::fuzz
