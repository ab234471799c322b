// Backups of the central store (SQLite: the online backup API; PostgreSQL: pg_dump -Fc),
// their manifests, retention, verified restores (`backup monitor` restores the newest
// backup into a scratch database and checks it against its manifest), `backup restore`,
// and migrations that take a pre-migration backup first.
//
// One inspection (Inspect) describes a database: schema version, row count of every
// table, the change-log position of every hotel, and whether each hotel's change log is
// gap-free up to that position. A manifest records the inspection of the very snapshot
// that was backed up; a verification inspects the restored copy and compares.
#include "backup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "db.h"
#include "protocol_names.h"
#include "quiet_thread.h"
#include "metrics.h"
#include "sql_store.h"

extern char** environ;

namespace edgestay::server {
namespace {

constexpr const char* kManifestSuffix = ".manifest.json";
constexpr const char* kMonitorState = "monitor-state.json";
constexpr const char* kEdgestayVersion = "0.1.0";

// Retention defaults (docs/DATABASE_BACKUP_STRATEGY.md).
constexpr int kDefaultKeepDaily = 7;
constexpr int kDefaultKeepWeekly = 4;
constexpr int kDefaultKeepPreMigration = 5;
constexpr int64_t kDefaultMaxAgeSeconds = 26 * 3600;  // a daily backup plus slack

std::string Opt(const std::map<std::string, std::string>& o, const std::string& k,
                const std::string& def = "") {
  auto it = o.find(k);
  return it == o.end() ? def : it->second;
}
bool HasOpt(const std::map<std::string, std::string>& o, const std::string& k) {
  return o.count(k) > 0;
}

// 20261130T230102123Z: sorts like the time it names (IsoTimeMs without its separators).
std::string FileStamp(int64_t ms) {
  std::string stamp = IsoTimeMs(ms);
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':' || c == '.'; });
  return stamp;
}

std::string HumanBytes(int64_t n) {
  char buf[32];
  if (n >= (1 << 30)) std::snprintf(buf, sizeof buf, "%.2f GiB", n / double(1 << 30));
  else if (n >= (1 << 20)) std::snprintf(buf, sizeof buf, "%.2f MiB", n / double(1 << 20));
  else if (n >= 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
  else std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(n));
  return buf;
}

std::string HumanAge(int64_t seconds) {
  char buf[48];
  if (seconds < 120) std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(seconds));
  else if (seconds < 7200) std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(seconds / 60));
  else if (seconds < 172800)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds % 3600 / 60));
  else std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(seconds / 86400),
                     static_cast<long long>(seconds % 86400 / 3600));
  return buf;
}

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
std::string JoinPath(const std::string& dir, const std::string& name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

Status MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      std::string part = dir.substr(0, i);
      if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST)
        return Status::Error("BACKUP_FAILED", "cannot create " + part + ": " + std::strerror(errno));
    }
  }
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::Error("BACKUP_FAILED", dir + " is not a folder");
  if (::access(dir.c_str(), W_OK) != 0)
    return Status::Error("BACKUP_FAILED", "the backup folder " + dir + " is not writable");
  return Status::Ok();
}

bool FileSize(const std::string& path, int64_t* size) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return false;
  *size = static_cast<int64_t>(st.st_size);
  return true;
}

Status FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Status::Error("BACKUP_FAILED", "cannot open " + path + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::Error("BACKUP_FAILED", "fsync " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

Status Sha256File(const std::string& path, std::string* hex) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("BACKUP_FAILED", "cannot read " + path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static const char* kHex = "0123456789abcdef";
  hex->clear();
  for (unsigned int i = 0; i < len; ++i) {
    hex->push_back(kHex[md[i] >> 4]);
    hex->push_back(kHex[md[i] & 15]);
  }
  return Status::Ok();
}

// Writes a file atomically (temp file, fsync, rename): a reader sees all of it or none.
Status WriteFileAtomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error("BACKUP_FAILED", "cannot write " + tmp);
    out << text;
    if (!out.flush()) return Status::Error("BACKUP_FAILED", "cannot write " + tmp);
  }
  Status s = FsyncPath(tmp);
  if (!s.ok()) return s;
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::Error("BACKUP_FAILED", "cannot rename " + tmp + ": " + std::strerror(errno));
  return Status::Ok();
}

bool ReadJsonFile(const std::string& path, json* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = json::parse(ss.str(), nullptr, false);
  return !out->is_discarded() && out->is_object();
}

// ---------------------------------------------------------------------------------------
// External tools (pg_dump, pg_restore): found on PATH or in /usr/lib/postgresql/*/bin
// (newest major version first, since pg_dump must not be older than the server).
// ---------------------------------------------------------------------------------------
bool Executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string FindPgTool(const std::string& name) {
  std::vector<int> versions;
  if (DIR* d = ::opendir("/usr/lib/postgresql")) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] >= '0' && e->d_name[0] <= '9') versions.push_back(std::atoi(e->d_name));
    }
    ::closedir(d);
  }
  std::sort(versions.rbegin(), versions.rend());
  for (int v : versions) {
    std::string p = "/usr/lib/postgresql/" + std::to_string(v) + "/bin/" + name;
    if (Executable(p)) return p;
  }
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string p = JoinPath(dir.empty() ? "." : dir, name);
    if (Executable(p)) return p;
  }
  return "";
}

// Runs argv (no shell) with default signal handling; *output gets stdout+stderr.
Status RunTool(const std::vector<std::string>& argv, std::string* output) {
  int fds[2];
  if (::pipe(fds) != 0) return Status::Error("BACKUP_FAILED", "pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all_default;
  sigemptyset(&none);
  sigemptyset(&all_default);
  sigaddset(&all_default, SIGINT);
  sigaddset(&all_default, SIGTERM);
  sigaddset(&all_default, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);  // the server blocks these in every thread
  posix_spawnattr_setsigdefault(&attr, &all_default);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0].c_str(), &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return Status::Error("BACKUP_FAILED", "cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  output->clear();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      if (output->size() < (1 << 20)) output->append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (!output->empty() && (output->back() == '\n' || output->back() == ' ')) output->pop_back();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::Error("BACKUP_FAILED", BaseName(argv[0]) + " failed (exit " +
                                              std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                              "): " + *output);
  return Status::Ok();
}

Status PgTool(const std::string& name, std::string* path) {
  *path = FindPgTool(name);
  if (path->empty())
    return Status::Error("BACKUP_FAILED", name + " not found on PATH or in /usr/lib/postgresql/*/bin "
                                                 "(install the postgresql-client package)");
  return Status::Ok();
}

// The same PostgreSQL URI with another database name.
std::string WithDatabase(const std::string& uri, const std::string& db) {
  auto scheme = uri.find("://");
  auto slash = uri.find('/', scheme + 3);
  auto query = uri.find('?', scheme + 3);
  std::string head = uri.substr(0, std::min(slash, query));
  std::string tail = query == std::string::npos ? "" : uri.substr(query);
  return head + "/" + db + tail;
}

// ---------------------------------------------------------------------------------------
// Queries on a raw SQLite handle (backup files are read without the store's pragmas,
// which would switch them to WAL mode) and through a store connection, behind one shape.
// ---------------------------------------------------------------------------------------
using QueryFn = std::function<Status(const std::string& sql, Result* out)>;

Status SqliteQuery(sqlite3* db, const std::string& sql, Result* out) {
  out->rows.clear();
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  if (rc != SQLITE_OK) return Status::Error(kDbError, std::string(sqlite3_errmsg(db)) + " in: " + sql);
  const int ncol = sqlite3_column_count(st);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::vector<Cell> row(ncol);
    for (int c = 0; c < ncol; ++c) {
      if (sqlite3_column_type(st, c) == SQLITE_NULL) continue;
      row[c].null = false;
      row[c].text.assign(reinterpret_cast<const char*>(sqlite3_column_text(st, c)),
                         static_cast<size_t>(sqlite3_column_bytes(st, c)));
    }
    out->rows.push_back(std::move(row));
  }
  Status s = rc == SQLITE_DONE ? Status::Ok()
                               : Status::Error(kDbError, std::string(sqlite3_errmsg(db)) + " in: " + sql);
  sqlite3_finalize(st);
  return s;
}

QueryFn SqliteQueries(sqlite3* db) {
  return [db](const std::string& sql, Result* out) { return SqliteQuery(db, sql, out); };
}
QueryFn ConnQueries(Conn& c) {
  return [&c](const std::string& sql, Result* out) { return c.Query(sql, {}, out); };
}

struct SqliteHandle {
  sqlite3* db = nullptr;
  ~SqliteHandle() { if (db) sqlite3_close_v2(db); }
};

Status OpenSqlite(const std::string& path, int flags, SqliteHandle* h) {
  int rc = sqlite3_open_v2(path.c_str(), &h->db, flags, nullptr);
  if (rc != SQLITE_OK)
    return Status::Error(kDbUnavailable, "cannot open " + path + ": " +
                                             (h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(h->db, 10000);
  return Status::Ok();
}

// Copies every page of src into dst in one step of SQLite's online backup API (backing
// up, restoring and verifying all copy this way); a failure carries `code`.
Status CopyPages(sqlite3* src, sqlite3* dst, const char* code, const char* what) {
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) return Status::Error(code, std::string(what) + ": " + sqlite3_errmsg(dst));
  const int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE)
    return Status::Error(code, std::string(what) + ": " + sqlite3_errstr(rc) + " (" +
                                   sqlite3_errmsg(dst) + ")");
  return Status::Ok();
}

// PRAGMA integrity_check: "ok" or the first problems it names.
Status SqliteIntegrity(sqlite3* db) {
  Result r;
  Status s = SqliteQuery(db, "PRAGMA integrity_check(20)", &r);
  if (!s.ok()) return Status::Error("VERIFY_FAILED", "integrity_check: " + s.message());
  if (r.size() == 1 && r.at(0, 0).text == "ok") return Status::Ok();
  std::string problems;
  for (auto& row : r.rows) problems += (problems.empty() ? "" : "; ") + row[0].text;
  return Status::Error("VERIFY_FAILED", "integrity_check: " + problems);
}

// ---------------------------------------------------------------------------------------
// Inspection
// ---------------------------------------------------------------------------------------
struct Inspection {
  int schema_version = 0;
  std::string server_version;
  std::map<std::string, int64_t> rows;  // table -> rows
  std::map<int64_t, int64_t> hotels;    // hotel id -> change-log position (last seq)
  std::vector<std::string> problems;    // change-log gaps found

  json ToJson() const {
    json h = json::object(), r = json::object();
    for (auto& [id, seq] : hotels) h[std::to_string(id)] = seq;
    for (auto& [t, n] : rows) r[t] = n;
    return {{"schemaVersion", schema_version}, {"serverVersion", server_version},
            {"hotels", h}, {"rows", r}};
  }
  static bool FromJson(const json& j, Inspection* out) {
    if (!j.contains("schemaVersion") || !j["schemaVersion"].is_number_integer() ||
        !j.contains("hotels") || !j["hotels"].is_object() || !j.contains("rows") ||
        !j["rows"].is_object())
      return false;
    out->schema_version = j["schemaVersion"].get<int>();
    if (j.contains("serverVersion") && j["serverVersion"].is_string())
      out->server_version = j["serverVersion"].get<std::string>();
    for (auto& [k, v] : j["hotels"].items()) {
      if (!v.is_number_integer()) return false;
      out->hotels[std::strtoll(k.c_str(), nullptr, 10)] = v.get<int64_t>();
    }
    for (auto& [k, v] : j["rows"].items()) {
      if (!v.is_number_integer()) return false;
      out->rows[k] = v.get<int64_t>();
    }
    return true;
  }
};

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Reads everything in the caller's current transaction (one consistent snapshot).
Status Inspect(const QueryFn& q, Dialect dialect, Inspection* out) {
  *out = Inspection{};
  Result r;
  Status s = q(dialect == Dialect::kSqlite ? "SELECT sqlite_version()" : "SHOW server_version", &r);
  if (!s.ok()) return s;
  if (!r.empty()) out->server_version = (dialect == Dialect::kSqlite ? "SQLite " : "PostgreSQL ") + r.at(0, 0).text;
  s = q(dialect == Dialect::kSqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            : "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        &r);
  if (!s.ok()) return s;
  std::vector<std::string> tables;
  for (auto& row : r.rows) tables.push_back(row[0].text);
  for (const auto& t : tables) {
    Result c;
    s = q("SELECT COUNT(*) FROM " + QuoteIdent(t), &c);
    if (!s.ok()) return s;
    out->rows[t] = c.at(0, 0).Int();
  }
  auto has = [&](const char* t) { return std::find(tables.begin(), tables.end(), t) != tables.end(); };
  if (has("schema_migrations")) {
    s = q("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &r);
    if (!s.ok()) return s;
    out->schema_version = static_cast<int>(r.at(0, 0).Int());
  }
  if (has("change_seq")) {
    s = q("SELECT hotel_id, last_seq FROM change_seq ORDER BY hotel_id", &r);
    if (!s.ok()) return s;
    for (auto& row : r.rows) out->hotels[row[0].Int()] = row[1].Int();
  }
  if (has("change_log")) {
    // Gap-free: the log of a hotel holds every seq from its oldest kept entry up to its
    // position (older entries may have been trimmed, never ones in the middle).
    s = q("SELECT hotel_id, COUNT(*), MIN(seq), MAX(seq) FROM change_log GROUP BY hotel_id "
          "ORDER BY hotel_id", &r);
    if (!s.ok()) return s;
    for (auto& row : r.rows) {
      const int64_t hotel = row[0].Int(), n = row[1].Int(), lo = row[2].Int(), hi = row[3].Int();
      auto it = out->hotels.find(hotel);
      const int64_t pos = it == out->hotels.end() ? -1 : it->second;
      if (n != hi - lo + 1 || hi != pos)
        out->problems.push_back("hotel " + std::to_string(hotel) + ": change log holds " +
                                std::to_string(n) + " entries " + std::to_string(lo) + ".." +
                                std::to_string(hi) + " but its position is " + std::to_string(pos));
    }
  }
  return Status::Ok();
}

// Differences between what a manifest promises and what a restored copy holds.
std::vector<std::string> Compare(const Inspection& want, const Inspection& got) {
  std::vector<std::string> diff = got.problems;
  if (want.schema_version != got.schema_version)
    diff.push_back("schema version " + std::to_string(got.schema_version) + ", manifest says " +
                   std::to_string(want.schema_version));
  for (auto& [t, n] : want.rows) {
    auto it = got.rows.find(t);
    if (it == got.rows.end()) diff.push_back("table " + t + " is missing");
    else if (it->second != n)
      diff.push_back("table " + t + " has " + std::to_string(it->second) + " rows, manifest says " +
                     std::to_string(n));
  }
  for (auto& [t, n] : got.rows)
    if (!want.rows.count(t)) diff.push_back("table " + t + " is not in the manifest");
  for (auto& [h, seq] : want.hotels) {
    auto it = got.hotels.find(h);
    if (it == got.hotels.end()) diff.push_back("hotel " + std::to_string(h) + " is missing");
    else if (it->second != seq)
      diff.push_back("hotel " + std::to_string(h) + " is at change " + std::to_string(it->second) +
                     ", manifest says " + std::to_string(seq));
  }
  for (auto& [h, seq] : got.hotels)
    if (!want.hotels.count(h)) diff.push_back("hotel " + std::to_string(h) + " is not in the manifest");
  return diff;
}

std::string JoinProblems(const std::vector<std::string>& v, size_t max = 5) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max; ++i) out += (i ? "; " : "") + v[i];
  if (v.size() > max) out += "; … (" + std::to_string(v.size() - max) + " more)";
  return out;
}

// ---------------------------------------------------------------------------------------
// Manifests
// ---------------------------------------------------------------------------------------
struct Manifest {
  std::string path;  // of the manifest file
  json j;
  std::string File() const { return JoinPath(path.substr(0, path.rfind('/') + 1), j["file"].get<std::string>()); }
  int64_t Time() const { return j["time"].get<int64_t>(); }
  int64_t Size() const { return j["sizeBytes"].get<int64_t>(); }
  std::string Kind() const { return j["kind"].get<std::string>(); }
  std::string Store() const { return j["store"].get<std::string>(); }
};

bool ValidManifest(const json& j) {
  return j.value("format", "") == "edgestay.backup/1" && j.contains("file") && j["file"].is_string() &&
         j.contains("time") && j["time"].is_number_integer() && j.contains("sizeBytes") &&
         j["sizeBytes"].is_number_integer() && j.contains("sha256") && j["sha256"].is_string() &&
         j.contains("kind") && j["kind"].is_string() && j.contains("store") && j["store"].is_string() &&
         BaseName(j["file"].get<std::string>()) == j["file"].get<std::string>();
}

// Every readable manifest in dir, oldest first.
std::vector<Manifest> ListManifests(const std::string& dir) {
  std::vector<Manifest> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  const std::string suffix = kManifestSuffix;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    Manifest m;
    m.path = JoinPath(dir, name);
    if (ReadJsonFile(m.path, &m.j) && ValidManifest(m.j)) out.push_back(std::move(m));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const Manifest& a, const Manifest& b) {
    return a.Time() != b.Time() ? a.Time() < b.Time() : a.path < b.path;
  });
  return out;
}

// The file's size and sha256 against its manifest.
Status CheckFile(const std::string& file, const json& manifest) {
  int64_t size = 0;
  if (!FileSize(file, &size))
    return Status::Error("BACKUP_CORRUPT", file + ": the backup file is missing");
  if (size != manifest["sizeBytes"].get<int64_t>())
    return Status::Error("BACKUP_CORRUPT", file + ": size " + std::to_string(size) +
                                               " bytes, the manifest says " +
                                               std::to_string(manifest["sizeBytes"].get<int64_t>()) +
                                               " (truncated or changed)");
  std::string sha;
  Status s = Sha256File(file, &sha);
  if (!s.ok()) return Status::Error("BACKUP_CORRUPT", s.message());
  if (sha != manifest["sha256"].get<std::string>())
    return Status::Error("BACKUP_CORRUPT", file + ": sha256 " + sha + " does not match the manifest's " +
                                               manifest["sha256"].get<std::string>() + " (corrupted)");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Creating backups
// ---------------------------------------------------------------------------------------
struct Retention {
  int daily = kDefaultKeepDaily;
  int weekly = kDefaultKeepWeekly;
  int pre_migration = kDefaultKeepPreMigration;
};

bool ParseRetention(const std::map<std::string, std::string>& o, Retention* r) {
  auto get = [&](const char* key, int min, int* out) {
    if (!HasOpt(o, key)) return true;
    char* end = nullptr;
    std::string v = Opt(o, key);
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end || n < min || n > 10000) {
      std::cerr << "edgestay-server: --" << key << " must be an integer " << min << "..10000" << std::endl;
      return false;
    }
    *out = static_cast<int>(n);
    return true;
  };
  return get("keep-daily", 1, &r->daily) && get("keep-weekly", 0, &r->weekly) &&
         get("keep-pre-migration", 1, &r->pre_migration);
}

// Deletes backups (file + manifest) of `store` beyond the retention: of the regular
// backups, the newest of each of the last `daily` days that have one and the newest of
// each of the last `weekly` weeks (Monday to Sunday, UTC) stay; of the pre-migration
// backups, the newest `pre_migration`. Returns the deleted file names.
std::vector<std::string> Prune(const std::string& dir, const std::string& store, const Retention& r) {
  std::vector<Manifest> all = ListManifests(dir);
  std::set<std::string> keep;
  std::set<int64_t> days, weeks;
  int pre = 0;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {  // newest first
    if (it->Store() != store) {
      keep.insert(it->path);
      continue;
    }
    if (it->Kind() == "pre-migration") {
      if (pre++ < r.pre_migration) keep.insert(it->path);
      continue;
    }
    const int64_t day = it->Time() / 86400000;
    const int64_t week = (day + 3) / 7;  // 1970-01-01 was a Thursday: weeks start on Monday
    if (!days.count(day) && static_cast<int>(days.size()) < r.daily) {
      days.insert(day);
      keep.insert(it->path);
    }
    if (!weeks.count(week) && static_cast<int>(weeks.size()) < r.weekly) {
      weeks.insert(week);
      keep.insert(it->path);
    }
  }
  std::vector<std::string> deleted;
  for (const auto& m : all) {
    if (keep.count(m.path)) continue;
    ::unlink(m.File().c_str());
    ::unlink(m.path.c_str());
    deleted.push_back(m.j["file"].get<std::string>());
  }
  return deleted;
}

struct CreateResult {
  std::string file;
  json manifest;
};

std::string StoreKind(const std::string& spec) { return IsSqliteSpec(spec) ? "sqlite" : "postgresql"; }

Status CreateSqliteBackup(const std::string& db_path, const std::string& tmp, Inspection* insp) {
  if (::access(db_path.c_str(), R_OK) != 0)
    return Status::Error("BACKUP_FAILED", "no SQLite store at " + db_path);
  SqliteHandle src, dst;
  Status s = OpenSqlite(db_path, SQLITE_OPEN_READWRITE, &src);
  if (!s.ok()) return s;
  // One read transaction: the inspection and the copy see the same snapshot, and writers
  // (WAL) keep committing meanwhile.
  Result r;
  s = SqliteQuery(src.db, "BEGIN", &r);
  if (!s.ok()) return s;
  s = Inspect(SqliteQueries(src.db), Dialect::kSqlite, insp);
  if (s.ok()) s = OpenSqlite(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst);
  if (s.ok()) s = CopyPages(src.db, dst.db, "BACKUP_FAILED", "backup");
  SqliteQuery(src.db, "COMMIT", &r);
  if (!s.ok()) return s;
  // A plain rollback-journal file: readable anywhere, even read-only, with no -wal beside it.
  s = SqliteQuery(dst.db, "PRAGMA journal_mode = DELETE", &r);
  if (!s.ok()) return s;
  return SqliteIntegrity(dst.db);
}

Status CreatePgBackup(const std::string& uri, const std::string& tmp, Inspection* insp) {
  std::string pg_dump;
  Status s = PgTool("pg_dump", &pg_dump);
  if (!s.ok()) return s;
  auto backend = MakePgBackend(uri, 1, &s);
  if (!backend) return s;
  Lease c;
  s = backend->Acquire(&c);
  if (!s.ok()) return s;
  // pg_dump joins this transaction's snapshot, so the manifest describes exactly the dump.
  s = c->Begin(TxKind::kRead);
  if (!s.ok()) return s;
  Result r;
  s = c->Query("SELECT pg_export_snapshot()", {}, &r);
  if (s.ok()) s = Inspect(ConnQueries(*c), Dialect::kPostgres, insp);
  if (s.ok()) {
    std::string out;
    s = RunTool({pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                 "--snapshot=" + r.at(0, 0).text, "--file=" + tmp, "--dbname=" + uri},
                &out);
  }
  c->Rollback();
  return s;
}

// Writes one backup of the store into dir (file + manifest), then applies the retention.
Status CreateBackup(const std::string& spec, const std::string& dir, const std::string& kind,
                    const Retention& retention, CreateResult* result) {
  Status s = MakeDirs(dir);
  if (!s.ok()) return s;
  const int64_t start = NowMs();
  const bool sqlite = IsSqliteSpec(spec);
  if (!sqlite && !IsPgSpec(spec))
    return Status::Error("INVALID_ARGUMENT", "--store must be sqlite:PATH or postgresql://…");
  std::string name = "edgestay-" + std::string(sqlite ? "sqlite" : "pg") + "-" + FileStamp(start) +
                     (kind == "pre-migration" ? "-pre-migration" : "") + (sqlite ? ".db" : ".dump");
  const std::string file = JoinPath(dir, name);
  const std::string tmp = file + ".partial";
  ::unlink(tmp.c_str());
  Inspection insp;
  s = sqlite ? CreateSqliteBackup(SqlitePathOf(spec), tmp, &insp) : CreatePgBackup(spec, tmp, &insp);
  if (s.ok()) s = FsyncPath(tmp);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    if (s.code() != "BACKUP_FAILED") s = Status::Error("BACKUP_FAILED", s.message());
    return s;
  }
  if (!insp.problems.empty()) {
    ::unlink(tmp.c_str());
    return Status::Error("BACKUP_FAILED", "the store's change log has gaps: " + JoinProblems(insp.problems));
  }
  int64_t size = 0;
  std::string sha;
  FileSize(tmp, &size);
  s = Sha256File(tmp, &sha);
  if (!s.ok()) return s;
  if (::rename(tmp.c_str(), file.c_str()) != 0)
    return Status::Error("BACKUP_FAILED", "cannot rename " + tmp + ": " + std::strerror(errno));
  json m = insp.ToJson();
  m["format"] = "edgestay.backup/1";
  m["file"] = name;
  m["kind"] = kind;
  m["store"] = StoreKind(spec);
  m["time"] = start;
  m["timeIso"] = IsoTimeMs(start);
  m["sizeBytes"] = size;
  m["sha256"] = sha;
  m["edgestayVersion"] = kEdgestayVersion;
  m["durationMs"] = NowMs() - start;
  s = WriteFileAtomic(JoinPath(dir, name + kManifestSuffix), m.dump(2) + "\n");
  if (!s.ok()) return s;
  FsyncPath(dir);
  result->file = file;
  result->manifest = m;
  for (const auto& gone : Prune(dir, StoreKind(spec), retention))
    std::fprintf(stderr, "edgestay-server: retention removed %s\n", gone.c_str());
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Restoring and verifying
// ---------------------------------------------------------------------------------------
Status SqliteCopy(const std::string& from, const std::string& to) {
  SqliteHandle src, dst;
  Status s = OpenSqlite(from, SQLITE_OPEN_READONLY, &src);
  if (!s.ok()) return s;
  s = OpenSqlite(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst);
  if (!s.ok()) return s;
  return CopyPages(src.db, dst.db, "RESTORE_FAILED", "restore");
}

// Integrity and inspection of a restored SQLite file.
Status InspectSqliteFile(const std::string& path, Inspection* insp) {
  SqliteHandle h;
  Status s = OpenSqlite(path, SQLITE_OPEN_READONLY, &h);
  if (!s.ok()) return s;
  s = SqliteIntegrity(h.db);
  if (!s.ok()) return s;
  Result r;
  SqliteQuery(h.db, "BEGIN", &r);
  s = Inspect(SqliteQueries(h.db), Dialect::kSqlite, insp);
  SqliteQuery(h.db, "COMMIT", &r);
  return s;
}

Status InspectPg(const std::string& uri, Inspection* insp) {
  Status s;
  auto backend = MakePgBackend(uri, 1, &s);
  if (!backend) return s;
  return WithTx(*backend, TxKind::kRead, [&](Conn& c) {
    return Inspect(ConnQueries(c), Dialect::kPostgres, insp);
  });
}

Status PgRestore(const std::string& file, const std::string& uri) {
  std::string pg_restore;
  Status s = PgTool("pg_restore", &pg_restore);
  if (!s.ok()) return s;
  std::string out;
  s = RunTool({pg_restore, "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
               "--dbname=" + uri, file},
              &out);
  if (!s.ok()) return Status::Error("RESTORE_FAILED", s.message());
  return s;
}

struct VerifyReport {
  bool ok = false;
  int64_t duration_ms = 0;
  std::string error;
  Inspection restored;
};

// Restores `file` into a scratch database (a temp file beside it for SQLite; a temporary
// database on the server of `pg_uri` for PostgreSQL), checks it against the manifest, and
// drops the scratch copy.
VerifyReport VerifyBackup(const Manifest& m, const std::string& pg_uri) {
  VerifyReport rep;
  const int64_t start = NowMs();
  const std::string file = m.File();
  Inspection want;
  Status s = CheckFile(file, m.j);
  if (s.ok() && !Inspection::FromJson(m.j, &want))
    s = Status::Error("BACKUP_CORRUPT", m.path + ": the manifest is unreadable");
  if (s.ok() && m.Store() == "sqlite") {
    const std::string scratch = file + ".verify-" + std::to_string(::getpid());
    ::unlink(scratch.c_str());
    s = SqliteCopy(file, scratch);
    if (s.ok()) s = InspectSqliteFile(scratch, &rep.restored);
    ::unlink(scratch.c_str());
    ::unlink((scratch + "-journal").c_str());
  } else if (s.ok()) {
    if (!IsPgSpec(pg_uri)) {
      s = Status::Error("INVALID_ARGUMENT",
                        "verifying a PostgreSQL backup needs --store postgresql://… (the scratch "
                        "database is created on that server)");
    } else {
      auto admin = MakePgBackend(pg_uri, 1, &s);
      if (admin) {
        const std::string db = "edgestay_verify_" + std::to_string(::getpid()) + "_" + std::to_string(start);
        Lease c;
        s = admin->Acquire(&c);
        if (s.ok()) s = c->ExecScript("CREATE DATABASE " + db);
        if (s.ok()) {
          const std::string scratch = WithDatabase(pg_uri, db);
          s = PgRestore(file, scratch);
          if (s.ok()) s = InspectPg(scratch, &rep.restored);
          Status d = c->ExecScript("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
          if (!d.ok()) std::cerr << "edgestay-server: dropping scratch database " << db << ": " << d.message() << std::endl;
        }
      }
    }
  }
  if (s.ok()) {
    auto diff = Compare(want, rep.restored);
    if (!diff.empty())
      s = Status::Error("VERIFY_FAILED", file + ": the restored copy differs from its manifest: " + JoinProblems(diff));
  }
  rep.duration_ms = NowMs() - start;
  rep.ok = s.ok();
  if (!s.ok()) {
    rep.error = s.code() + ": " + s.message();
    if (rep.error.find(file) == std::string::npos) rep.error += " (" + file + ")";
  }
  return rep;
}

// Restores a backup file into a store (refusing a non-empty one unless force), then
// verifies the result against the manifest.
Status Restore(const std::string& file, const std::string& target, bool force, VerifyReport* rep) {
  const int64_t start = NowMs();
  Manifest m;
  m.path = file + kManifestSuffix;
  if (!ReadJsonFile(m.path, &m.j) || !ValidManifest(m.j))
    return Status::Error("BACKUP_CORRUPT", file + ": no readable manifest (" + BaseName(m.path) +
                                               ") beside it; refusing an unverifiable backup");
  if (BaseName(file) != m.j["file"].get<std::string>())
    return Status::Error("BACKUP_CORRUPT", m.path + " describes " + m.j["file"].get<std::string>());
  Status s = CheckFile(file, m.j);
  if (!s.ok()) return s;
  Inspection want;
  if (!Inspection::FromJson(m.j, &want))
    return Status::Error("BACKUP_CORRUPT", m.path + ": the manifest is unreadable");
  const bool sqlite = m.Store() == "sqlite";
  if (sqlite != IsSqliteSpec(target) || (!sqlite && !IsPgSpec(target)))
    return Status::Error("INVALID_ARGUMENT", "a " + m.Store() + " backup restores into a " +
                                                 (sqlite ? "sqlite:PATH" : "postgresql://…") + " store");
  if (sqlite) {
    const std::string path = SqlitePathOf(target);
    if (path.empty()) return Status::Error("INVALID_ARGUMENT", "--to sqlite: needs a file path");
    int64_t size = 0;
    if (FileSize(path, &size) && size > 0) {
      Inspection cur;
      SqliteHandle h;
      s = OpenSqlite(path, SQLITE_OPEN_READONLY, &h);
      Result r;
      if (s.ok()) s = SqliteQuery(h.db, "SELECT COUNT(*) FROM sqlite_master", &r);
      if (!s.ok() && !force) return Status::Error("TARGET_NOT_EMPTY", path + " exists and is not a readable "
                                                      "database; use --force to overwrite it");
      if (s.ok() && r.at(0, 0).Int() > 0 && !force)
        return Status::Error("TARGET_NOT_EMPTY", path + " already holds a database; stop the server and use "
                                                 "--force to replace it");
    }
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) MakeDirs(path.substr(0, slash));
    s = SqliteCopy(file, path);
    if (s.ok()) s = InspectSqliteFile(path, &rep->restored);
  } else {
    auto backend = MakePgBackend(target, 1, &s);
    if (!backend) return s;
    Lease c;
    s = backend->Acquire(&c);
    if (!s.ok()) return s;
    Result r;
    s = c->Query("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'", {}, &r);
    if (!s.ok()) return s;
    if (r.at(0, 0).Int() > 0) {
      if (!force)
        return Status::Error("TARGET_NOT_EMPTY", backend->Describe() + " already holds tables; stop the "
                                                 "servers and use --force to replace them");
      s = c->ExecScript("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
      if (!s.ok()) return s;
    }
    c = Lease();
    backend.reset();
    s = PgRestore(file, target);
    if (s.ok()) s = InspectPg(target, &rep->restored);
  }
  if (s.ok()) {
    auto diff = Compare(want, rep->restored);
    if (!diff.empty())
      s = Status::Error("VERIFY_FAILED", "the restored store differs from the manifest: " + JoinProblems(diff));
  }
  rep->duration_ms = NowMs() - start;
  rep->ok = s.ok();
  return s;
}

// ---------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------
int Fail(const Status& s) {
  std::cerr << "edgestay-server: " << s.code() << ": " << s.message() << std::endl;
  return 1;
}

void PrintCreated(const CreateResult& r, bool as_json) {
  if (as_json) {
    json out = r.manifest;
    out["path"] = r.file;
    std::printf("%s\n", Dump(out).c_str());
    return;
  }
  const json& m = r.manifest;
  std::printf("backup %s: %s, %s, schema version %d, %zu hotels, %lld ms\nsha256 %s\n",
              r.file.c_str(), m["kind"].get<std::string>().c_str(),
              HumanBytes(m["sizeBytes"].get<int64_t>()).c_str(), m["schemaVersion"].get<int>(),
              m["hotels"].size(), static_cast<long long>(m["durationMs"].get<int64_t>()),
              m["sha256"].get<std::string>().c_str());
}

int CmdCreate(const CliInput& in, const std::string& kind) {
  Retention ret;
  if (!ParseRetention(in.options, &ret)) return 2;
  CreateResult r;
  Status s = CreateBackup(in.store_spec, BackupDir(in.options), kind, ret, &r);
  if (!s.ok()) return Fail(s);
  PrintCreated(r, HasOpt(in.options, "json"));
  return 0;
}

json StateJson(const std::string& dir) {
  json st;
  if (!ReadJsonFile(JoinPath(dir, kMonitorState), &st)) st = json::object();
  return st;
}

int CmdMonitor(const CliInput& in) {
  const std::string dir = BackupDir(in.options);
  int64_t max_age = kDefaultMaxAgeSeconds;
  if (HasOpt(in.options, "max-age") && !ParseDuration(Opt(in.options, "max-age"), &max_age)) {
    std::cerr << "edgestay-server: --max-age must be a duration such as 26h, 90m or 2d" << std::endl;
    return 2;
  }
  auto all = ListManifests(dir);
  if (!all.empty() && HasOpt(in.options, "store")) {
    // With --store, watch that store kind's backups only.
    const std::string kind = StoreKind(in.store_spec);
    all.erase(std::remove_if(all.begin(), all.end(), [&](const Manifest& m) { return m.Store() != kind; }),
              all.end());
  }
  const bool as_json = HasOpt(in.options, "json");
  if (all.empty()) {
    std::cerr << "edgestay-server: BACKUP_MISSING: no backups in " << dir << std::endl;
    if (as_json) std::printf("%s\n", Dump({{"ok", false}, {"dir", dir}, {"error", "no backups"}}).c_str());
    return 1;
  }
  const Manifest& newest = all.back();
  const int64_t now = NowMs();
  const int64_t age = (now - newest.Time()) / 1000;
  VerifyReport rep = VerifyBackup(newest, in.store_spec);
  // The size trend over the last few backups of this store.
  std::vector<const Manifest*> same;
  for (const auto& m : all)
    if (m.Store() == newest.Store()) same.push_back(&m);
  if (same.size() > 7) same.erase(same.begin(), same.end() - 7);
  std::string trend;
  json sizes = json::array();
  for (auto* m : same) {
    trend += (trend.empty() ? "" : " -> ") + HumanBytes(m->Size());
    sizes.push_back(m->Size());
  }
  double change = same.size() > 1 && same.front()->Size() > 0
                      ? 100.0 * (same.back()->Size() - same.front()->Size()) / same.front()->Size()
                      : 0.0;
  json state = StateJson(dir);
  const json entry = {{"file", newest.j["file"]}, {"at", now}, {"atIso", IsoTimeMs(now)},
                      {"ok", rep.ok}, {"durationMs", rep.duration_ms},
                      {"error", rep.ok ? json(nullptr) : json(rep.error)}};
  state["lastCheck"] = entry;
  if (rep.ok) state["lastVerifiedRestore"] = entry;
  WriteFileAtomic(JoinPath(dir, kMonitorState), state.dump(2) + "\n");
  const bool too_old = age > max_age;
  if (as_json) {
    json out = {{"ok", rep.ok && !too_old}, {"dir", dir}, {"file", newest.File()},
                {"store", newest.Store()}, {"ageSeconds", age}, {"maxAgeSeconds", max_age},
                {"sizeBytes", newest.Size()}, {"sizeTrend", sizes},
                {"verified", rep.ok}, {"verifyMs", rep.duration_ms},
                {"error", rep.ok ? json(nullptr) : json(rep.error)},
                {"lastVerifiedRestore", state.value("lastVerifiedRestore", json(nullptr))}};
    std::printf("%s\n", Dump(out).c_str());
  } else {
    std::printf("newest backup: %s (%s, %s, %s, taken %s, age %s)\n", newest.File().c_str(),
                newest.Store().c_str(), newest.Kind().c_str(), HumanBytes(newest.Size()).c_str(),
                IsoTimeMs(newest.Time()).c_str(), HumanAge(age).c_str());
    std::printf("size trend (%zu backups): %s (%+.1f%%)\n", same.size(), trend.c_str(), change);
    if (rep.ok)
      std::printf("verified restore: ok in %lld ms (schema version %d, %zu tables, %zu hotels' change-log "
                  "positions match the manifest)\n",
                  static_cast<long long>(rep.duration_ms), rep.restored.schema_version,
                  rep.restored.rows.size(), rep.restored.hotels.size());
    if (state.contains("lastVerifiedRestore")) {
      const json& l = state["lastVerifiedRestore"];
      std::printf("last verified restore: %s at %s\n", l["file"].get<std::string>().c_str(),
                  l["atIso"].get<std::string>().c_str());
    } else {
      std::printf("last verified restore: never\n");
    }
  }
  int rc = 0;
  if (!rep.ok) {
    std::cerr << "edgestay-server: BACKUP_VERIFY_FAILED: " << rep.error << std::endl;
    rc = 1;
  }
  if (too_old) {
    std::cerr << "edgestay-server: BACKUP_TOO_OLD: the newest backup " << newest.File() << " is "
              << HumanAge(age) << " old, over --max-age " << HumanAge(max_age) << std::endl;
    rc = 1;
  }
  return rc;
}

int CmdRestore(const CliInput& in) {
  const std::string from = Opt(in.options, "from"), to = Opt(in.options, "to");
  if (from.empty() || to.empty()) {
    std::cerr << "edgestay-server: backup restore needs --from FILE --to STORE [--force]" << std::endl;
    return 2;
  }
  VerifyReport rep;
  Status s = Restore(from, to, HasOpt(in.options, "force"), &rep);
  if (!s.ok()) return Fail(s);
  if (HasOpt(in.options, "json")) {
    std::printf("%s\n", Dump({{"ok", true}, {"from", from}, {"durationMs", rep.duration_ms},
                              {"schemaVersion", rep.restored.schema_version},
                              {"hotels", rep.restored.hotels.size()}}).c_str());
  } else {
    std::printf("restored %s in %lld ms: schema version %d, %zu tables, %zu hotels; row counts and "
                "change-log positions match the manifest\n",
                from.c_str(), static_cast<long long>(rep.duration_ms), rep.restored.schema_version,
                rep.restored.rows.size(), rep.restored.hotels.size());
  }
  return 0;
}

int CmdList(const CliInput& in) {
  const std::string dir = BackupDir(in.options);
  auto all = ListManifests(dir);
  if (HasOpt(in.options, "json")) {
    json out = json::array();
    for (auto& m : all) {
      json j = m.j;
      j["path"] = m.File();
      out.push_back(j);
    }
    std::printf("%s\n", Dump(out).c_str());
    return 0;
  }
  std::printf("%-58s %-10s %-13s %-24s %s\n", "file", "store", "kind", "time", "size");
  for (auto& m : all)
    std::printf("%-58s %-10s %-13s %-24s %s\n", m.j["file"].get<std::string>().c_str(), m.Store().c_str(),
                m.Kind().c_str(), IsoTimeMs(m.Time()).c_str(), HumanBytes(m.Size()).c_str());
  return 0;
}

int CmdPrune(const CliInput& in) {
  Retention ret;
  if (!ParseRetention(in.options, &ret)) return 2;
  const std::string dir = BackupDir(in.options);
  std::set<std::string> stores;
  for (auto& m : ListManifests(dir)) stores.insert(m.Store());
  for (auto& store : stores)
    for (const auto& gone : Prune(dir, store, ret)) std::printf("removed %s\n", gone.c_str());
  return 0;
}

Status InspectStore(Store& store, Inspection* insp) {
  auto* sql = dynamic_cast<SqlStore*>(&store);
  if (!sql) return Status::Error("INTERNAL", "not an SQL store");
  return WithTx(sql->backend(), TxKind::kRead, [&](Conn& c) {
    return Inspect(ConnQueries(c), store.dialect(), insp);
  });
}

}  // namespace

std::string IsoTimeMs(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string BackupDir(const std::map<std::string, std::string>& options) {
  std::string dir = Opt(options, "dir", Opt(options, "backup-dir"));
  if (dir.empty()) {
    const char* env = std::getenv("EDGESTAY_BACKUP_DIR");
    dir = env && *env ? env : "./data/backups";
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

bool ParseDuration(const std::string& text, int64_t* seconds) {
  if (text.empty() || text.size() > 12) return false;
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') n = n * 10 + (text[i++] - '0');
  if (i == 0) return false;
  std::string unit = text.substr(i);
  int64_t mult = 0;
  if (unit.empty() || unit == "s") mult = 1;
  else if (unit == "m") mult = 60;
  else if (unit == "h") mult = 3600;
  else if (unit == "d") mult = 86400;
  else return false;
  if (n < 1 || n > 10LL * 365 * 86400 / mult) return false;
  *seconds = n * mult;
  return true;
}

json BackupHealth(const std::string& dir) {
  json out = {{"dir", dir}, {"newest", nullptr}, {"lastVerifiedRestore", nullptr}};
  auto all = ListManifests(dir);
  const int64_t now = NowMs();
  if (!all.empty()) {
    const Manifest& m = all.back();
    out["newest"] = {{"file", m.j["file"]}, {"store", m.Store()}, {"kind", m.Kind()},
                     {"time", m.Time()}, {"sizeBytes", m.Size()}, {"ageSeconds", (now - m.Time()) / 1000}};
  }
  json st = StateJson(dir);
  if (st.contains("lastVerifiedRestore")) out["lastVerifiedRestore"] = st["lastVerifiedRestore"];
  if (st.contains("lastCheck")) out["lastCheck"] = st["lastCheck"];
  return out;
}

int MigrateWithSafetyCopy(Store& store, const std::string& spec,
                          const std::map<std::string, std::string>& options, int up_to,
                          MigrationReport* report) {
  std::vector<MigrationState> all;
  Status s = store.MigrationStatus(&all);
  if (!s.ok()) return Fail(s);
  int current = 0, pending = 0;
  for (const auto& m : all) {
    if (m.applied_at) current = std::max(current, m.version);
    else if (m.version <= up_to) ++pending;
  }
  std::string safety = "none (a new store holds no data)";
  // With nothing pending, Migrate only checks the schema against the column list.
  if (current > 0 && pending > 0) {
    Retention ret;
    if (!ParseRetention(options, &ret)) return 2;
    CreateResult r;
    s = CreateBackup(spec, BackupDir(options), "pre-migration", ret, &r);
    if (!s.ok()) {
      std::cerr << "edgestay-server: MIGRATION_REFUSED: cannot take the pre-migration backup ("
                << s.message() << "); nothing was changed" << std::endl;
      return 1;
    }
    safety = r.file;
    if (report) report->backup = r.file;
    else std::fprintf(stderr, "edgestay-server: pre-migration backup %s\n", r.file.c_str());
  }
  std::vector<MigrationState> applied;
  s = store.Migrate(&applied, up_to);
  if (!s.ok()) {
    std::cerr << "edgestay-server: " << (s.code() == kDbError ? "MIGRATION_FAILED" : s.code()) << ": "
              << s.message();
    if (pending > 0)
      std::cerr << "; every pending migration ran in one transaction, so the store is unchanged at "
                << "schema version " << current << " (pre-migration backup: " << safety << ")";
    std::cerr << std::endl;
    return 1;
  }
  if (report) report->applied = applied;
  else
    for (const auto& m : applied)
      std::fprintf(stderr, "edgestay-server: applied migration %d %s\n", m.version, m.name.c_str());
  return 0;
}

int RunMigrateCommand(const CliInput& in, Store& opened) {
  Store* store = &opened;
  int up_to = INT_MAX;
  if (HasOpt(in.options, "to")) {
    char* end = nullptr;
    std::string v = Opt(in.options, "to");
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end || n < 0 || n > 100000) {
      std::cerr << "edgestay-server: --to must be a schema version" << std::endl;
      return 2;
    }
    up_to = static_cast<int>(n);
  }
  MigrationReport report;
  int rc = MigrateWithSafetyCopy(*store, in.store_spec, in.options, up_to, &report);
  if (rc) return rc;
  if (!report.backup.empty()) std::printf("pre-migration backup %s\n", report.backup.c_str());
  for (const auto& m : report.applied) std::printf("applied %d %s\n", m.version, m.name.c_str());
  std::vector<MigrationState> all;
  Status s = store->MigrationStatus(&all);
  if (!s.ok()) return Fail(s);
  int current = 0;
  for (const auto& m : all)
    if (m.applied_at) current = std::max(current, m.version);
  std::printf("schema is at version %d (%s)\n", current,
              report.applied.empty() ? "nothing to do" : "migrated");
  return 0;
}

int RunDbCommand(const CliInput& in, Store& opened) {
  const std::string sub = in.positional.size() > 1 ? in.positional[1] : "";
  if (sub != "status") {
    std::cerr << "edgestay-server: db status [--json]" << std::endl;
    return 2;
  }
  Store* store = &opened;
  std::vector<MigrationState> all;
  Status s = store->MigrationStatus(&all);
  if (!s.ok()) return Fail(s);
  Inspection insp;
  s = InspectStore(*store, &insp);
  if (!s.ok()) return Fail(s);
  int current = 0;
  json pending = json::array();
  for (const auto& m : all) {
    if (m.applied_at) current = std::max(current, m.version);
    else pending.push_back({{"version", m.version}, {"name", m.name}});
  }
  int latest = 0;
  for (const auto& m : all) latest = std::max(latest, m.version);
  const json backups = BackupHealth(BackupDir(in.options));
  if (HasOpt(in.options, "json")) {
    json out = insp.ToJson();
    out["store"] = store->Describe();
    out["latestVersion"] = latest;
    out["pending"] = pending;
    out["changeLogProblems"] = insp.problems;
    out["backups"] = backups;
    std::printf("%s\n", Dump(out).c_str());
    return 0;
  }
  int64_t log_rows = insp.rows.count("change_log") ? insp.rows["change_log"] : 0;
  std::printf("store: %s (%s)\n", store->Describe().c_str(), insp.server_version.c_str());
  std::printf("schema version: %d of %d (%zu pending)\n", current, latest, pending.size());
  for (const auto& p : pending)
    std::printf("  pending: %d %s\n", p["version"].get<int>(), p["name"].get<std::string>().c_str());
  std::printf("hotels: %zu, change-log entries: %lld%s\n", insp.hotels.size(),
              static_cast<long long>(log_rows), insp.problems.empty() ? "" : " (GAPS FOUND)");
  for (const auto& p : insp.problems) std::printf("  %s\n", p.c_str());
  for (const auto& [t, n] : insp.rows) std::printf("  %-24s %lld rows\n", t.c_str(), static_cast<long long>(n));
  if (backups["newest"].is_null()) {
    std::printf("backups: none in %s\n", backups["dir"].get<std::string>().c_str());
  } else {
    std::printf("newest backup: %s (age %s)\n", backups["newest"]["file"].get<std::string>().c_str(),
                HumanAge(backups["newest"]["ageSeconds"].get<int64_t>()).c_str());
  }
  if (!backups["lastVerifiedRestore"].is_null())
    std::printf("last verified restore: %s at %s\n",
                backups["lastVerifiedRestore"]["file"].get<std::string>().c_str(),
                backups["lastVerifiedRestore"]["atIso"].get<std::string>().c_str());
  return insp.problems.empty() ? 0 : 1;
}

int RunBackupCommand(const CliInput& in) {
  const std::string sub = in.positional.size() > 1 ? in.positional[1] : "";
  if (sub == "create") return CmdCreate(in, "backup");
  if (sub == "pre-migration") return CmdCreate(in, "pre-migration");
  if (sub == "monitor") return CmdMonitor(in);
  if (sub == "restore") return CmdRestore(in);
  if (sub == "list") return CmdList(in);
  if (sub == "prune") return CmdPrune(in);
  std::cerr << "edgestay-server: backup create | pre-migration | monitor | restore | list | prune" << std::endl;
  return 2;
}

// ---------------------------------------------------------------------------------------
// serve --backup-every
// ---------------------------------------------------------------------------------------
struct ServeOps::Scheduler {
  std::string spec, dir;
  int64_t every_ms = 0;
  Retention retention;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread thread;

  // The newest regular backup of this store kind, or 0.
  int64_t LastBackupMs() {
    int64_t last = 0;
    for (const auto& m : ListManifests(dir))
      if (m.Store() == StoreKind(spec) && m.Kind() == "backup") last = std::max(last, m.Time());
    return last;
  }

  void Run() {
    // Due right away when the newest backup is already older than the interval.
    int64_t due = LastBackupMs() + every_ms;
    std::unique_lock<std::mutex> lock(mu);
    while (!stop) {
      const int64_t now = NowMs();
      if (now < due) {
        cv.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(due - now, 60000)));
        continue;
      }
      lock.unlock();
      CreateResult r;
      Status s = CreateBackup(spec, dir, "backup", retention, &r);
      if (s.ok()) {
        std::fprintf(stderr, "edgestay-server: scheduled backup %s (%s)\n", r.file.c_str(),
                     HumanBytes(r.manifest["sizeBytes"].get<int64_t>()).c_str());
        due = NowMs() + every_ms;
      } else {
        std::fprintf(stderr, "edgestay-server: scheduled backup failed: %s\n", s.message().c_str());
        due = NowMs() + std::min<int64_t>(every_ms, 300000);  // retry sooner
      }
      lock.lock();
    }
  }
};

ServeOps::ServeOps() = default;

ServeOps::~ServeOps() {
  if (!scheduler_) return;
  {
    std::lock_guard<std::mutex> lock(scheduler_->mu);
    scheduler_->stop = true;
  }
  scheduler_->cv.notify_all();
  scheduler_->thread.join();
}

bool ServeOps::Configure(const std::string& spec, const std::map<std::string, std::string>& options) {
  const std::string format = Opt(options, "log-format", "text");
  if (format != "text" && format != "json") {
    std::cerr << "edgestay-server: --log-format must be text or json" << std::endl;
    return false;
  }
  ObservabilityOptions obs;
  obs.json_log = format == "json";
  obs.force_access_log = HasOpt(options, "log-format");
  obs.backup_dir = BackupDir(options);
  ConfigureObservability(obs);
  if (!HasOpt(options, "backup-every")) return true;
  int64_t every = 0;
  if (!ParseDuration(Opt(options, "backup-every"), &every)) {
    std::cerr << "edgestay-server: --backup-every must be a duration such as 24h, 30m or 1d" << std::endl;
    return false;
  }
  auto sch = std::make_unique<Scheduler>();
  if (!ParseRetention(options, &sch->retention)) return false;
  sch->spec = spec;
  sch->dir = obs.backup_dir;
  sch->every_ms = every * 1000;
  // The HTTP server handles SIGINT/SIGTERM on its own thread; this one must not take them.
  Scheduler* raw = sch.get();
  sch->thread = StartQuietThread([raw] { raw->Run(); });
  scheduler_ = std::move(sch);
  return true;
}

}  // namespace edgestay::server
