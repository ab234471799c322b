// The SQLite store's checkpoints on their own thread (sync/server/sqlite_store.cc,
// Checkpointer): under writers that never pause the WAL must still start over (its file
// stays within kSqliteWalBoundFrames frames and one commit's, instead of growing with every
// commit), the
// copied pages must reach the database file while the writers run, and every committed
// row must read back.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "db.h"

namespace {

using namespace edgestay;
using namespace edgestay::server;

int64_t FileBytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

TEST(SqliteCheckpointer, TheWalStartsOverUnderWritesThatNeverPause) {
  const auto dir = std::filesystem::temp_directory_path() / ("sqlite_checkpointer_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "store.sqlite").string();
  {
    Status st;
    // Not durable: the same checkpoints, without an fsync per commit (a fast test).
    std::unique_ptr<Backend> backend = MakeSqliteBackend(path, 4, false, &st);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE(WithTx(*backend, TxKind::kWrite, [](Conn& c) {
                  return c.ExecScript("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
                }).ok());
    // Two writers, back to back: ~7 pages per transaction, ~5 times the bound in all.
    constexpr int kPerWriter = 6000, kRows = 24;
    std::atomic<int64_t> max_wal{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
      writers.emplace_back([&, w] {
        for (int tx = 0; tx < kPerWriter; ++tx) {
          Status s = WithTx(*backend, TxKind::kWrite, [&](Conn& c) {
            for (int i = 0; i < kRows; ++i) {
              const int64_t k = (static_cast<int64_t>(w) * kPerWriter + tx) * kRows + i;
              Status q = c.Exec("INSERT INTO t (k, v) VALUES ($1, zeroblob(1000))", {k});
              if (!q.ok()) return q;
            }
            return Status::Ok();
          });
          ASSERT_TRUE(s.ok()) << s.message();
          const int64_t wal = FileBytes(path + "-wal");
          int64_t seen = max_wal.load();
          while (wal > seen && !max_wal.compare_exchange_weak(seen, wal)) {
          }
        }
      });
    }
    for (auto& t : writers) t.join();
    // The database file itself grew while the writers ran: pages were copied into it.
    EXPECT_GT(FileBytes(path), 4 << 20);
    // The bound, plus the frames of the commit that crossed it (and the WAL's header).
    constexpr int64_t kFrameBytes = 4096 + 24;
    EXPECT_LE(max_wal.load(), (kSqliteWalBoundFrames + 50) * kFrameBytes + 32);
    Result r;
    ASSERT_TRUE(WithTx(*backend, TxKind::kRead, [&](Conn& c) {
                  return c.Query("SELECT count(*), min(k), max(k) FROM t", {}, &r);
                }).ok());
    EXPECT_EQ(r.at(0, 0).Int(), 2 * kPerWriter * kRows);
    EXPECT_EQ(r.at(0, 1).Int(), 0);
    EXPECT_EQ(r.at(0, 2).Int(), 2 * kPerWriter * kRows - 1);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
