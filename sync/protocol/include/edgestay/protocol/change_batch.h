// Decoding and validating a change batch (sync/FORMAT.md §1), row by row.
//
// The decoder checks everything a batch can get wrong on its own (structure, types,
// ranges, available <= total within a row) and hands each valid row to a sink in order,
// without materializing the batch: a 1.5M-row inventory load is streamed into SQLite.
// Checks that need the database (foreign keys, existing rows) belong to the sink.
// Invariant: the sink sees rows in batch order, and decoding stops at the first error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "edgestay/protocol/tables.h"
#include "edgestay/status.h"

namespace edgestay::protocol {

inline constexpr std::string_view kChangeFormat = "edgestay.changes/1";

enum class Op { kUpsert, kDelete };

struct RowChange {
  Op op;
  const TableSpec* table;
  const Value* values;  // one per table column, kAbsent when not given (deletes: key only)
  RowPosition pos;
};

using RowSink = std::function<Status(const RowChange&)>;

struct BatchHeader {
  std::optional<std::string> since;  // absent when the batch has no `since`
  bool since_is_null = false;        // "since": null, i.e. continues from the empty state
  std::optional<std::string> cursor;
  std::optional<int64_t> synced_at;
  int64_t change_count = 0;
};

// Parses `text` and validates it, calling `on_header` once (before any row; it may
// reject the batch, e.g. a cursor mismatch) and then `sink` for every row.
// `change_offset`/`row_offset` place a part of a larger batch: positions in errors and in
// RowChange are reported as in the whole batch (the row offset applies to the part's
// first change, which may be a slice of a big change).
//
// `rows` (optional) carries the rows of the part's one columnar change already tokenized,
// as the JS wrapper writes them from its arrays instead of JSON text (RowsTag): the
// text then holds that change with `"rows": []`. Each value becomes the token its JSON
// would have been, so the rows are checked, and fail, exactly as their text would.
Status DecodeChangeBatch(std::string_view text,
                         const std::function<Status(const BatchHeader&)>& on_header,
                         const RowSink& sink, int change_offset = 0, int row_offset = 0,
                         std::string_view rows = {});

// Tokenized rows, all integers little-endian: per row a u32 count of values (0xFFFFFFFF:
// not an array), then per value a tag byte and its payload: kNull, kTrue, kFalse; kInt32
// (4 bytes) and kInt64 (8 bytes), integers; kText, a u32 byte length and that UTF-8 (a
// string's value); kNumber, a u32 length and the number's JSON text (other numbers).
enum RowsTag : uint8_t { kRowNull, kRowTrue, kRowFalse, kRowInt32, kRowInt64, kRowText, kRowNumber };

}  // namespace edgestay::protocol
