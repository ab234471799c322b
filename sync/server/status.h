// A result value for every fallible call in edgestay-server: no exceptions cross layers.
#pragma once

#include <string>
#include <utility>

namespace edgestay::server {

struct Status {
  std::string code;  // empty = OK; otherwise a stable code (FORMAT.md §4 / docs/SERVER.md)
  std::string message;

  bool ok() const { return code.empty(); }
  static Status OK() { return {}; }
  static Status Error(std::string code, std::string message) {
    return Status{std::move(code), std::move(message)};
  }
};

// Database-level codes (mapped to HTTP 500/503 by the routes; retried where marked).
inline constexpr const char* kDbError = "DB_ERROR";
inline constexpr const char* kDbConstraint = "DB_CONSTRAINT";   // CHECK / FK / NOT NULL
inline constexpr const char* kDbUnique = "DB_UNIQUE";           // unique violation
inline constexpr const char* kDbRetry = "DB_RETRY";             // serialization, deadlock, busy
inline constexpr const char* kDbUnavailable = "DB_UNAVAILABLE"; // connection lost / pool empty

}  // namespace edgestay::server
