// Bearer tokens: generation, hashing, constant-time verification, and a short-lived
// cache of verified tokens so that a busy edge does not cost a store round trip per
// request.
//
// A token is 32 random bytes written as 64 lowercase hex digits. The store keeps its
// first 16 digits as a lookup selector and the SHA-256 of the whole token; the token
// itself is never stored. Verification recomputes the hash and compares it with the
// stored one in constant time (CRYPTO_memcmp).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol_names.h"
#include "store.h"

namespace edgestay::server {

std::string RandomHex(size_t bytes);
std::string Sha256Hex(std::string_view data);
bool ConstantTimeEquals(std::string_view a, std::string_view b);
bool LooksLikeToken(std::string_view token);
inline std::string TokenSelector(std::string_view token) { return std::string(token.substr(0, 16)); }

class Authenticator {
 public:
  // cache_ms: how long a verified token is trusted without asking the store again
  // (also the longest a revocation takes to bite).
  Authenticator(Store* store, int cache_ms) : store_(store), cache_ms_(cache_ms) {}
  // header: the Authorization header value. UNAUTHORIZED when missing, malformed,
  // unknown or revoked; a DB_* code when the store failed.
  Status Authenticate(const std::string& header, Principal* out);

 private:
  struct Entry {
    Principal principal;
    std::chrono::steady_clock::time_point expires;
  };
  Store* store_;
  int cache_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // key: SHA-256 of the token
};

}  // namespace edgestay::server
