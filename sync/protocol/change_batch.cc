// Change batch decoding: structure and per-row validation (sync/FORMAT.md §1), streamed
// from the text without building a document of the batch.
//
// Two sweeps over the text, neither of which allocates per row:
//  1. Scan() checks that the whole text is JSON exactly as the project's JSON parser
//     (nlohmann::json 3.11, strict, no comments) accepts it, and notes what JSON's free key
//     order hides from a reader that goes front to back: where the header's fields and the
//     last "changes" begin (a header field may follow "changes", a later duplicate key wins),
//     how many changes there are, and which changes name op/table/columns/row/rows again
//     after their "rows". Invalid JSON is refused here, before any header or row.
//  2. Decoder reads the header and walks the changes once, turning each row straight from
//     the text into Values (strings are views into the text unless they hold escapes) and
//     handing it to the sink. A columnar change is decoded where its "rows" stands unless the
//     scan saw a later key that could change it; such a change is decoded from the noted
//     positions when its object ends.
// The accepted language and every error (code, position, message, details) are those of the
// DOM decoder this replaced; that decoder lives on in tests/cpp as the oracle of a property
// test over random and mutated batches.
#include "edgestay/protocol/change_batch.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "edgestay/protocol/json_value.h"

namespace edgestay::protocol {
namespace {

using uchar = unsigned char;

Status BatchError(std::string message) { return Status::Error("INVALID_BATCH", std::move(message)); }

// The lexical pieces (strings, numbers, literals) are the core's one JSON reader's
// (json_value.h), each accepting exactly what nlohmann's lexer accepts.
using json::ScanLiteral;
using json::ScanNumber;
using json::ScanString;
using json::EndsAfterValue;
using json::SkipByteOrderMark;
using json::SkipWs;
using json::Unescape;

// The keys the decoder cares about, at the top level and in a change.
enum class Key { kOther, kFormat, kSince, kCursor, kSyncedAt, kChanges, kOp, kTable, kKey, kRow, kColumns, kRows };

Key TopKey(std::string_view k) {
  if (k == "format") return Key::kFormat;
  if (k == "since") return Key::kSince;
  if (k == "cursor") return Key::kCursor;
  if (k == "syncedAt") return Key::kSyncedAt;
  if (k == "changes") return Key::kChanges;
  return Key::kOther;
}

Key ChangeKey(std::string_view k) {
  if (k == "rows") return Key::kRows;
  if (k == "op") return Key::kOp;
  if (k == "table") return Key::kTable;
  if (k == "columns") return Key::kColumns;
  if (k == "row") return Key::kRow;
  if (k == "key") return Key::kKey;
  return Key::kOther;
}

// A scanned string token's value as a view: into the text, or into *buf when it has escapes.
inline std::string_view StringValue(const uchar* b, const uchar* e, bool escaped, std::string* buf) {
  if (!escaped) return std::string_view(reinterpret_cast<const char*>(b), static_cast<size_t>(e - b));
  Unescape(b, e, buf);
  return *buf;
}

// ---------------------------------------------------------------------------------------
// Sweep 1: validity and layout.
// ---------------------------------------------------------------------------------------

struct Layout {
  bool top_is_object = false;
  // Where the value of the last occurrence of each header key begins (nullptr: absent).
  const uchar* format = nullptr;
  const uchar* since = nullptr;
  const uchar* cursor = nullptr;
  const uchar* synced_at = nullptr;
  const uchar* changes = nullptr;
  int64_t change_count = 0;
  // Changes (by index, ascending) that name op/table/columns/row/rows after their "rows".
  std::vector<int64_t> reopened;
};

// false when nlohmann::json::parse would refuse the text.
bool Scan(const uchar* p, const uchar* e, Layout* out) {
  if (!SkipByteOrderMark(p, e)) return false;
  enum Role : uint8_t { kOther, kTop, kChangeList, kChange };
  struct Frame {
    bool object;
    Role role;
    bool rows_seen;
    bool reopened;
  };
  std::vector<Frame> stack;
  stack.reserve(16);
  Key top_key = Key::kOther;
  std::string key_buf;
  bool escaped;
  uchar c;

value:
  p = SkipWs(p, e);
  if (p >= e) return false;
  c = *p;
  {
    Role role = kOther;
    if (stack.empty()) {
      role = kTop;
      out->top_is_object = c == '{';
    } else if (stack.back().role == kTop) {
      const uchar** slot = top_key == Key::kFormat     ? &out->format
                           : top_key == Key::kSince    ? &out->since
                           : top_key == Key::kCursor   ? &out->cursor
                           : top_key == Key::kSyncedAt ? &out->synced_at
                           : top_key == Key::kChanges  ? &out->changes
                                                       : nullptr;
      if (slot) *slot = p;
      if (top_key == Key::kChanges && c == '[') role = kChangeList;
    } else if (stack.back().role == kChangeList && c == '{') {
      role = kChange;
    }
    switch (c) {
      case '{':
        p = SkipWs(p + 1, e);
        if (p < e && *p == '}') {
          ++p;
          goto after_value;
        }
        stack.push_back({true, role, false, false});
        goto key;
      case '[':
        p = SkipWs(p + 1, e);
        if (p < e && *p == ']') {
          ++p;
          goto after_value;
        }
        stack.push_back({false, role, false, false});
        goto value;
      case '"':
        escaped = false;
        p = ScanString(p, e, &escaped);
        break;
      case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
        bool is_int;
        int64_t v;
        p = ScanNumber(p, e, &is_int, &v);
        break;
      }
      case 't': case 'f': case 'n':
        p = ScanLiteral(p, e);
        break;
      default:
        return false;
    }
    if (!p) return false;
    goto after_value;
  }

key:
  p = SkipWs(p, e);
  if (p >= e || *p != '"') return false;
  {
    const uchar* b = p;
    escaped = false;
    p = ScanString(p, e, &escaped);
    if (!p) return false;
    Frame& f = stack.back();
    if (f.role == kTop || f.role == kChange) {
      const std::string_view k = StringValue(b + 1, p - 1, escaped, &key_buf);
      if (f.role == kTop) {
        top_key = TopKey(k);
        if (top_key == Key::kChanges) {
          out->change_count = 0;
          out->reopened.clear();
        }
      } else {
        const Key ck = ChangeKey(k);
        const bool shapes = ck == Key::kRows || ck == Key::kOp || ck == Key::kTable || ck == Key::kColumns ||
                            ck == Key::kRow;
        if (shapes && f.rows_seen && !f.reopened) {
          f.reopened = true;
          out->reopened.push_back(out->change_count);
        }
        if (ck == Key::kRows) f.rows_seen = true;
      }
    }
  }
  p = SkipWs(p, e);
  if (p >= e || *p != ':') return false;
  ++p;
  goto value;

after_value:
  if (stack.empty()) {
    return EndsAfterValue(p, e);
  }
  if (stack.back().role == kChangeList) ++out->change_count;
  p = SkipWs(p, e);
  if (p >= e) return false;
  c = *p++;
  if (stack.back().object) {
    if (c == ',') goto key;
    if (c != '}') return false;
  } else {
    if (c == ',') goto value;
    if (c != ']') return false;
  }
  stack.pop_back();
  goto after_value;
}

// ---------------------------------------------------------------------------------------
// Sweep 2: decoding, over text sweep 1 found valid.
// ---------------------------------------------------------------------------------------

// One JSON value as read by the decoder. Strings: [b, e) is the contents between the
// quotes; everything else: the whole value's text.
struct Token {
  enum Kind : uint8_t { kNull, kTrue, kFalse, kInt, kNumber, kString, kArray, kObject } kind = kNull;
  bool escaped = false;
  int64_t i = 0;
  const uchar* b = nullptr;
  const uchar* e = nullptr;
};

// The end of the array or object starting at p (valid JSON).
const uchar* SkipContainer(const uchar* p, const uchar* e) {
  int depth = 0;
  while (p < e) {
    const uchar c = *p++;
    if (c == '"') {
      while (p < e && *p != '"') p += *p == '\\' ? 2 : 1;
      ++p;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) return p;
    }
  }
  return e;
}

// Reads the value at p (whitespace skipped); returns its end.
const uchar* ReadToken(const uchar* p, const uchar* e, Token* t) {
  t->escaped = false;
  t->b = p;
  switch (*p) {
    case '"': {
      const uchar* end = ScanString(p, e, &t->escaped);
      t->kind = Token::kString;
      t->b = p + 1;
      t->e = end - 1;
      return end;
    }
    case '[':
    case '{':
      t->kind = *p == '[' ? Token::kArray : Token::kObject;
      t->e = SkipContainer(p, e);
      return t->e;
    case 't': t->kind = Token::kTrue; t->e = p + 4; return t->e;
    case 'f': t->kind = Token::kFalse; t->e = p + 5; return t->e;
    case 'n': t->kind = Token::kNull; t->e = p + 4; return t->e;
    default: {
      bool is_int = false;
      t->e = ScanNumber(p, e, &is_int, &t->i);
      t->kind = is_int ? Token::kInt : Token::kNumber;
      return t->e;
    }
  }
}

// A value's text as nlohmann::json::dump() writes it (error messages quote bad values so).
ES_MINSIZE std::string Dump(const Token& t) {
  const uchar* b = t.kind == Token::kString ? t.b - 1 : t.b;
  const uchar* e = t.kind == Token::kString ? t.e + 1 : t.e;
  const std::string_view text(reinterpret_cast<const char*>(b), static_cast<size_t>(e - b));
  json::JsonValue v;
  // Nested deeper than the tree reads: its own text (a message shows 40 bytes of it).
  return v.Parse(text) ? v.Dump() : std::string(text);
}

class Decoder {
 public:
  Decoder(const uchar* end, const RowSink& sink, int change_offset, int row_offset, std::string_view rows)
      : e_(end), sink_(sink), change_offset_(change_offset), row_offset_(row_offset), binary_rows_(rows) {}

  Status Header(const Layout& layout, BatchHeader* header);
  Status Changes(const Layout& layout);

 private:
  struct ChangeAt {  // where the value of each key of a change begins (last occurrence)
    const uchar* op = nullptr;
    const uchar* table = nullptr;
    const uchar* key = nullptr;
    const uchar* row = nullptr;
    const uchar* columns = nullptr;
    const uchar* rows = nullptr;
  };

  const uchar* Ws(const uchar* p) const { return SkipWs(p, e_); }
  Token Read(const uchar* p) const {
    Token t;
    ReadToken(p, e_, &t);
    return t;
  }
  std::string_view Str(const Token& t, std::string* buf) const { return StringValue(t.b, t.e, t.escaped, buf); }

  Status ChangeObject(const uchar** p, int index, bool reopened);
  Status Change(const ChangeAt& at, int index, const uchar** rows_end);
  Status ObjectRow(const TableSpec& table, const uchar* p, const RowPosition& pos, bool key_only);
  Status Rows(const TableSpec& table, const uchar** p, RowPosition pos, int first_row);
  Status ToValue(const ColumnSpec& col, const Token& t, const RowPosition& pos, std::string* scratch, Value* out);
  Status Row(const TableSpec& table, size_t count, const RowPosition& pos);
  Status BinaryRows(const TableSpec& table, RowPosition pos, int first_row);

  const uchar* e_;
  const RowSink& sink_;
  const int change_offset_;
  const int row_offset_;
  const std::string_view binary_rows_;
  std::vector<Value> values_;
  std::vector<std::string> scratch_;  // per column: unescaped text the row's views point into
  std::vector<int> col_index_;
  std::vector<int> member_of_;  // ObjectRow: per column, the member that names it, or -1
  std::vector<Token> tokens_;
  std::string buf_, buf2_;
};

ES_MINSIZE bool ReadCursor(const Token& t, std::string* out) {
  if (t.kind == Token::kString) {
    std::string buf;
    *out = std::string(StringValue(t.b, t.e, t.escaped, &buf));
    return out->size() <= 128;
  }
  if (t.kind == Token::kInt) {
    *out = std::to_string(t.i);
    return true;
  }
  return false;
}

ES_MINSIZE Status Decoder::Header(const Layout& layout, BatchHeader* header) {
  if (!layout.top_is_object) return BatchError("a change batch must be a JSON object");
  bool format_ok = false;
  if (layout.format) {
    const Token t = Read(layout.format);
    format_ok = t.kind == Token::kString && Str(t, &buf_) == kChangeFormat;
  }
  if (!format_ok) return BatchError("format: must be \"" + std::string(kChangeFormat) + "\"");
  if (layout.since) {
    const Token t = Read(layout.since);
    std::string s;
    if (t.kind == Token::kNull) {
      header->since_is_null = true;
    } else if (ReadCursor(t, &s)) {
      header->since = s;
    } else {
      return BatchError("since: must be a cursor string, integer or null");
    }
  }
  if (layout.cursor) {
    const Token t = Read(layout.cursor);
    if (t.kind != Token::kNull) {
      std::string s;
      if (!ReadCursor(t, &s)) return BatchError("cursor: must be a string of at most 128 characters or an integer");
      header->cursor = s;
    }
  }
  if (layout.synced_at) {
    const Token t = Read(layout.synced_at);
    if (t.kind != Token::kNull) {
      if (t.kind != Token::kInt || t.i < 0) return BatchError("syncedAt: must be ms since the epoch");
      header->synced_at = t.i;
    }
  }
  if (!layout.changes || *layout.changes != '[') return BatchError("changes: must be an array");
  header->change_count = layout.change_count;
  return Status::Ok();
}

ES_MINSIZE Status Decoder::Changes(const Layout& layout) {
  const uchar* p = Ws(layout.changes + 1);
  if (*p == ']') return Status::Ok();
  size_t next_reopened = 0;
  for (int64_t i = 0;; ++i) {
    const int index = change_offset_ + static_cast<int>(i);
    p = Ws(p);
    if (*p != '{') return BatchError("changes[" + std::to_string(index) + "]: must be an object");
    bool reopened = false;
    if (next_reopened < layout.reopened.size() && layout.reopened[next_reopened] == i) {
      reopened = true;
      ++next_reopened;
    }
    ES_RETURN_IF_ERROR(ChangeObject(&p, static_cast<int>(i), reopened));
    p = Ws(p);
    if (*p++ != ',') return Status::Ok();  // ']'
  }
}

// Walks one change object from its '{' to past its '}', decoding it where its rows stand
// (or, when it has no rows, or the rows may still be reopened, or it is a delete, at its end).
Status Decoder::ChangeObject(const uchar** pp, int i, bool reopened) {
  const uchar* p = Ws(*pp + 1);
  ChangeAt at;
  bool decoded = false;
  if (*p != '}') {
    for (;;) {
      p = Ws(p);
      bool escaped = false;
      const uchar* kb = p;
      p = ScanString(p, e_, &escaped);
      const Key k = ChangeKey(StringValue(kb + 1, p - 1, escaped, &buf_));
      p = Ws(Ws(p) + 1);  // ':'
      const uchar* v = p;
      bool now = false;
      switch (k) {
        case Key::kOp: at.op = v; break;
        case Key::kTable: at.table = v; break;
        case Key::kKey: at.key = v; break;
        case Key::kRow: at.row = v; break;
        case Key::kColumns: at.columns = v; break;
        case Key::kRows: {
          at.rows = v;
          // Nothing that shapes this change can follow (the scan says so): decode it now,
          // unless it is a delete, whose key may still come.
          if (!reopened && !decoded) {
            now = true;
            if (at.op) {
              const Token op = Read(at.op);
              now = !(op.kind == Token::kString && Str(op, &buf_) == "delete");
            }
          }
          break;
        }
        default: break;
      }
      const uchar* end = nullptr;
      if (now) {
        ES_RETURN_IF_ERROR(Change(at, i, &end));
        decoded = true;
      }
      if (!end) {
        Token skipped;
        end = ReadToken(v, e_, &skipped);
      }
      p = end;
      p = Ws(p);
      if (*p++ != ',') break;  // '}'
    }
  } else {
    ++p;
  }
  *pp = p;
  if (decoded) return Status::Ok();
  return Change(at, i, nullptr);
}

// The checks and rows of one change, in the DOM decoder's order. `rows_end` (when given)
// receives the end of the rows array once its rows are decoded.
Status Decoder::Change(const ChangeAt& at, int i, const uchar** rows_end) {
  const int index = change_offset_ + i;
  auto where = [index] { return "changes[" + std::to_string(index) + "]"; };
  Token op, table_name;
  if (at.op) op = Read(at.op);
  if (at.table) table_name = Read(at.table);
  if (!at.op || op.kind != Token::kString) return BatchError(where() + ".op: must be \"upsert\" or \"delete\"");
  if (!at.table || table_name.kind != Token::kString) return BatchError(where() + ".table: must be a table name");
  const std::string_view name = Str(table_name, &buf2_);
  const TableSpec* table = FindTable(name);
  if (!table) return BatchError(where() + ".table: unknown table '" + std::string(name.substr(0, 40)) + "'");
  const std::string_view op_name = Str(op, &buf_);
  values_.assign(table->columns.size(), Value{});
  if (scratch_.size() < table->columns.size()) scratch_.resize(table->columns.size());
  RowPosition pos{index, -1};

  if (op_name == "delete") {
    if (!at.key) return BatchError(where() + ".key: required for delete");
    ES_RETURN_IF_ERROR(ObjectRow(*table, at.key, pos, /*key_only=*/true));
    return sink_(RowChange{Op::kDelete, table, values_.data(), pos});
  }
  if (op_name != "upsert") return BatchError(where() + ".op: must be \"upsert\" or \"delete\"");
  if ((at.row != nullptr) == (at.rows != nullptr)) return BatchError(where() + ": an upsert has either row or rows");
  if (at.row) {
    ES_RETURN_IF_ERROR(ObjectRow(*table, at.row, pos, false));
    return sink_(RowChange{Op::kUpsert, table, values_.data(), pos});
  }

  if (!at.columns || *at.columns != '[' || *Ws(at.columns + 1) == ']') {
    return BatchError(where() + ".columns: must be a non-empty array of column names");
  }
  if (*at.rows != '[') return BatchError(where() + ".rows: must be an array");
  col_index_.clear();
  const uchar* p = at.columns + 1;
  for (;;) {
    Token c;
    p = Ws(ReadToken(Ws(p), e_, &c));
    const int idx = c.kind == Token::kString ? table->ColumnIndex(Str(c, &buf_)) : -1;
    if (idx < 0) {
      return BatchError(where() + ".columns: unknown column " + Dump(c).substr(0, 40) + " of " + table->name);
    }
    for (int seen : col_index_) {
      if (seen == idx) return BatchError(where() + ".columns: duplicate column " + Dump(c));
    }
    col_index_.push_back(idx);
    if (*p++ != ',') break;
  }
  const uchar* rows = at.rows;
  ES_RETURN_IF_ERROR(Rows(*table, &rows, pos, i == 0 ? row_offset_ : 0));
  if (rows_end) *rows_end = rows;
  return Status::Ok();
}

// Reads a token as the column's kind of value (the type checks), then applies the column's
// checks, which are the same ones the server runs on every row it commits.
Status Decoder::ToValue(const ColumnSpec& col, const Token& t, const RowPosition& pos, std::string* scratch,
                        Value* out) {
  auto bad = [&](const char* problem) { return RowError("INVALID_ROW", pos, col.name, problem); };
  *out = Value{};
  if (t.kind == Token::kNull) {
    out->kind = Value::kNull;
  } else if (col.type == ColType::kBool) {
    if (t.kind == Token::kTrue || t.kind == Token::kFalse) {
      out->i = t.kind == Token::kTrue ? 1 : 0;
    } else if (t.kind != Token::kInt || (t.i != 0 && t.i != 1)) {
      return bad("must be 0, 1, true or false");
    } else {
      out->i = t.i;
    }
    out->kind = Value::kInt;
  } else if (col.IsInteger()) {
    if (t.kind != Token::kInt) return bad("must be an integer");
    out->kind = Value::kInt;
    out->i = t.i;
  } else {
    if (t.kind != Token::kString) return bad("must be a string");
    out->kind = Value::kText;
    out->s = StringValue(t.b, t.e, t.escaped, scratch);
  }
  return CheckValue(col, *out, pos);
}

// The columnar rows from the '[' at *pp; leaves *pp past the closing ']'.
Status Decoder::Rows(const TableSpec& table, const uchar** pp, RowPosition pos, int first_row) {
  const uchar* p = Ws(*pp + 1);
  const size_t n = col_index_.size();
  if (tokens_.size() < n) tokens_.resize(n);
  if (*p == ']') {
    *pp = p + 1;
    return binary_rows_.empty() ? Status::Ok() : BinaryRows(table, pos, first_row);
  }
  if (!binary_rows_.empty()) return BatchError("rows: given as text and tokenized");
  for (int r = 0;; ++r) {
    pos.row = first_row + r;
    p = Ws(p);
    size_t count = 0;
    if (*p == '[') {
      p = Ws(p + 1);
      if (*p == ']') {
        ++p;
      } else {
        for (;;) {
          if (count == n) {  // one value too many: the row's length is wrong, whatever follows
            count = n + 1;
            break;
          }
          p = Ws(ReadToken(Ws(p), e_, &tokens_[count++]));
          if (*p++ != ',') break;
        }
      }
    }
    ES_RETURN_IF_ERROR(Row(table, count, pos));
    p = Ws(p);
    if (*p++ != ',') break;  // ']'
  }
  *pp = p;
  return Status::Ok();
}

// One columnar row whose `count` values are in tokens_: checked and handed to the sink.
Status Decoder::Row(const TableSpec& table, size_t count, const RowPosition& pos) {
  const size_t n = col_index_.size();
  if (count != n) {
    return RowError("INVALID_BATCH", pos, "", "must be an array of " + std::to_string(n) + " values");
  }
  for (size_t c = 0; c < n; ++c) {
    const int idx = col_index_[c];
    const ColumnSpec& col = table.columns[idx];
    const Token& t = tokens_[c];
    // Most of a load's values: an integer its column takes, without ToValue's call.
    if (t.kind == Token::kInt && col.TakesInteger(t.i)) {
      values_[idx] = Value{Value::kInt, t.i, {}};
      continue;
    }
    ES_RETURN_IF_ERROR(ToValue(col, t, pos, &scratch_[idx], &values_[idx]));
  }
  ES_RETURN_IF_ERROR(CheckRow(table, values_.data(), pos));
  return sink_(RowChange{Op::kUpsert, &table, values_.data(), pos});
}

// The rows of the part's columnar change from binary_rows_ (RowsTag), each value the
// token its JSON text would read as.
Status Decoder::BinaryRows(const TableSpec& table, RowPosition pos, int first_row) {
  const uchar* p = reinterpret_cast<const uchar*>(binary_rows_.data());
  const uchar* const end = p + binary_rows_.size();
  auto has = [&](size_t bytes) { return static_cast<size_t>(end - p) >= bytes; };
  auto u32 = [&] {
    uint32_t v;
    std::memcpy(&v, p, 4);
    p += 4;
    return v;
  };
  const Status malformed = BatchError("rows: malformed tokens");
  for (int r = 0; p < end; ++r) {
    pos.row = first_row + r;
    if (!has(4)) return malformed;
    const uint32_t count = u32();
    const size_t n = col_index_.size();
    const size_t values = count == 0xFFFFFFFF ? 0 : count;  // not an array: no values
    for (size_t c = 0; c < values && c < n; ++c) {
      Token& t = tokens_[c];
      if (!has(1)) return malformed;
      t = Token{};
      const uchar tag = *p++;
      if (tag <= kRowFalse) {
        t.kind = tag == kRowNull ? Token::kNull : tag == kRowTrue ? Token::kTrue : Token::kFalse;
      } else if (tag == kRowInt32 || tag == kRowInt64) {
        const size_t size = tag == kRowInt32 ? 4 : 8;
        if (!has(size)) return malformed;
        int32_t small;
        if (tag == kRowInt32) std::memcpy(&small, p, 4), t.i = small;
        else std::memcpy(&t.i, p, 8);
        p += size;
        t.kind = Token::kInt;
      } else {
        if (!has(4)) return malformed;
        const uint32_t length = u32();
        if (!has(length) || tag > kRowNumber) return malformed;
        t.b = p;
        t.e = p + length;
        p += length;
        // A number's text reads as its JSON would (an integer within int64, or not).
        if (tag == kRowNumber) {
          bool is_int = false;
          if (length == 0 || ScanNumber(t.b, t.e, &is_int, &t.i) != t.e) return malformed;
          t.kind = is_int ? Token::kInt : Token::kNumber;
        } else {
          t.kind = Token::kString;
        }
      }
    }
    // A row longer than the columns is refused as the text's is, whatever it holds.
    ES_RETURN_IF_ERROR(Row(table, std::min(values, n + 1), pos));
  }
  return Status::Ok();
}

// A row (or a delete's key) in object form. Its members are checked in key order, a later
// duplicate key replacing an earlier one, as a JSON object (std::map) holds them: per
// column the last member that names it, walked in the order of the column names, with
// the smallest unknown key (the first a sorted walk would meet) reported where it falls.
Status Decoder::ObjectRow(const TableSpec& table, const uchar* p, const RowPosition& pos, bool key_only) {
  for (auto& v : values_) v = Value{};
  if (*p != '{') return RowError("INVALID_BATCH", pos, key_only ? "key" : "row", "must be an object");
  struct Member {
    std::string key;
    Token value;
  };
  std::vector<Member> members;
  member_of_.assign(table.columns.size(), -1);
  int unknown = -1;  // the member with the smallest unknown key
  p = Ws(p + 1);
  if (*p != '}') {
    for (;;) {
      p = Ws(p);
      Member m;
      bool escaped = false;
      const uchar* kb = p;
      p = ScanString(p, e_, &escaped);
      m.key = std::string(StringValue(kb + 1, p - 1, escaped, &buf_));
      p = Ws(ReadToken(Ws(Ws(p) + 1), e_, &m.value));
      const int idx = table.ColumnIndex(m.key);
      const int at = static_cast<int>(members.size());
      if (idx >= 0) {
        member_of_[static_cast<size_t>(idx)] = at;
      } else if (unknown < 0 || m.key < members[static_cast<size_t>(unknown)].key) {
        unknown = at;
      }
      members.push_back(std::move(m));
      if (*p++ != ',') break;
    }
  }
  auto unknown_column = [&] {
    return RowError("INVALID_BATCH", pos, members[static_cast<size_t>(unknown)].key,
                    std::string("unknown column of ") + table.name);
  };
  for (int idx : table.by_name) {
    const ColumnSpec& col = table.columns[static_cast<size_t>(idx)];
    if (unknown >= 0 && members[static_cast<size_t>(unknown)].key < col.name) return unknown_column();
    const int m = member_of_[static_cast<size_t>(idx)];
    if (m < 0) continue;
    if (key_only) {
      bool is_key = false;
      for (int k : table.key) is_key = is_key || k == idx;
      if (!is_key) return RowError("INVALID_BATCH", pos, col.name, "not a key column");
    }
    ES_RETURN_IF_ERROR(ToValue(col, members[static_cast<size_t>(m)].value, pos, &scratch_[idx], &values_[idx]));
  }
  if (unknown >= 0) return unknown_column();
  if (key_only) {
    for (int k : table.key) {
      if (values_[k].kind == Value::kAbsent) {
        return RowError("INVALID_ROW", pos, table.columns[k].name, "key column is missing");
      }
    }
    return Status::Ok();
  }
  return CheckRow(table, values_.data(), pos);
}

}  // namespace

Status DecodeChangeBatch(std::string_view text, const std::function<Status(const BatchHeader&)>& on_header,
                         const RowSink& sink, int change_offset, int row_offset, std::string_view rows) {
  const uchar* b = reinterpret_cast<const uchar*>(text.data());
  const uchar* e = b + text.size();
  Layout layout;
  if (!Scan(b, e, &layout)) return Status::Error("INVALID_JSON", "the change batch is not valid JSON");
  Decoder decoder(e, sink, change_offset, row_offset, rows);
  BatchHeader header;
  ES_RETURN_IF_ERROR(decoder.Header(layout, &header));
  ES_RETURN_IF_ERROR(on_header(header));
  return decoder.Changes(layout);
}

}  // namespace edgestay::protocol
