// A set-aside index built again by the engine's own sort (index_sort.h).
//
// SQLite's CREATE INDEX feeds every entry through its sorter, whose compare unpacks the
// whole record of an entry whenever the first fields tie: a hotel's bookings all share
// hotel_id and most share a status, so nearly every compare of those indexes unpacks
// (half of a hotel load's commit, docs/PERFORMANCE.md item 144). Here each entry becomes
// a key whose bytes compare as SQLite orders the values (NULL, then integers, then text
// in BINARY order, the rowid last), sorted by its first 16 bytes as two integers and by
// the rest with memcmp; then the index is created empty and filled in that order. The
// keys decode back to the values, so the sort holds one copy of the index's data.
#include "index_sort.h"

#include <algorithm>
#include <cstring>

#include "edgestay/protocol/json_value.h"  // ES_MINSIZE

namespace edgestay {
namespace {

// Key bytes of one value. An integer is a tag that orders by sign and length (0x10 + its
// bytes for v >= 0; 0x0F - the bytes of ~v for v < 0), then its shortest big-endian
// bytes; text is a tag, its bytes and a 0 (text holding a NUL is not keyed: see Keys).
constexpr uint8_t kNullTag = 0x05;
constexpr uint8_t kIntTag = 0x10;
constexpr uint8_t kTextTag = 0x20;

uint64_t BigEndian(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

struct Entry {
  uint64_t head[2];  // the key's first 16 bytes, big-endian (zeros past its end)
  uint32_t offset;   // in Keys::bytes
  uint32_t size;
};

struct Keys {
  const std::vector<int>* columns;
  std::vector<uint8_t> bytes;  // the keys, one after another; `used` of them written
  size_t used = 0;
  size_t limit = 0;            // the most `bytes` may hold
  std::vector<Entry> entries;

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
    for (int column : *k.columns) most += 2 + (cells[column].kind == EDGESTAY_CELL_TEXT ? cells[column].n : 8);
    if (k.used + most > k.limit || k.entries.size() == k.entries.capacity()) return EDGESTAY_DECLINED;
    if (k.used + most > k.bytes.size()) k.bytes.resize(std::min(std::max(k.bytes.size() * 2, k.used + most), k.limit));
    uint8_t* const start = k.bytes.data() + k.used;
    uint8_t* p = start;
    for (int column : *k.columns) {
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
    uint8_t head[16] = {};
    std::memcpy(head, start, std::min<size_t>(size, 16));
    k.entries.push_back(Entry{{BigEndian(head), BigEndian(head + 8)}, static_cast<uint32_t>(k.used),
                              static_cast<uint32_t>(size)});
    k.used += size;
    return SQLITE_OK;
  }

  // No key is a prefix of another (each value ends itself), so past equal heads the
  // first differing byte decides, within the shorter key: compared 8 bytes at a time.
  bool Less(const Entry& a, const Entry& b) const {
    if (a.head[0] != b.head[0]) return a.head[0] < b.head[0];
    if (a.head[1] != b.head[1]) return a.head[1] < b.head[1];
    const uint8_t* x = bytes.data() + a.offset;
    const uint8_t* y = bytes.data() + b.offset;
    const uint32_t n = std::min(a.size, b.size);
    uint32_t i = 16;
    for (; i + 8 <= n; i += 8) {
      const uint64_t u = BigEndian(x + i), v = BigEndian(y + i);
      if (u != v) return u < v;
    }
    for (; i < n; ++i) {
      if (x[i] != y[i]) return x[i] < y[i];
    }
    return a.size < b.size;
  }

  // entries in key order: a merge sort (std::sort's instantiation took 7 KB of the wasm
  // module), runs of 8 by insertion, then merged between the entries and a buffer.
  void Sort() {
    constexpr size_t kRun = 8;
    const size_t n = entries.size();
    for (size_t low = 0; low < n; low += kRun) {
      for (size_t i = low + 1; i < std::min(low + kRun, n); ++i) {
        for (size_t j = i; j > low && Less(entries[j], entries[j - 1]); --j) std::swap(entries[j], entries[j - 1]);
      }
    }
    std::vector<Entry> buffer(n);
    Entry* from = entries.data();
    Entry* to = buffer.data();
    for (size_t width = kRun; width < n; width *= 2) {
      for (size_t low = 0; low < n; low += 2 * width) {
        const size_t mid = std::min(low + width, n), high = std::min(low + 2 * width, n);
        size_t i = low, j = mid, o = low;
        while (i < mid && j < high) to[o++] = Less(from[j], from[i]) ? from[j++] : from[i++];
        while (i < mid) to[o++] = from[i++];
        while (j < high) to[o++] = from[j++];
      }
      std::swap(from, to);
    }
    if (from != entries.data()) std::copy(from, from + n, entries.data());
  }

  // The values of entry e, into cells (its columns, then the rowid).
  void Decode(const Entry& e, std::vector<EdgestayCell>* cells) const {
    const uint8_t* p = bytes.data() + e.offset;
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

ES_MINSIZE Status IndexError(int rc, const std::string& name) {
  return Status::Error("INTERNAL", "build index " + name + ": " + sqlite3_errstr(rc));
}

// The index built by the sort: *built false when the table holds a value the keys cannot
// order, more rows than `rows` or keys past the limit (nothing is changed then: the
// caller runs CREATE INDEX).
ES_MINSIZE Status SortAndFill(sqlite3* db, const char* table, int64_t rows, const SetAsideIndex& index,
                              double sort_bytes, bool* built) {
  *built = false;
  Keys keys;
  keys.columns = &index.key_columns;
  keys.limit = static_cast<size_t>(
      std::clamp(sort_bytes - static_cast<double>(rows) * 2 * sizeof(Entry), 0.0, double{UINT32_MAX}));
  // Sized once at the estimate: a vector that doubles as it fills holds two copies at its
  // peak.
  keys.bytes.resize(std::min(static_cast<size_t>(static_cast<double>(rows) * index.row_bytes * 1.125) + 64, keys.limit));
  keys.entries.reserve(static_cast<size_t>(rows));
  uint64_t read = 0;
  for (int column : index.key_columns) read |= column < 64 ? uint64_t{1} << column : 0;
  int rc = edgestay_table_scan(db, table, read, &Keys::Row, &keys);
  if (rc == EDGESTAY_DECLINED) return Status::Ok();
  if (rc != SQLITE_OK) return IndexError(rc, index.name);
  keys.Sort();

  rc = edgestay_index_create_empty(db, index.sql.c_str());
  if (rc == EDGESTAY_DECLINED) return Status::Ok();
  if (rc != SQLITE_OK) return SqliteError(db, "create index " + index.name);
  *built = true;
  EdgestayIndexFill* fill = nullptr;
  rc = edgestay_index_fill_open(db, index.name.c_str(), &fill);
  if (rc == EDGESTAY_DECLINED) return Status::Ok();  // SQLite built it in full after all
  if (rc != SQLITE_OK) return IndexError(rc, index.name);
  std::vector<EdgestayCell> cells(index.key_columns.size() + 1);
  const int fields = static_cast<int>(cells.size());
  for (const Entry& e : keys.entries) {
    keys.Decode(e, &cells);
    rc = edgestay_index_fill_append(fill, cells.data(), fields);
    if (rc != SQLITE_OK) break;
  }
  edgestay_index_fill_close(fill);
  return rc == SQLITE_OK ? Status::Ok() : IndexError(rc, index.name);
}

}  // namespace

ES_MINSIZE Status DescribeSetAsideIndex(sqlite3* db, const std::string& name, std::string sql, SetAsideIndex* out) {
  out->name = name;
  out->sql = std::move(sql);
  out->row_bytes = edgestay_index_row_bytes(db, name.c_str(), 256);
  int columns[64];
  const int n = edgestay_index_key_columns(db, name.c_str(), columns, 64);
  out->key_columns.assign(columns, columns + std::max(n, 0));
  return Status::Ok();
}

ES_MINSIZE double IndexSortBytes(const SetAsideIndex& index, int64_t rows) {
  return static_cast<double>(rows) * (index.row_bytes * 1.125 + 2 * sizeof(Entry));
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
