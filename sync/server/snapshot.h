// Signed snapshot bootstrap (docs/SERVER.md "Snapshots"): an SQLite image of what a token's
// scope may see of one hotel, in the engine's own schema, with the cursor it is valid at,
// signed with the server's Ed25519 key so a node can trust an image a CDN handed it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "store.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace edgestay::server {

struct Snapshot {
  std::string image;      // SQLite database image
  std::string cursor;     // the hotel's cursor the image is valid at
  int64_t synced_at = 0;  // ms, the store's read time
  int64_t hotel_id = 0;
  std::string signature;  // base64 Ed25519 over SignedMessage()
  std::string etag;       // "\"<sha-256 of the image, hex>\""
  bool shared = false;    // no per-user rows: one image serves every token of the scope
  int64_t made_at_ms = 0;
};

// The bytes that are signed: a version line, hotel, cursor, syncedAt and the image's
// SHA-256, each on its own line (sync/FORMAT.md §7).
std::string SnapshotMessage(int64_t hotel_id, const std::string& cursor, int64_t synced_at,
                            const std::string& image_sha256_hex);

class SnapshotService {
 public:
  SnapshotService(Store& store, int interval_seconds) : store_(store), interval_s_(interval_seconds) {}
  ~SnapshotService();
  // key_path empty: a fresh key for this process only. Otherwise the PEM file is read, or
  // created (mode 0600) when it does not exist.
  Status LoadKey(const std::string& key_path);
  // The newest image for this principal, made at most every interval per (hotel, view).
  Status Get(int64_t hotel_id, const Principal& who, std::shared_ptr<const Snapshot>* out);
  // { algorithm, publicKey (base64 of the raw 32 bytes), keyId }
  std::string PublicKeyJson() const;
  int interval_seconds() const { return interval_s_; }

 private:
  Status Build(int64_t hotel_id, const Principal& who, Snapshot* out);
  Store& store_;
  int interval_s_;
  EVP_PKEY* key_ = nullptr;
  std::string public_b64_;
  std::string key_id_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Snapshot>> cache_;  // key: hotel + view
  std::map<std::string, std::shared_ptr<std::mutex>> building_;   // one build per key at a time
};

}  // namespace edgestay::server
