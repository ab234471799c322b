// Signed snapshots (see snapshot.h). The image is made with the engine's own schema code
// (wasm/src/schema.cc, compiled into the server), so an engine opens it as its own
// database; rows are the store's rows in FORMAT.md columns, chosen by the same access rule
// as pulls and checksums.
#include "snapshot.h"

#include <sys/stat.h>

#include <cstdio>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth.h"
#include "protocol_names.h"
#include "row_access.h"
#include "schema.h"
#include "sql_store.h"
#include "sqlite3.h"

namespace edgestay::server {
namespace {

std::string Base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

// Row filter of a table for one hotel; `user` = $2 when the access is per user.
std::string HotelFilter(TableId t, bool per_user) {
  const std::string u = per_user ? " AND user_id = $2" : "";
  switch (t) {
    case TableId::kHotels: return "id = $1";
    case TableId::kRoomTypes: return "hotel_id = $1";
    case TableId::kRoomInventory: return "room_type_id IN (SELECT id FROM room_types WHERE hotel_id = $1)";
    case TableId::kBookingRules:
    case TableId::kSpecialDays: return "hotel_id = $1";
    case TableId::kBookings:
    case TableId::kWaitlist: return "hotel_id = $1" + u;
    case TableId::kPayments:
    case TableId::kNotifications:
      return "booking_id IN (SELECT id FROM bookings WHERE hotel_id = $1" + u + ")";
  }
  return "1 = 0";
}

constexpr TableId kAllTables[] = {TableId::kHotels,      TableId::kRoomTypes,   TableId::kRoomInventory,
                                  TableId::kBookingRules, TableId::kSpecialDays, TableId::kBookings,
                                  TableId::kWaitlist,     TableId::kPayments,    TableId::kNotifications};

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};

Status SqliteFail(sqlite3* db, const std::string& what) {
  return Status::Error(kDbError, "snapshot " + what + ": " + sqlite3_errmsg(db));
}

}  // namespace

std::string SnapshotMessage(int64_t hotel_id, const std::string& cursor, int64_t synced_at,
                            const std::string& image_sha256_hex) {
  return "edgestay.snapshot/1\n" + std::to_string(hotel_id) + "\n" + cursor + "\n" +
         std::to_string(synced_at) + "\n" + image_sha256_hex + "\n";
}

SnapshotService::~SnapshotService() { EVP_PKEY_free(key_); }

Status SnapshotService::LoadKey(const std::string& key_path) {
  EVP_PKEY* key = nullptr;
  if (!key_path.empty()) {
    if (FILE* f = std::fopen(key_path.c_str(), "r")) {
      key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
      std::fclose(f);
      if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key);
        return Status::Error("INVALID_ARGUMENT", "--snapshot-key " + key_path + " is not an Ed25519 private key (PEM)");
      }
    }
  }
  if (!key) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (!key) return Status::Error("INTERNAL", "cannot generate an Ed25519 key");
    if (!key_path.empty()) {
      const mode_t old = ::umask(077);
      FILE* f = std::fopen(key_path.c_str(), "w");
      ::umask(old);
      const bool written = f && PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
      if (f) std::fclose(f);
      if (!written) {
        EVP_PKEY_free(key);
        return Status::Error("INVALID_ARGUMENT", "cannot write the snapshot key to " + key_path);
      }
    }
  }
  unsigned char pub[32];
  size_t len = sizeof pub;
  if (EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 || len != 32) {
    EVP_PKEY_free(key);
    return Status::Error("INTERNAL", "cannot read the Ed25519 public key");
  }
  EVP_PKEY_free(key_);
  key_ = key;
  public_b64_ = Base64(pub, len);
  key_id_ = Sha256Hex(std::string_view(reinterpret_cast<const char*>(pub), len)).substr(0, 16);
  return Status::Ok();
}

std::string SnapshotService::PublicKeyJson() const {
  json body = {{"algorithm", "Ed25519"}, {"publicKey", public_b64_}, {"keyId", key_id_},
               {"format", "edgestay.snapshot/1"}};
  return body.dump();
}

Status SnapshotService::Build(int64_t hotel_id, const Principal& who, Snapshot* out) {
  auto* sql = dynamic_cast<SqlStore*>(&store_);
  if (!sql) return Status::Error("INTERNAL", "snapshots need a SQL store");
  // Everything in one consistent read: the rows and the cursor they are valid at.
  std::vector<std::pair<TableId, Result>> tables;
  int64_t cursor = 0;
  Status s = WithTx(sql->backend(), TxKind::kRead, [&](Conn& c) -> Status {
    tables.clear();
    Result r;
    Status st = c.Query("SELECT last_seq FROM change_seq WHERE hotel_id = $1", {hotel_id}, &r);
    if (!st.ok()) return st;
    if (r.empty()) return Status::Error("UNKNOWN_HOTEL", "no such hotel");
    cursor = r.at(0, 0).Int();
    for (TableId id : kAllTables) {
      const TableSpec& t = Table(id);
      const RowAccess access = AccessTo(who, t.audience);
      if (access == RowAccess::kNone) continue;
      Params p = {hotel_id};
      if (access == RowAccess::kUser) p.emplace_back(*who.user_id);
      Result rows;
      st = c.Query("SELECT " + t.column_list + " FROM " + t.name + " WHERE " +
                       HotelFilter(id, access == RowAccess::kUser),
                   p, &rows);
      if (!st.ok()) return st;
      tables.emplace_back(id, std::move(rows));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;

  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    return Status::Error(kDbError, "snapshot: cannot open an in-memory database");
  }
  std::unique_ptr<sqlite3, SqliteCloser> db(raw);
  const Status schema = edgestay::EnsureSchema(db.get());
  if (!schema.ok()) return Status::Error(kDbError, "snapshot schema: " + schema.message());
  if (sqlite3_exec(db.get(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return SqliteFail(db.get(), "begin");
  for (const auto& [id, rows] : tables) {
    const TableSpec& t = Table(id);
    std::string marks;
    for (size_t i = 0; i < t.columns.size(); ++i) marks += i ? ", ?" : "?";
    const std::string insert = std::string("INSERT INTO ") + t.name + " (" + t.column_list + ") VALUES (" + marks + ")";
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.get(), insert.c_str(), -1, &st, nullptr) != SQLITE_OK) return SqliteFail(db.get(), "prepare");
    for (const auto& row : rows.rows) {
      for (size_t i = 0; i < t.columns.size(); ++i) {
        const int k = static_cast<int>(i) + 1;
        if (row[i].null) sqlite3_bind_null(st, k);
        else if (t.columns[i].IsInteger()) sqlite3_bind_int64(st, k, row[i].Int());
        else sqlite3_bind_text(st, k, row[i].text.data(), static_cast<int>(row[i].text.size()), SQLITE_TRANSIENT);
      }
      if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        return SqliteFail(db.get(), std::string("insert into ") + t.name);
      }
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
  }
  const int64_t synced_at = NowMs();
  const std::string state = "INSERT OR REPLACE INTO sync_state (key, value) VALUES ('cursor', '" +
                            std::to_string(cursor) + "'), ('synced_at', '" + std::to_string(synced_at) + "')";
  if (sqlite3_exec(db.get(), state.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    return SqliteFail(db.get(), "commit");
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(db.get(), "main", &size, 0);
  if (!bytes) return SqliteFail(db.get(), "serialize");
  out->image.assign(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  sqlite3_free(bytes);

  out->hotel_id = hotel_id;
  out->cursor = std::to_string(cursor);
  out->synced_at = synced_at;
  const std::string digest = Sha256Hex(out->image);
  out->etag = "\"" + digest.substr(0, 32) + "\"";
  const std::string message = SnapshotMessage(hotel_id, out->cursor, synced_at, digest);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[64];
  size_t sig_len = sizeof sig;
  const bool signed_ok =
      ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_) == 1 &&
      EVP_DigestSign(ctx, sig, &sig_len, reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!signed_ok) return Status::Error("INTERNAL", "cannot sign the snapshot");
  out->signature = Base64(sig, sig_len);
  out->made_at_ms = NowMs();
  return Status::Ok();
}

Status SnapshotService::Get(int64_t hotel_id, const Principal& who, std::shared_ptr<const Snapshot>* out) {
  // The view: which classes of rows this principal gets, and for whom.
  std::string view = std::to_string(hotel_id);
  bool shared = true;
  for (protocol::Audience v : {protocol::Audience::kGuest, protocol::Audience::kPayment, protocol::Audience::kAdmin}) {
    const RowAccess a = AccessTo(who, v);
    view += a == RowAccess::kAll ? "A" : a == RowAccess::kUser ? "U" : "-";
    if (a != RowAccess::kNone) shared = false;  // guests' rows are never in a shared image
  }
  if (who.user_id) {
    // One guest's image: made for this request only (never cached, never shared).
    auto snap = std::make_shared<Snapshot>();
    Status s = Build(hotel_id, who, snap.get());
    if (!s.ok()) return s;
    *out = snap;
    return Status::Ok();
  }

  std::shared_ptr<std::mutex> gate;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(view);
    if (it != cache_.end() && NowMs() - it->second->made_at_ms < int64_t{interval_s_} * 1000) {
      *out = it->second;
      return Status::Ok();
    }
    auto& g = building_[view];
    if (!g) g = std::make_shared<std::mutex>();
    gate = g;
  }
  std::lock_guard<std::mutex> building(*gate);  // concurrent misses wait for one build
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(view);
    if (it != cache_.end() && NowMs() - it->second->made_at_ms < int64_t{interval_s_} * 1000) {
      *out = it->second;
      return Status::Ok();
    }
  }
  auto snap = std::make_shared<Snapshot>();
  Status s = Build(hotel_id, who, snap.get());
  if (!s.ok()) return s;
  snap->shared = shared;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cache_[view] = snap;
  }
  *out = snap;
  return Status::Ok();
}

}  // namespace edgestay::server
