#include "db.h"

#include <chrono>
#include <random>
#include <thread>

namespace edgestay::server {

Lease& Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    Release();
    backend_ = o.backend_;
    conn_ = std::move(o.conn_);
    o.backend_ = nullptr;
  }
  return *this;
}

Lease::~Lease() { Release(); }

void Lease::Release() {
  if (backend_ && conn_) backend_->Return(std::move(conn_));
  conn_.reset();
  backend_ = nullptr;
}

Status Backend::Acquire(Lease* out, int wait_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<Conn> c = std::move(idle_.back());
      idle_.pop_back();
      *out = Lease(this, std::move(c));
      return Status::Ok();
    }
    if (open_ < max_conns_) {
      ++open_;
      lock.unlock();
      std::unique_ptr<Conn> c;
      Status s = Open(&c);
      if (!s.ok()) {
        lock.lock();
        --open_;
        cv_.notify_one();
        return s;
      }
      *out = Lease(this, std::move(c));
      return Status::Ok();
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= max_conns_) {
      return Status::Error(kDbUnavailable, "no database connection available");
    }
  }
}

void Backend::Return(std::unique_ptr<Conn> conn) {
  bool healthy = conn && conn->Healthy();
  std::lock_guard<std::mutex> lock(mu_);
  if (healthy) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
    conn.reset();
  }
  cv_.notify_one();
}

void Backend::CloseAll() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ -= idle_.size();
  idle_.clear();
}

Status WithTx(Backend& backend, TxKind kind, const std::function<Status(Conn&)>& fn) {
  thread_local std::minstd_rand rng(std::random_device{}());
  Status s;
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (attempt > 0) {
      int backoff = (1 << std::min(attempt, 6)) + static_cast<int>(rng() % 5);
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    }
    Lease conn;
    s = backend.Acquire(&conn);
    if (!s.ok()) return s;
    s = conn->Begin(kind);
    if (s.ok()) {
      s = fn(*conn);
      if (s.ok()) {
        s = conn->Commit();
        if (!s.ok()) conn->Rollback();
      } else {
        conn->Rollback();
      }
    }
    if (!Retryable(s)) return s;
  }
  return s;
}

}  // namespace edgestay::server
