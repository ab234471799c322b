// Typed, non-throwing field readers for request bodies (nlohmann::json).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "dates.h"

namespace edgestay::server {

enum class Field { kMissing, kOk, kBad };

constexpr int64_t kMaxSafeInt = (int64_t{1} << 53) - 1;

// An integer (no fraction, no string) within [min, max]. null counts as missing.
inline Field IntField(const nlohmann::json& o, const char* key, int64_t min, int64_t max,
                      int64_t* out) {
  if (!o.is_object()) return Field::kBad;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Field::kMissing;
  if (it->is_number_unsigned()) {
    uint64_t u = it->get<uint64_t>();
    if (u > static_cast<uint64_t>(kMaxSafeInt)) return Field::kBad;
    *out = static_cast<int64_t>(u);
  } else if (it->is_number_integer()) {
    *out = it->get<int64_t>();
  } else {
    return Field::kBad;
  }
  return (*out >= min && *out <= max) ? Field::kOk : Field::kBad;
}

inline Field IdField(const nlohmann::json& o, const char* key, int64_t* out) {
  return IntField(o, key, 1, kMaxSafeInt, out);
}

// true/false or 0/1.
inline Field BoolField(const nlohmann::json& o, const char* key, int64_t* out) {
  if (!o.is_object()) return Field::kBad;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Field::kMissing;
  if (it->is_boolean()) {
    *out = it->get<bool>() ? 1 : 0;
    return Field::kOk;
  }
  if (it->is_number_integer()) {
    int64_t v = it->get<int64_t>();
    if (v == 0 || v == 1) {
      *out = v;
      return Field::kOk;
    }
  }
  return Field::kBad;
}

inline Field StrField(const nlohmann::json& o, const char* key, size_t min_len, size_t max_len,
                      std::string* out) {
  if (!o.is_object()) return Field::kBad;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Field::kMissing;
  if (!it->is_string()) return Field::kBad;
  const std::string& s = it->get_ref<const std::string&>();
  if (s.size() < min_len || s.size() > max_len) return Field::kBad;
  *out = s;
  return Field::kOk;
}

inline Field DateField(const nlohmann::json& o, const char* key, int64_t* days) {
  std::string s;
  Field f = StrField(o, key, 10, 10, &s);
  if (f != Field::kOk) return f;
  return ParseDate(s, days) ? Field::kOk : Field::kBad;
}

inline std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edgestay::server
