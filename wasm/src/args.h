// Argument parsing for Engine::Call: the one reader of a call's JSON arguments and the
// typed reads from them, each failing with the error code docs/API.md gives for that kind
// of mistake.
//
// The reader (Args::Parse) has two forms behind one interface. The plain form the JS
// wrapper sends — an object whose values are integers, strings without escapes or
// non-ASCII bytes, true, false, null, or arrays of such flat objects — is scanned into a
// flat list of fields without building a JSON tree (the general parse was ~40% of a
// small question's core time). Any other text (escapes, non-ASCII, fractions, exponents,
// nested objects, duplicate keys, invalid JSON) goes to the core's JSON reader
// (protocol/json_value.h), which builds a tree. The scanner only accepts text whose tree
// would hold exactly the values it read, so the typed
// reads below — written once, over Obj and Val — answer and word their errors alike in
// both forms (tests/js/flat_args.test.mjs checks that on random and mutated arguments).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgestay/date.h"
#include "edgestay/protocol/json_value.h"
#include "edgestay/protocol/tables.h"
#include "edgestay/status.h"
#include "engine_impl.h"
#include "json_writer.h"

namespace edgestay::args {

using JsonValue = protocol::json::JsonValue;

inline constexpr int64_t kMaxRooms = 10000;    // rooms of one stay query
inline constexpr int64_t kMaxDays = 100000;    // bounds a stay's arithmetic; max_nights is the hotel's rule

class Args;

// A field's value as the typed reads see it, in either form.
struct Val {
  enum Kind : uint8_t { kMissing, kNull, kInt, kStr, kBool, kList, kOther };
  Kind kind = kMissing;
  bool b = false;            // kBool
  int64_t i = 0;             // kInt (an integer JSON number that fits int64)
  std::string_view s;        // kStr
  const JsonValue* dom = nullptr;  // the tree's value (tree form)
  const Args* flat = nullptr;  // kList of the flat form: objects [first, first + count)
  uint32_t first = 0, count = 0;

  size_t Size() const { return flat ? count : dom->size(); }  // kList
  class Obj Item(size_t i) const;                              // kList
  // The value as JSON text (error messages quote it), as JsonValue::Dump writes it.
  std::string Dump() const;
};

// An object of the arguments (the call's, or one of a list), in either form. Implicit
// from a tree value, so the typed reads also serve nested objects that callers hold as
// JSON (leases, ranges).
class Obj {
 public:
  Obj(const JsonValue& j) : dom_(&j) {}  // NOLINT: implicit on purpose
  Obj(const Args* flat, uint32_t object) : flat_(flat), object_(object) {}
  bool IsObject() const { return flat_ != nullptr || dom_->is_object(); }
  Val Get(const char* name) const;

 private:
  const JsonValue* dom_ = nullptr;
  const Args* flat_ = nullptr;
  uint32_t object_ = 0;
};

class Args {
 public:
  // Reads `text` (which must outlive the reads); false when it is not JSON or nests deeper
  // than the tree reads (ParseError() says which). Reusable: a second Parse replaces the
  // first. A bool, not a Status: the per-call floor pays for every constructed Status.
  bool Parse(std::string_view text);
  Status ParseError() const;
  operator Obj() const { return flat_ ? Obj(this, 0) : Obj(dom_); }  // NOLINT: the call's object
  // The arguments as a tree (from the flat form, built on first use): for the few reads
  // of nested values (lists of ids or statuses, cache TTLs, leases, results).
  const JsonValue& Json() const;

 private:
  friend class Obj;
  friend struct Val;
  struct Field {
    std::string_view key;
    Val value;  // kNull, kInt, kStr, kBool or kList
  };
  struct Object {
    uint32_t begin, end;  // fields_[begin, end)
  };
  bool Flat(std::string_view text);
  bool FlatObject(const char*& p, const char* e, bool top, uint32_t* index);
  void AppendText(const Val& v, std::string* out) const;

  bool flat_ = false;
  bool too_deep_ = false;
  std::vector<Field> fields_;
  std::vector<Object> objects_;
  std::vector<Field> pending_;  // fields of the objects being scanned (nested lists)
  std::string_view text_;
  JsonValue dom_;
  mutable std::optional<JsonValue> built_;
};

inline Status BadArg(const std::string& field, const std::string& problem) {
  return Status::Error("INVALID_ARGUMENT", field + ": " + problem, "{\"field\":" + JsonQuote(field) + "}");
}

// An integer JSON number (no fraction) that fits int64 (protocol::ReadInt's rule, which
// the reader applies to every number it reads).
inline bool ReadInt(const JsonValue& v, int64_t* out) {
  if (!v.is_int()) return false;
  *out = v.i();
  return true;
}

// o[name] of a tree value, or nullptr when missing or null: for nested values (lists of
// ids or statuses, cache TTLs, leases, results). Of the call's arguments in the flat
// form, the tree is built only when the field is there.
inline const JsonValue* Field(const JsonValue& o, const char* name) {
  const JsonValue* v = o.Find(name);
  return v && !v->is_null() ? v : nullptr;
}
inline const JsonValue* Field(const Args& a, const char* name) {
  const Val v = Obj(a).Get(name);
  return v.kind == Val::kMissing || v.kind == Val::kNull ? nullptr : Field(a.Json(), name);
}

inline Status ReadId(const Obj& args, const char* name, int64_t* out) {
  const Val v = args.Get(name);
  if (v.kind == Val::kMissing || v.kind == Val::kNull) return BadArg(name, "is required");
  if (v.kind != Val::kInt || v.i < 1 || v.i > protocol::kMaxId) return BadArg(name, "must be a positive integer id");
  *out = v.i;
  return Status::Ok();
}

// A whole number; absent or null: `*present` false.
inline Status ReadIntOf(const Obj& args, const char* name, const char* problem, int64_t* out, bool* present) {
  const Val v = args.Get(name);
  *present = v.kind != Val::kMissing && v.kind != Val::kNull;
  if (!*present) return Status::Ok();
  if (v.kind != Val::kInt) return BadArg(name, problem);
  *out = v.i;
  return Status::Ok();
}

inline Status ReadCount(const Obj& args, const char* name, int64_t def, int64_t min, int64_t max, int64_t* out) {
  const Val v = args.Get(name);
  if (v.kind == Val::kNull) return BadArg(name, "must not be null");
  if (v.kind == Val::kMissing) {
    *out = def;
    return Status::Ok();
  }
  if (v.kind != Val::kInt || v.i < min || v.i > max) {
    return BadArg(name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  *out = v.i;
  return Status::Ok();
}

inline Status ReadDay(const Obj& args, const char* name, Day* out) {
  const Val v = args.Get(name);
  if (v.kind != Val::kStr || !ParseDate(v.s, out)) {
    std::string shown = v.kind == Val::kMissing || v.kind == Val::kNull ? "missing" : v.Dump();
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return Status::Error("INVALID_DATE", std::string(name) + ": " + shown + " is not a date YYYY-MM-DD",
                         "{\"field\":" + JsonQuote(name) + "}");
  }
  return Status::Ok();
}

inline Status ReadRange(const Obj& args, const char* from_name, const char* to_name, int64_t max_days, Day* from, Day* to) {
  ES_RETURN_IF_ERROR(ReadDay(args, from_name, from));
  ES_RETURN_IF_ERROR(ReadDay(args, to_name, to));
  if (*to <= *from) {
    return Status::Error("INVALID_RANGE", std::string(to_name) + " must be after " + from_name,
                         "{\"field\":" + JsonQuote(to_name) + "}");
  }
  if (*to - *from > max_days) {
    return Status::Error("INVALID_RANGE", "the range is longer than " + std::to_string(max_days) + " days",
                         "{\"field\":" + JsonQuote(to_name) + "}");
  }
  return Status::Ok();
}

inline Status ReadStay(const Obj& args, StayQuery* q) {
  if (!args.IsObject()) return BadArg("query", "must be an object");
  ES_RETURN_IF_ERROR(ReadId(args, "roomTypeId", &q->room_type_id));
  // kMaxDays here only bounds the arithmetic; the hotel's max_nights rule is checked later.
  ES_RETURN_IF_ERROR(ReadRange(args, "checkIn", "checkOut", kMaxDays, &q->check_in, &q->check_out));
  return ReadCount(args, "rooms", 1, 1, kMaxRooms, &q->rooms);
}

// A string of 1 to 128 bytes without U+0000 (protocol::StrField's rule).
inline Status ReadKey(const Obj& args, const char* name, std::string* out, bool* present) {
  const Val v = args.Get(name);
  *present = v.kind != Val::kMissing && v.kind != Val::kNull;
  if (!*present) return Status::Ok();
  if (v.kind != Val::kStr || v.s.empty() || v.s.size() > 128 || v.s.find('\0') != std::string_view::npos) {
    return BadArg(name, "must be a string of 1 to 128 characters, without U+0000");
  }
  *out = std::string(v.s);
  return Status::Ok();
}

inline Status ReadBool(const Obj& args, const char* name, bool def, bool* out) {
  const Val v = args.Get(name);
  if (v.kind == Val::kMissing || v.kind == Val::kNull) {
    *out = def;
    return Status::Ok();
  }
  if (v.kind != Val::kBool) return BadArg(name, "must be true or false");
  *out = v.b;
  return Status::Ok();
}

}  // namespace edgestay::args
