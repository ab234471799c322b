#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <fstream>

namespace edgestay::server {

static const char kHex[] = "0123456789abcdef";

static std::string ToHex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

std::string RandomHex(size_t bytes) {
  std::string buf(bytes, '\0');
  auto* p = reinterpret_cast<unsigned char*>(buf.data());
  if (RAND_bytes(p, static_cast<int>(bytes)) != 1) {
    // OpenSSL's CSPRNG failed: fall back to the kernel's directly; never to a weak PRNG.
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    if (!urandom.read(buf.data(), static_cast<std::streamsize>(bytes))) std::abort();
  }
  return ToHex(p, bytes);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return ToHex(digest, sizeof digest);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool LooksLikeToken(std::string_view t) {
  if (t.size() != 64) return false;
  for (char c : t)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status Authenticator::Authenticate(const std::string& header, Principal* out) {
  static const std::string kBearer = "Bearer ";
  if (header.empty()) return Status::Error("UNAUTHORIZED", "missing bearer token");
  if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0)
    return Status::Error("UNAUTHORIZED", "Authorization must be 'Bearer <token>'");
  std::string token = header.substr(kBearer.size());
  while (!token.empty() && token.back() == ' ') token.pop_back();
  if (!LooksLikeToken(token)) return Status::Error("UNAUTHORIZED", "malformed token");
  const std::string hash = Sha256Hex(token);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end()) {
      if (it->second.expires > now) {
        *out = it->second.principal;
        return Status::Ok();
      }
      cache_.erase(it);
    }
  }
  TokenRecord rec;
  bool found = false;
  Status s = store_->FindToken(TokenSelector(token), &rec, &found);
  if (!s.ok()) return s;
  // Compare even when not found (against a dummy) so timing does not tell the two apart.
  const std::string stored = found ? rec.token_hash : std::string(64, '0');
  const bool match = ConstantTimeEquals(hash, stored);
  if (!found || !match || rec.revoked) return Status::Error("UNAUTHORIZED", "invalid token");
  *out = rec.principal;
  if (cache_ms_ > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() > 10000) cache_.clear();
    cache_[hash] = Entry{rec.principal, now + std::chrono::milliseconds(cache_ms_)};
  }
  return Status::Ok();
}

}  // namespace edgestay::server
