// JsonWriter: appends JSON text to a string without building a DOM.
//
// Query answers are written straight into their wire form: they cross the wasm boundary
// as one string per call, and the cache stores that same string. The writer tracks
// whether a comma is due, so callers only say what comes next.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edgestay {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}
  // Continues an object or array that `out` already holds members of.
  static JsonWriter Continuing(std::string* out) {
    JsonWriter w(out);
    w.first_ = false;
    return w;
  }

  JsonWriter& BeginObject() { Sep(); out_->push_back('{'); first_ = true; return *this; }
  JsonWriter& EndObject() { out_->push_back('}'); first_ = false; return *this; }
  JsonWriter& BeginArray() { Sep(); out_->push_back('['); first_ = true; return *this; }
  JsonWriter& EndArray() { out_->push_back(']'); first_ = false; return *this; }

  JsonWriter& Key(std::string_view k) {
    Sep();
    out_->push_back('"');
    out_->append(k.data(), k.size());
    out_->append("\":");
    first_ = true;  // the value that follows needs no comma
    return *this;
  }

  JsonWriter& Int(int64_t v) {
    Sep();
    // Hand-rolled: snprintf was the top cost of writing a calendar grid.
    char buf[24];
    char* end = buf + sizeof buf;
    char* p = end;
    uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    do {
      *--p = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    out_->append(p, static_cast<size_t>(end - p));
    return *this;
  }
  // As printf's "%.17g", which round-trips exactly, so JS sees the same double the core
  // computed (json_writer.cc writes it without libc's printf).
  JsonWriter& Double(double v) {
    Sep();
    AppendDouble17(out_, v);
    return *this;
  }
  static void AppendDouble17(std::string* out, double v);
  JsonWriter& Bool(bool v) { Sep(); out_->append(v ? "true" : "false"); return *this; }
  JsonWriter& Null() { Sep(); out_->append("null"); return *this; }
  JsonWriter& String(std::string_view s);
  // Appends already-serialized JSON as one value.
  JsonWriter& Raw(std::string_view json) { Sep(); out_->append(json.data(), json.size()); return *this; }

 private:
  void Sep() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }
  std::string* out_;
  bool first_ = true;
};

// A JSON string literal (with quotes) for `s`.
std::string JsonQuote(std::string_view s);

}  // namespace edgestay
