// Test support: an SQLite connection of its own over a copy of an engine's image, to
// read it (or change it) as any other tool would, apart from the engine.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "sqlite3.h"

namespace edgestay::test {

// Every row of `sql` on `db`, its columns as text ("NULL" for null) each followed by '|',
// one line a row.
inline std::string Rows(sqlite3* db, const std::string& sql) {
  std::string out;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      out += t ? reinterpret_cast<const char*>(t) : "NULL";
      out += '|';
    }
    out += '\n';
  }
  sqlite3_finalize(st);
  return out;
}

// An SQLite connection over a copy of `image`, independent of any engine.
class ImageDb {
 public:
  explicit ImageDb(const std::string& image) {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    if (image.empty()) return;
    auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
    std::memcpy(buf, image.data(), image.size());
    const auto size = static_cast<sqlite3_int64>(image.size());
    EXPECT_EQ(sqlite3_deserialize(db_, "main", buf, size, size,
                                  SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE),
              SQLITE_OK);
  }
  ~ImageDb() { sqlite3_close(db_); }
  sqlite3* Handle() { return db_; }

  std::string Rows(const std::string& sql) { return test::Rows(db_, sql); }
  // The first column of every row of `sql`, as integers.
  std::vector<int64_t> Ints(const std::string& sql) {
    std::vector<int64_t> out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db_);
    while (st && sqlite3_step(st) == SQLITE_ROW) out.push_back(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    return out;
  }
  // The first column of every row of `sql`, as text ("NULL" for null).
  std::vector<std::string> Column(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db_);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      out.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(st);
    return out;
  }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }
  std::string Serialize() {
    sqlite3_int64 size = 0;
    unsigned char* data = sqlite3_serialize(db_, "main", &size, 0);
    std::string image(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
    sqlite3_free(data);
    return image;
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace edgestay::test
