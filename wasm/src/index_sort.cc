// A set-aside index built again by the engine's own sort (index_sort.h).
//
// SQLite's CREATE INDEX feeds every entry through its sorter, whose compare unpacks the
// whole record of an entry whenever the first fields tie: a hotel's bookings all share
// hotel_id and most share a status, so nearly every compare of those indexes unpacks
// (half of a hotel load's commit, docs/PERFORMANCE.md item 144). Here each entry becomes
// a key whose bytes compare as SQLite orders the values (NULL, then integers, then text
// in BINARY order, the rowid last), sorted by key_sort.h; then the index is created empty
// and filled in that order. The keys decode back to the values, so the sort holds one
// copy of the index's data.
#include "index_sort.h"

#include <algorithm>
#include <cstring>

#include "edgestay/protocol/json_value.h"  // ES_MINSIZE
#include "key_sort.h"

namespace edgestay {
namespace {

// Key bytes of one value. An integer is a tag that orders by sign and length (0x10 + its
// bytes for v >= 0; 0x0F - the bytes of ~v for v < 0), then its shortest big-endian
// bytes; text is a tag, its bytes and a 0 (text holding a NUL is not keyed: see Keys).
constexpr uint8_t kNullTag = 0x05;
constexpr uint8_t kIntTag = 0x10;
constexpr uint8_t kTextTag = 0x20;

struct Keys {
  const std::string* columns;  // SetAsideIndex::key_columns
  std::string bytes;           // the keys, one after another; `used` of them written
  size_t used = 0;
  size_t limit = 0;            // the most `bytes` may hold
  std::vector<KeyRef> entries;

  static uint8_t* PutInt(int64_t v, uint8_t* p) {
    const uint64_t magnitude = v < 0 ? ~static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    int n = 0;
    while (n < 8 && (magnitude >> (8 * n)) != 0) ++n;
    *p++ = static_cast<uint8_t>(v < 0 ? kIntTag - 1 - n : kIntTag + n);
    for (int k = n - 1; k >= 0; --k) *p++ = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * k));
    return p;
  }

  // A row's key appended; EDGESTAY_DECLINED for text holding a NUL, which would end its
  // value early.
  static int Row(void* arg, const EdgestayCell* cells, sqlite3_int64 rowid) {
    Keys& k = *static_cast<Keys*>(arg);
    size_t most = 9;
    for (unsigned char column : *k.columns) most += 2 + (cells[column].kind == EDGESTAY_CELL_TEXT ? cells[column].n : 8);
    if (k.used + most > k.limit || k.entries.size() == k.entries.capacity()) return EDGESTAY_DECLINED;
    if (k.used + most > k.bytes.size()) k.bytes.resize(std::min(std::max(k.bytes.size() * 2, k.used + most), k.limit));
    uint8_t* const start = reinterpret_cast<uint8_t*>(k.bytes.data()) + k.used;
    uint8_t* p = start;
    for (unsigned char column : *k.columns) {
      const EdgestayCell& c = cells[column];
      if (c.kind == EDGESTAY_CELL_INT) {
        p = PutInt(c.i, p);
      } else if (c.kind == EDGESTAY_CELL_TEXT) {
        if (std::memchr(c.z, 0, static_cast<size_t>(c.n)) != nullptr) return EDGESTAY_DECLINED;
        *p++ = kTextTag;
        std::memcpy(p, c.z, static_cast<size_t>(c.n));
        p += c.n;
        *p++ = 0;
      } else {
        *p++ = kNullTag;
      }
    }
    p = PutInt(rowid, p);
    const size_t size = static_cast<size_t>(p - start);
    k.entries.push_back(MakeKeyRef(start - k.used, static_cast<uint32_t>(k.used), static_cast<uint32_t>(size)));
    k.used += size;
    return SQLITE_OK;
  }

  // The values of entry e, into cells (its columns, then the rowid).
  void Decode(const KeyRef& e, std::vector<EdgestayCell>* cells) const {
    const uint8_t* p = reinterpret_cast<const uint8_t*>(bytes.data()) + e.offset;
    for (EdgestayCell& c : *cells) {
      const uint8_t tag = *p++;
      c = EdgestayCell{};
      if (tag == kNullTag) {
        c.kind = EDGESTAY_CELL_NULL;
      } else if (tag == kTextTag) {
        c.kind = EDGESTAY_CELL_TEXT;
        c.z = reinterpret_cast<const char*>(p);
        c.n = static_cast<int>(std::strlen(c.z));
        p += c.n + 1;
      } else {
        const bool negative = tag < kIntTag;
        const int n = negative ? kIntTag - 1 - tag : tag - kIntTag;
        uint64_t v = negative ? ~uint64_t{0} : 0;
        for (int k = 0; k < n; ++k) v = (v << 8) | *p++;
        c.kind = EDGESTAY_CELL_INT;
        c.i = static_cast<int64_t>(v);
      }
    }
  }
};

// The index built by the sort: *built false when the table holds a value the keys cannot
// order, more rows than `rows` or keys past the limit (nothing is changed then: the
// caller runs CREATE INDEX).
ES_MINSIZE Status SortAndFill(sqlite3* db, const char* table, int64_t rows, const SetAsideIndex& index,
                              double sort_bytes, bool* built) {
  *built = false;
  Keys keys;
  keys.columns = &index.key_columns;
  keys.limit = static_cast<size_t>(
      std::clamp(sort_bytes - static_cast<double>(rows) * 2 * sizeof(KeyRef), 0.0, double{UINT32_MAX}));
  // Sized once at the estimate: a vector that doubles as it fills holds two copies at its
  // peak.
  keys.bytes.resize(std::min(static_cast<size_t>(static_cast<double>(rows) * index.row_bytes * 1.125) + 64, keys.limit));
  keys.entries.reserve(static_cast<size_t>(rows));
  uint64_t read = 0;
  for (unsigned char column : index.key_columns) read |= uint64_t{1} << column;
  int rc = edgestay_table_scan(db, table, read, &Keys::Row, &keys);
  if (rc == EDGESTAY_DECLINED) return Status::Ok();
  if (rc != SQLITE_OK) return SqliteCodeError(rc, "build index " + index.name);
  SortKeyRefs(&keys.entries, reinterpret_cast<const uint8_t*>(keys.bytes.data()));

  rc = edgestay_index_create_empty(db, index.sql.c_str());
  if (rc == EDGESTAY_DECLINED) return Status::Ok();
  if (rc != SQLITE_OK) return SqliteError(db, "create index " + index.name);
  *built = true;
  EdgestayAppender* fill = nullptr;
  rc = edgestay_index_fill_open(db, index.name.c_str(), &fill);
  if (rc == EDGESTAY_DECLINED) return Status::Ok();  // SQLite built it in full after all
  if (rc != SQLITE_OK) return SqliteCodeError(rc, "build index " + index.name);
  std::vector<EdgestayCell> cells(index.key_columns.size() + 1);
  const int fields = static_cast<int>(cells.size());
  for (const KeyRef& e : keys.entries) {
    keys.Decode(e, &cells);
    rc = edgestay_index_fill_append(fill, cells.data(), fields);
    if (rc != SQLITE_OK) break;
  }
  edgestay_appender_close(fill);
  return rc == SQLITE_OK ? Status::Ok() : SqliteCodeError(rc, "build index " + index.name);
}

}  // namespace

ES_MINSIZE Status DescribeSetAsideIndex(sqlite3* db, const std::string& name, std::string sql, SetAsideIndex* out) {
  out->name = name;
  out->sql = std::move(sql);
  out->row_bytes = edgestay_index_row_bytes(db, name.c_str(), 256);
  int columns[64];
  const int n = edgestay_index_key_columns(db, name.c_str(), columns, 64);
  out->key_columns.clear();
  for (int i = 0; i < n; ++i) out->key_columns.push_back(static_cast<char>(columns[i]));
  return Status::Ok();
}

ES_MINSIZE double IndexSortBytes(const SetAsideIndex& index, int64_t rows) {
  return static_cast<double>(rows) * (index.row_bytes * 1.125 + 2 * sizeof(KeyRef));
}

ES_MINSIZE Status BuildSetAsideIndex(sqlite3* db, const char* table, int64_t rows, const SetAsideIndex& index,
                                     bool* sorted, double sort_bytes) {
  bool built = false;
  if (!index.key_columns.empty() && IndexSortBytes(index, rows) <= sort_bytes) {
    ES_RETURN_IF_ERROR(SortAndFill(db, table, rows, index, sort_bytes, &built));
  }
  if (sorted) *sorted = built;
  return built ? Status::Ok() : Exec(db, index.sql.c_str());
}

}  // namespace edgestay
