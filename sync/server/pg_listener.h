// A background LISTEN connection (PostgreSQL store only): calls on_change(hotel_id) for
// every committed change notification, and on_change(0) after (re)connecting.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace edgestay::server {

class PgListener {
 public:
  PgListener(std::string conninfo, std::function<void(int64_t)> on_change);
  ~PgListener();
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void Run();
  std::string conninfo_;
  std::function<void(int64_t)> on_change_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace edgestay::server
