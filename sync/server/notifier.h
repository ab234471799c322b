// Wakes long-polling pulls when a hotel's change log grows.
//
// A waiter reads Version(hotel) BEFORE it queries the log, and after an empty answer
// waits until the version moves: a commit between the query and the wait still wakes
// it (no lost wake-ups). Notify(0) wakes every hotel (used after the PostgreSQL
// listener reconnects, when notifications may have been missed).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace edgestay::server {

class ChangeNotifier {
 public:
  uint64_t Version(int64_t hotel_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return VersionLocked(hotel_id);
  }

  void Notify(int64_t hotel_id) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (hotel_id == 0) ++global_;
      else ++versions_[hotel_id];
    }
    cv_.notify_all();
  }

  // True when the version moved (or the server is stopping) before the deadline.
  bool WaitChange(int64_t hotel_id, uint64_t seen,
                  std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, deadline,
                          [&] { return stopping_ || VersionLocked(hotel_id) != seen; });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

  bool stopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

 private:
  uint64_t VersionLocked(int64_t hotel_id) {
    auto it = versions_.find(hotel_id);
    return global_ + (it == versions_.end() ? 0 : it->second);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<int64_t, uint64_t> versions_;
  uint64_t global_ = 0;
  bool stopping_ = false;
};

}  // namespace edgestay::server
