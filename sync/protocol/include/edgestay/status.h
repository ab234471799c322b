// Status: how every fallible operation in the core and in edgestay-server reports failure.
//
// The core never throws (it is built with -fno-exceptions, native and wasm alike), so
// errors travel as values; the server uses the same type, so a code produced by the shared
// protocol layer reaches an HTTP answer unchanged. `code` is a stable string from docs/API.md's error table; the
// JS wrapper turns it into EdgestayError.code. Invariant: ok() <=> code is empty.
#pragma once

#include <string>
#include <utility>

namespace edgestay {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string code, std::string message, std::string details_json = "{}") {
    Status s;
    s.code_ = std::move(code);
    s.message_ = std::move(message);
    s.details_json_ = std::move(details_json);
    return s;
  }

  bool ok() const { return code_.empty(); }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  // A JSON object with structured context (e.g. {"change":3,"row":12,"field":"date"});
  // "{}" when there is none.
  const std::string& details_json() const {
    static const std::string kNone = "{}";
    return details_json_.empty() ? kNone : details_json_;
  }

  // {"code":..., "message":..., "details":{...}}
  std::string ToJson() const;

 private:
  std::string code_;
  std::string message_;
  // Empty, not "{}", when there are none: every Status made (each Ok() of every call and
  // row) would otherwise build that text (a load's rows make several each).
  std::string details_json_;
};

// Propagates a failed Status to the caller.
#define ES_RETURN_IF_ERROR(expr)          \
  do {                                    \
    ::edgestay::Status _es_status = (expr); \
    if (!_es_status.ok()) return _es_status; \
  } while (0)

}  // namespace edgestay
