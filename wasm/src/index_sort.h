// The indexes a bulk load set aside, built again at its commit (apply_changes.cc,
// RestoreIndexes): by the engine's own sort when the index's entries fit in memory,
// otherwise by the index's CREATE INDEX statement, whose sorter spills.
//
// Invariant: either way the index holds exactly the entries SQLite's CREATE INDEX would
// store, in its order (tests/cpp/index_sort_test.cc compares the two on random tables).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgestay/status.h"
#include "sqlite_db.h"

namespace edgestay {

// What building an index again needs, read while it still stands.
struct SetAsideIndex {
  std::string name;
  std::string sql;               // its CREATE INDEX statement, as the schema stores it
  std::string key_columns;  // its key's table columns, one byte each (< 64); empty: only CREATE INDEX builds it
  double row_bytes = 0;          // what a row takes in it (edgestay_index_row_bytes)
};

// Reads index `name` of the main database (which must stand) into *out.
Status DescribeSetAsideIndex(sqlite3* db, const std::string& name, std::string sql, SetAsideIndex* out);

// The most heap the engine's sort of an index may take (its keys, its entries and the
// merge's buffer); larger sorts are CREATE INDEX's (runs on temporary files), so a load's
// heap stays near its data. IndexSortBytes: what a sort of `rows` rows takes, estimated.
inline constexpr double kIndexSortBytes = 12.0 * 1024 * 1024;
double IndexSortBytes(const SetAsideIndex& index, int64_t rows);

// Index `index` of table `table`, which holds at most `rows` rows, built and in the
// schema again; *sorted (optional): whether the engine's sort built it. sort_bytes: the
// sort's limit, checked against the estimate before and against the keys while it reads
// (a table whose later rows are larger than its first goes to CREATE INDEX midway).
Status BuildSetAsideIndex(sqlite3* db, const char* table, int64_t rows, const SetAsideIndex& index,
                          bool* sorted = nullptr, double sort_bytes = kIndexSortBytes);

}  // namespace edgestay
