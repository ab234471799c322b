// Status: how every fallible operation in the core and in edgestay-server reports failure.
//
// The core never throws (it is built with -fno-exceptions, native and wasm alike), so
// errors travel as values; the server uses the same type, so a code produced by the shared
// protocol layer reaches an HTTP answer unchanged. `code` is a stable string from docs/API.md's error table; the
// JS wrapper turns it into EdgestayError.code. Invariant: ok() <=> code is empty (an Error
// given no code is ok).
#pragma once

#include <memory>
#include <string>
#include <utility>

namespace edgestay {

class Status {
 public:
  Status() = default;
  Status(const Status& other) : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}
  Status& operator=(const Status& other) {
    if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }
  static Status Error(std::string code, std::string message, std::string details_json = "{}") {
    Status s;
    if (code.empty()) return s;
    s.rep_ = std::make_unique<Rep>(Rep{std::move(code), std::move(message), std::move(details_json)});
    return s;
  }

  bool ok() const { return rep_ == nullptr; }
  const std::string& code() const { return rep_ ? rep_->code : Empty(); }
  const std::string& message() const { return rep_ ? rep_->message : Empty(); }
  // A JSON object with structured context (e.g. {"change":3,"row":12,"field":"date"});
  // "{}" when there is none.
  const std::string& details_json() const {
    static const std::string kNone = "{}";
    return rep_ && !rep_->details_json.empty() ? rep_->details_json : kNone;
  }

  // {"code":..., "message":..., "details":{...}}
  std::string ToJson() const;

 private:
  static const std::string& Empty() {
    static const std::string kEmpty;
    return kEmpty;
  }
  struct Rep {
    std::string code;
    std::string message;
    std::string details_json;  // "" or "{}" when there are none
  };
  // Null when ok: an ok Status (every call's, every row's, several a row in a load) is
  // one pointer to make, move and destroy, not three strings.
  std::unique_ptr<Rep> rep_;
};

// Propagates a failed Status to the caller.
#define ES_RETURN_IF_ERROR(expr)          \
  do {                                    \
    ::edgestay::Status _es_status = (expr); \
    if (!_es_status.ok()) return _es_status; \
  } while (0)

}  // namespace edgestay
