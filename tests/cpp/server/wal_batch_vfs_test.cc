// The server's WAL-batching VFS (sync/server/sqlite_wal_batch.h) against the default VFS
// as the oracle: random transactions (commits, rollbacks, mid-transaction cache spills,
// transactions larger than the held buffer, checkpoints that restart the WAL) written
// through it must read back, from another connection on the default VFS after every
// commit, exactly as a model says; a commit's frames take one pwrite, not two per frame;
// a write that fails at the flush fails that commit only.
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "sqlite_wal_batch.h"

namespace {

using edgestay::server::WalBatchVfsName;

// pwrite through the default VFS's system-call table: counted, and made to fail on demand.
using PwriteFn = ssize_t (*)(int, const void*, size_t, off_t);
PwriteFn g_pwrite = nullptr;
int g_pwrites = 0;
bool g_fail_writes = false;
ssize_t CountingPwrite(int fd, const void* buf, size_t n, off_t off) {
  ++g_pwrites;
  if (g_fail_writes) {
    errno = ENOSPC;
    return -1;
  }
  return g_pwrite(fd, buf, n, off);
}

class WalBatchVfs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wal_batch_vfs_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "db.sqlite").string();
    sqlite3_vfs* unix_vfs = sqlite3_vfs_find(nullptr);
    g_pwrite = reinterpret_cast<PwriteFn>(unix_vfs->xGetSystemCall(unix_vfs, "pwrite"));
    ASSERT_NE(g_pwrite, nullptr);
    ASSERT_EQ(unix_vfs->xSetSystemCall(unix_vfs, "pwrite", reinterpret_cast<sqlite3_syscall_ptr>(CountingPwrite)),
              SQLITE_OK);
  }
  void TearDown() override {
    sqlite3_vfs* unix_vfs = sqlite3_vfs_find(nullptr);
    unix_vfs->xSetSystemCall(unix_vfs, "pwrite", nullptr);  // back to the real one
    g_fail_writes = false;
    std::filesystem::remove_all(dir_);
  }


 public:
  sqlite3* Open(const char* vfs, const char* extra = "") {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
    Exec(db, std::string("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                         " PRAGMA wal_autocheckpoint = 0;") + extra);
    return db;
  }
  static void Exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << " in " << sql;
  }
  static std::map<int64_t, std::string> ReadAll(sqlite3* db) {
    std::map<int64_t, std::string> out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT k, v FROM t", -1, &st, nullptr), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
      out[sqlite3_column_int64(st, 0)] = std::string(static_cast<const char*>(sqlite3_column_blob(st, 1)),
                                                     static_cast<size_t>(sqlite3_column_bytes(st, 1)));
    sqlite3_finalize(st);
    return out;
  }
  static int Put(sqlite3* db, int64_t k, const std::string& v) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO t (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                       -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, k);
    sqlite3_bind_blob(st, 2, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    const int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(WalBatchVfs, RandomTransactionsReadBackAsTheModelFromAnotherConnection) {
  // The reader is a plain default-VFS connection, like the server's others.
  sqlite3* w = Open(WalBatchVfsName());
  Exec(w, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  sqlite3* r = Open(nullptr);
  std::mt19937_64 rng(20261201);
  std::map<int64_t, std::string> model;
  auto blob = [&](size_t n) {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  for (int tx = 0; tx < 300; ++tx) {
    std::map<int64_t, std::string> next = model;
    const int kind = static_cast<int>(rng() % 20);
    // Half the transactions with a page cache of 8 pages: they spill frames before their
    // commit (and read them back); the others hold all their frames until the commit.
    Exec(w, rng() % 2 ? "PRAGMA cache_size = 8" : "PRAGMA cache_size = 4000");
    Exec(w, "BEGIN IMMEDIATE");
    // 1 in 20: more than the held buffer (1 MiB) in one transaction.
    const int ops = kind == 0 ? 400 : 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < ops; ++i) {
      const int64_t k = static_cast<int64_t>(rng() % 2000);
      if (rng() % 5 == 0) {
        Exec(w, "DELETE FROM t WHERE k = " + std::to_string(k));
        next.erase(k);
      } else {
        // Small rows and rows with overflow pages (> one 4 KiB page).
        std::string v = blob(rng() % 4 == 0 ? 3000 + rng() % 9000 : 1 + rng() % 300);
        ASSERT_EQ(Put(w, k, v), SQLITE_DONE);
        next[k] = std::move(v);
      }
    }
    if (kind == 1) {
      Exec(w, "ROLLBACK");
    } else {
      Exec(w, "COMMIT");
      model = std::move(next);
    }
    // (Compared whole; printed only by size: the values are random bytes.)
    const auto seen = ReadAll(r);
    ASSERT_TRUE(seen == model) << "after transaction " << tx << ": " << seen.size() << " rows, model "
                               << model.size();
    // Checkpoints: the next writer restarts the WAL from its start (its header rewritten).
    if (kind == 2) Exec(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (kind == 3) Exec(r, "PRAGMA wal_checkpoint(RESTART)");
  }
  sqlite3_close(r);
  sqlite3_close(w);
  // Reopened from the files alone (the WAL recovered by a fresh connection).
  sqlite3* fresh = Open(nullptr);
  EXPECT_TRUE(ReadAll(fresh) == model);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(fresh, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
  sqlite3_finalize(st);
  sqlite3_close(fresh);
}

// pwrites of one commit of ~60 dirty pages (all to the WAL: no checkpoint runs).
int PwritesOfOneCommit(sqlite3* db, int first_key) {
  const int before = g_pwrites;
  [&] {
    WalBatchVfs::Exec(db, "BEGIN IMMEDIATE");
    for (int i = 0; i < 60; ++i) ASSERT_EQ(WalBatchVfs::Put(db, first_key + i, std::string(3000, 'x')), SQLITE_DONE);
    WalBatchVfs::Exec(db, "COMMIT");
  }();
  return g_pwrites - before;
}

TEST_F(WalBatchVfs, ACommitsFramesTakeOnePwritePer120KiB) {
  sqlite3* plain = Open(nullptr);
  Exec(plain, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  PwritesOfOneCommit(plain, 0);  // the WAL's header written and synced once
  const int unbatched = PwritesOfOneCommit(plain, 1000);
  sqlite3_close(plain);
  sqlite3* batched = Open(WalBatchVfsName());
  const int batched_writes = PwritesOfOneCommit(batched, 2000);
  sqlite3_close(batched);
  // ~62 frames of 4,120 bytes (250 KiB): two writes each (header, page), or one per
  // 120 KiB held.
  EXPECT_GE(unbatched, 120);
  EXPECT_LE(batched_writes, 4);
}

TEST_F(WalBatchVfs, AFailedFlushFailsThatCommitOnlyAndTheConnectionStaysUsable) {
  sqlite3* w = Open(WalBatchVfsName());
  Exec(w, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  ASSERT_EQ(Put(w, 1, "kept"), SQLITE_DONE);
  sqlite3* r = Open(nullptr);
  Exec(w, "BEGIN IMMEDIATE");
  ASSERT_EQ(Put(w, 2, "lost"), SQLITE_DONE);
  g_fail_writes = true;  // the disk is full when the commit's frames are written
  EXPECT_NE(sqlite3_exec(w, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  g_fail_writes = false;
  if (!sqlite3_get_autocommit(w)) sqlite3_exec(w, "ROLLBACK", nullptr, nullptr, nullptr);
  const std::map<int64_t, std::string> only_kept = {{1, "kept"}};
  EXPECT_EQ(ReadAll(r), only_kept);
  EXPECT_EQ(ReadAll(w), only_kept);
  ASSERT_EQ(Put(w, 3, "after"), SQLITE_DONE);
  const std::map<int64_t, std::string> after = {{1, "kept"}, {3, "after"}};
  EXPECT_EQ(ReadAll(r), after);
  sqlite3_close(r);
  sqlite3_close(w);
}

}  // namespace
