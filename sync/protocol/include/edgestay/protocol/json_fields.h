// The one typed, non-throwing reader of JSON fields (nlohmann::json), shared by the core's
// call arguments, the change-batch decoder and every request body edgestay-server reads.
// Header-only: each build (core without exceptions, server with them) compiles it in its
// own configuration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edgestay/date.h"

namespace edgestay::protocol {

enum class Field { kMissing, kOk, kBad };

// The largest integer JavaScript represents exactly: ids, amounts and times stop here.
constexpr int64_t kMaxSafeInt = (int64_t{1} << 53) - 1;

// An integer JSON number (no fraction) that fits int64.
inline bool ReadInt(const nlohmann::json& v, int64_t* out) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(u);
    return true;
  }
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return true;
  }
  return false;
}

// o[key], or nullptr when o is no object or the key is missing or null.
inline const nlohmann::json* FieldOf(const nlohmann::json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

// An integer within [min, max]. null counts as missing.
inline Field IntField(const nlohmann::json& o, const char* key, int64_t min, int64_t max, int64_t* out) {
  if (!o.is_object()) return Field::kBad;
  const nlohmann::json* v = FieldOf(o, key);
  if (!v) return Field::kMissing;
  return ReadInt(*v, out) && *out >= min && *out <= max ? Field::kOk : Field::kBad;
}

inline Field IdField(const nlohmann::json& o, const char* key, int64_t* out) {
  return IntField(o, key, 1, kMaxSafeInt, out);
}

// true/false or 0/1.
inline Field BoolField(const nlohmann::json& o, const char* key, int64_t* out) {
  if (!o.is_object()) return Field::kBad;
  const nlohmann::json* v = FieldOf(o, key);
  if (!v) return Field::kMissing;
  if (v->is_boolean()) {
    *out = v->get<bool>() ? 1 : 0;
    return Field::kOk;
  }
  return ReadInt(*v, out) && (*out == 0 || *out == 1) ? Field::kOk : Field::kBad;
}

// A string of min_len..max_len bytes. U+0000 is refused in every string edgestay accepts:
// PostgreSQL cannot store it (it would cut the string there) and SQLite can, so a string
// holding one would differ between the stores (sync/FORMAT.md, conventions).
inline Field StrField(const nlohmann::json& o, const char* key, size_t min_len, size_t max_len, std::string* out) {
  if (!o.is_object()) return Field::kBad;
  const nlohmann::json* v = FieldOf(o, key);
  if (!v) return Field::kMissing;
  if (!v->is_string()) return Field::kBad;
  const std::string& s = v->get_ref<const std::string&>();
  if (s.size() < min_len || s.size() > max_len || s.find('\0') != std::string::npos) return Field::kBad;
  *out = s;
  return Field::kOk;
}

// A real "YYYY-MM-DD" date within edgestay/date.h's years.
inline Field DateField(const nlohmann::json& o, const char* key, Day* day) {
  std::string s;
  const Field f = StrField(o, key, 10, 10, &s);
  if (f != Field::kOk) return f;
  return ParseDate(s, day) ? Field::kOk : Field::kBad;
}

// Serialises without throwing on invalid UTF-8 (replaced by U+FFFD).
inline std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edgestay::protocol
