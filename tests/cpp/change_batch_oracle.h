// The change-batch decoder that built a nlohmann::json document of the whole batch, kept
// only as the oracle of the streaming decoder (sync/protocol/change_batch.cc): the property
// test in change_batch_stream_test.cc checks that both give the same verdict, error and
// rows on random and mutated batches. Not used by any product code.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "edgestay/protocol/change_batch.h"
#include "edgestay/protocol/json_fields.h"

namespace edgestay::test::oracle {

using namespace ::edgestay::protocol;

namespace dom {

using json = nlohmann::json;

inline Status BatchError(std::string message) { return Status::Error("INVALID_BATCH", std::move(message)); }

// Reads a JSON value as the column's kind of value (the type checks), then applies the
// column's checks, which are the same ones the server runs on every row it commits.
inline Status ValidateValue(const ColumnSpec& col, const json& v, const RowPosition& pos, Value* out) {
  auto bad = [&](std::string problem) { return RowError("INVALID_ROW", pos, col.name, problem); };
  if (v.is_null()) {
    out->kind = Value::kNull;
  } else if (col.type == ColType::kBool) {
    if (v.is_boolean()) {
      out->i = v.get<bool>() ? 1 : 0;
    } else if (!ReadInt(v, &out->i) || (out->i != 0 && out->i != 1)) {
      return bad("must be 0, 1, true or false");
    }
    out->kind = Value::kInt;
  } else if (col.IsInteger()) {
    if (!ReadInt(v, &out->i)) return bad("must be an integer");
    out->kind = Value::kInt;
  } else {
    if (!v.is_string()) return bad("must be a string");
    out->kind = Value::kText;
    out->s = v.get_ref<const std::string&>();
  }
  return CheckValue(col, *out, pos);
}

inline Status DecodeObjectRow(const TableSpec& table, const json& row, const RowPosition& pos, bool key_only,
                       std::vector<Value>* values) {
  for (auto& v : *values) v = Value{};
  if (!row.is_object()) return RowError("INVALID_BATCH", pos, key_only ? "key" : "row", "must be an object");
  for (auto it = row.begin(); it != row.end(); ++it) {
    const int idx = table.ColumnIndex(it.key());
    if (idx < 0) return RowError("INVALID_BATCH", pos, it.key(), std::string("unknown column of ") + table.name);
    if (key_only) {
      bool is_key = false;
      for (int k : table.key) is_key = is_key || k == idx;
      if (!is_key) return RowError("INVALID_BATCH", pos, it.key(), "not a key column");
    }
    ES_RETURN_IF_ERROR(ValidateValue(table.columns[idx], it.value(), pos, &(*values)[idx]));
  }
  if (key_only) {
    for (int k : table.key) {
      if ((*values)[k].kind == Value::kAbsent) {
        return RowError("INVALID_ROW", pos, table.columns[k].name, "key column is missing");
      }
    }
    return Status::Ok();
  }
  return CheckRow(table, values->data(), pos);
}

inline Status DecodeChange(const json& change, int index, int row_offset, const RowSink& sink, std::vector<Value>* values) {
  const std::string where = "changes[" + std::to_string(index) + "]";
  if (!change.is_object()) return BatchError(where + ": must be an object");
  auto op_it = change.find("op");
  auto table_it = change.find("table");
  if (op_it == change.end() || !op_it->is_string()) return BatchError(where + ".op: must be \"upsert\" or \"delete\"");
  if (table_it == change.end() || !table_it->is_string()) return BatchError(where + ".table: must be a table name");
  const std::string& op_name = op_it->get_ref<const std::string&>();
  const TableSpec* table = FindTable(table_it->get_ref<const std::string&>());
  if (!table) return BatchError(where + ".table: unknown table '" + table_it->get<std::string>().substr(0, 40) + "'");
  values->assign(table->columns.size(), Value{});
  RowPosition pos{index, -1};

  if (op_name == "delete") {
    auto key = change.find("key");
    if (key == change.end()) return BatchError(where + ".key: required for delete");
    ES_RETURN_IF_ERROR(DecodeObjectRow(*table, *key, pos, /*key_only=*/true, values));
    return sink(RowChange{Op::kDelete, table, values->data(), pos});
  }
  if (op_name != "upsert") return BatchError(where + ".op: must be \"upsert\" or \"delete\"");

  auto row = change.find("row");
  auto rows = change.find("rows");
  if ((row != change.end()) == (rows != change.end())) return BatchError(where + ": an upsert has either row or rows");
  if (row != change.end()) {
    ES_RETURN_IF_ERROR(DecodeObjectRow(*table, *row, pos, false, values));
    return sink(RowChange{Op::kUpsert, table, values->data(), pos});
  }

  auto columns = change.find("columns");
  if (columns == change.end() || !columns->is_array() || columns->empty()) {
    return BatchError(where + ".columns: must be a non-empty array of column names");
  }
  if (!rows->is_array()) return BatchError(where + ".rows: must be an array");
  std::vector<int> col_index;
  for (const json& c : *columns) {
    const int idx = c.is_string() ? table->ColumnIndex(c.get_ref<const std::string&>()) : -1;
    if (idx < 0) return BatchError(where + ".columns: unknown column " + c.dump().substr(0, 40) + " of " + table->name);
    for (int seen : col_index) {
      if (seen == idx) return BatchError(where + ".columns: duplicate column " + c.dump());
    }
    col_index.push_back(idx);
  }
  int r = 0;
  for (const json& rv : *rows) {
    pos.row = row_offset + r++;
    if (!rv.is_array() || rv.size() != col_index.size()) {
      return RowError("INVALID_BATCH", pos, "", "must be an array of " + std::to_string(col_index.size()) + " values");
    }
    for (auto& v : *values) v = Value{};
    for (size_t c = 0; c < col_index.size(); ++c) {
      ES_RETURN_IF_ERROR(ValidateValue(table->columns[col_index[c]], rv[c], pos, &(*values)[col_index[c]]));
    }
    ES_RETURN_IF_ERROR(CheckRow(*table, values->data(), pos));
    ES_RETURN_IF_ERROR(sink(RowChange{Op::kUpsert, table, values->data(), pos}));
  }
  return Status::Ok();
}

inline bool ReadCursor(const json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get<std::string>();
    return out->size() <= 128;
  }
  int64_t i;
  if (ReadInt(v, &i)) {
    *out = std::to_string(i);
    return true;
  }
  return false;
}

}  // namespace dom

using namespace dom;

inline Status DomDecodeChangeBatch(std::string_view text, const std::function<Status(const BatchHeader&)>& on_header,
                         const RowSink& sink, int change_offset, int row_offset) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Error("INVALID_JSON", "the change batch is not valid JSON");
  if (!doc.is_object()) return BatchError("a change batch must be a JSON object");
  auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() || format->get_ref<const std::string&>() != kChangeFormat) {
    return BatchError("format: must be \"" + std::string(kChangeFormat) + "\"");
  }
  BatchHeader header;
  if (auto it = doc.find("since"); it != doc.end()) {
    std::string s;
    if (it->is_null()) {
      header.since_is_null = true;
    } else if (ReadCursor(*it, &s)) {
      header.since = s;
    } else {
      return BatchError("since: must be a cursor string, integer or null");
    }
  }
  if (auto it = doc.find("cursor"); it != doc.end() && !it->is_null()) {
    std::string s;
    if (!ReadCursor(*it, &s)) return BatchError("cursor: must be a string of at most 128 characters or an integer");
    header.cursor = s;
  }
  if (auto it = doc.find("syncedAt"); it != doc.end() && !it->is_null()) {
    int64_t ms;
    if (!ReadInt(*it, &ms) || ms < 0) return BatchError("syncedAt: must be ms since the epoch");
    header.synced_at = ms;
  }
  auto changes = doc.find("changes");
  if (changes == doc.end() || !changes->is_array()) return BatchError("changes: must be an array");
  header.change_count = static_cast<int64_t>(changes->size());
  ES_RETURN_IF_ERROR(on_header(header));
  std::vector<Value> values;
  int index = 0;
  for (const json& change : *changes) {
    ES_RETURN_IF_ERROR(dom::DecodeChange(change, change_offset + index, index == 0 ? row_offset : 0, sink, &values));
    ++index;
  }
  return Status::Ok();
}

}  // namespace edgestay::test::oracle
