// edgestay-server: the central sync service and its admin CLI.
//
//   edgestay-server [serve] [--store SPEC] [--host H] [--port P] …   run the HTTP API
//   edgestay-server migrate [--status] [--json]                      schema migrations
//   edgestay-server token create --hotel H --scope read|book|admin   print a new token
//   edgestay-server token list | token revoke --id N
//   edgestay-server seed-demo [--days N]                             a demo hotel
//
// SPEC is sqlite:PATH (default sqlite:./data/edgestay.db, or $EDGESTAY_STORE) or a
// PostgreSQL URI postgresql://user:pass@host:port/db.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "backup.h"
#include "http.h"
#include "store.h"

using namespace edgestay::server;

namespace {

const char* kUsage = R"(usage: edgestay-server [command] [options]

commands:
  serve                 run the HTTP API (the default command)
  migrate               apply pending schema migrations
  migrate --status      list migrations and whether each is applied
  token create          create a bearer token and print it
                          --hotel ID[,ID…]|*  --scope read|book|admin
                          [--user USER_ID] [--label TEXT] [--json]
  token list            list tokens (never the secret)
  token revoke --id N   revoke a token
  seed-demo             create a demo hotel with a year of inventory
                          [--days N] [--name TEXT] [--tokens]
  migrate [--to N]      takes a pre-migration backup first (refuses without one)
  db status [--json]    schema version, pending migrations, rows, newest backup
  backup create         back the store up into --dir (pg_dump -Fc / SQLite backup API)
  backup pre-migration  the same, kept as a pre-migration backup
  backup monitor        restore the newest backup into a scratch database and verify it
                          [--max-age 26h] (non-zero exit when too old or not verified)
  backup restore        --from FILE --to STORE [--force]
  backup list | prune   list backups; apply the retention
                          [--keep-daily 7] [--keep-weekly 4] [--keep-pre-migration 5]

options:
  --store SPEC          sqlite:PATH (default sqlite:./data/edgestay.db) or
                        postgresql://user:pass@host:port/db   (env: EDGESTAY_STORE)
  --host HOST           bind address (default 127.0.0.1)
  --port PORT           port (default 8787; 0 = any free port, printed on stdout)
  --threads N           HTTP worker threads (default 64)
  --db-connections N    store connection pool size (default 16)
  --max-body BYTES      request body limit, any framing (default 1048576)
  --max-connections N   open connections; beyond, the longest idle is closed (default 1024)
  --header-timeout SEC  a request's headers must arrive within SEC (default 5)
  --body-timeout SEC    a whole request must arrive within SEC (default 10)
  --keep-alive SEC      idle connections between requests are closed after SEC (default 5)
  --keep-alive-requests N  a connection is closed after its Nth request (default 1000)
  --max-wait SECONDS    long-poll cap (default 60)
  --max-long-polls N    concurrent waiting pulls (default threads/2; more answer at once)
  --cors-origin ORIGIN  Access-Control-Allow-Origin (default *; '' disables CORS)
  --hold-sweep SECONDS  how often expired holds and leases release their rooms (default 5)
  --sqlite-sync MODE    full (default: fsync every commit) or normal
  --no-migrate          serve: refuse to start when migrations are pending
  --access-log          serve: one line per request on stderr
  --create              create the folder of a new sqlite:PATH store
  --snapshot-key FILE   serve: Ed25519 PEM key signing snapshots (created when missing;
                        default: a new key per process)
  --snapshot-interval S serve: make a hotel's snapshot at most every S seconds (default 60)
  --json                machine-readable output (migrate --status, token create, seed-demo)
  --dir DIR             backups folder (env: EDGESTAY_BACKUP_DIR; default ./data/backups)
  --backup-every DUR    serve: take a backup every DUR (e.g. 24h) into --backup-dir
  --log-format FMT      serve: access log as text or json (one object per line)
)";

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // --key value (flags map to "1")
  bool Has(const std::string& k) const { return options.count(k) > 0; }
  std::string Get(const std::string& k, const std::string& def = "") const {
    auto it = options.find(k);
    return it == options.end() ? def : it->second;
  }
};

// Every option the CLI knows, and whether it takes a value. Anything else is an error
// (a typo such as --prot must never be ignored), with the closest known name as a hint.
const std::map<std::string, bool> kOptions = {
    {"store", true},          {"host", true},          {"port", true},
    {"threads", true},        {"db-connections", true}, {"max-body", true},
    {"max-wait", true},       {"max-long-polls", true}, {"cors-origin", true},
    {"hold-sweep", true},     {"sqlite-sync", true},   {"max-connections", true},
    {"header-timeout", true}, {"body-timeout", true},  {"keep-alive", true},
    {"keep-alive-requests", true},
    {"hotel", true},          {"hotels", true},        {"scope", true},
    {"user", true},           {"label", true},         {"id", true},
    {"days", true},           {"name", true},          {"status", false},
    {"json", false},          {"no-migrate", false},   {"access-log", false},
    {"tokens", false},        {"create", false},       {"help", false},
    {"version", false},       {"snapshot-key", true},  {"snapshot-interval", true},
    // backup, migrate, db status, serve --backup-every (backup.cc)
    {"dir", true},            {"backup-dir", true},    {"backup-every", true},
    {"log-format", true},     {"to", true},            {"from", true},
    {"max-age", true},        {"keep-daily", true},    {"keep-weekly", true},
    {"keep-pre-migration", true}, {"force", false},
};

// Edits between two names, a swap of two neighbouring letters counting as one (the
// commonest typo: --prot is --port, not --from).
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string Suggest(const std::string& key) {
  std::string best;
  size_t best_d = 3;  // only close names are worth suggesting
  for (const auto& [name, takes_value] : kOptions) {
    const size_t d = EditDistance(key, name);
    if (d < best_d) {
      best_d = d;
      best = name;
    }
  }
  if (best.empty() && !key.empty())
    for (const auto& [name, takes_value] : kOptions)
      if (name.rfind(key, 0) == 0) return name;
  return best;
}

bool ParseArgs(int argc, char** argv, Args* out, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h") a = "--help";
    if (a.rfind("--", 0) == 0) {
      std::string key = a.substr(2), value;
      const auto eq = key.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      }
      auto known = kOptions.find(key);
      if (known == kOptions.end()) {
        const std::string hint = Suggest(key);
        *error = "unknown option --" + key + (hint.empty() ? "" : " (did you mean --" + hint + "?)");
        return false;
      }
      if (!known->second) {
        if (inline_value) {
          *error = "option --" + key + " takes no value";
          return false;
        }
        value = "1";
      } else if (!inline_value) {
        if (i + 1 >= argc) {
          *error = "option --" + key + " needs a value";
          return false;
        }
        value = argv[++i];
      }
      out->options[key] = value;
    } else if (a.size() > 1 && a[0] == '-') {
      *error = "unknown option " + a + " (options start with --)";
      return false;
    } else {
      out->positional.push_back(a);
    }
  }
  return true;
}

bool ParseCount(const std::string& s, long min, long max, long* out) {
  if (s.empty() || s.size() > 12) return false;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (*end || v < min || v > max) return false;
  *out = v;
  return true;
}

void MakeParentDirs(const std::string& path) {
  for (size_t i = 1; i < path.size(); ++i) {
    if (path[i] == '/') ::mkdir(path.substr(0, i).c_str(), 0755);
  }
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// A SQLite store in a folder that does not exist is almost always a typo: refuse it
// unless --create is given (or the path is the default ./data/edgestay.db). A new
// store file is announced on stderr, never created silently.
bool PrepareSqlitePath(const std::string& path, bool create, bool is_default) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return true;
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  if (!Exists(dir)) {
    if (!create && !is_default) {
      std::cerr << "edgestay-server: the folder " << dir << " of store sqlite:" << path
                << " does not exist; pass --create to create it and a new store" << std::endl;
      return false;
    }
    MakeParentDirs(path);
  }
  if (!Exists(path)) std::cerr << "edgestay-server: creating a new store sqlite:" << path << std::endl;
  return true;
}

constexpr const char* kDefaultStore = "sqlite:./data/edgestay.db";

std::string StoreSpec(const Args& args) {
  std::string spec = args.Get("store");
  if (spec.empty()) {
    const char* env = std::getenv("EDGESTAY_STORE");
    spec = env && *env ? env : kDefaultStore;
  }
  return spec;
}

std::unique_ptr<Store> Open(const Args& args, bool for_server) {
  const std::string spec = StoreSpec(args);
  if (IsSqliteSpec(spec) &&
      !PrepareSqlitePath(SqlitePathOf(spec), args.Has("create"), spec == kDefaultStore))
    return nullptr;
  StoreOptions opts;
  long n = 0;
  if (args.Has("db-connections")) {
    if (!ParseCount(args.Get("db-connections"), 1, 512, &n)) {
      std::cerr << "edgestay-server: --db-connections must be 1..512" << std::endl;
      return nullptr;
    }
    opts.max_connections = static_cast<size_t>(n);
  } else if (!for_server) {
    opts.max_connections = 2;
  }
  const std::string sync = args.Get("sqlite-sync", "full");
  if (sync != "full" && sync != "normal") {
    std::cerr << "edgestay-server: --sqlite-sync must be full or normal" << std::endl;
    return nullptr;
  }
  opts.sqlite_durable = sync == "full";
  Status s;
  auto store = OpenStore(spec, opts, &s);
  if (!store) {
    std::cerr << "edgestay-server: " << s.message() << std::endl;
    return nullptr;
  }
  return store;
}

int Fail(const Status& s) {
  std::cerr << "edgestay-server: " << s.code() << ": " << s.message() << std::endl;
  return 1;
}

CliInput Input(const Args& args) { return {args.positional, args.options, StoreSpec(args)}; }

int CmdMigrate(const Args& args) {
  auto store = Open(args, false);
  if (!store) return 1;
  if (!args.Has("status")) return RunMigrateCommand(Input(args), *store);
  std::vector<MigrationState> all;
  Status s = store->MigrationStatus(&all);
  if (!s.ok()) return Fail(s);
  int current = 0, pending = 0;
  for (const auto& m : all) {
    if (m.applied_at) current = std::max(current, m.version);
    else ++pending;
  }
  if (args.Has("json")) {
    json out = {{"store", store->Describe()}, {"current", current}, {"pending", pending},
                {"migrations", json::array()}};
    for (const auto& m : all)
      out["migrations"].push_back({{"version", m.version}, {"name", m.name},
                                   {"appliedAt", m.applied_at ? json(*m.applied_at) : json(nullptr)}});
    std::printf("%s\n", Dump(out).c_str());
    return 0;
  }
  std::printf("store: %s\n", store->Describe().c_str());
  std::printf("%-8s %-28s %s\n", "version", "name", "state");
  for (const auto& m : all)
    std::printf("%-8d %-28s %s\n", m.version, m.name.c_str(),
                m.applied_at ? ("applied " + IsoTimeMs(*m.applied_at)).c_str() : "pending");
  std::printf("current version: %d, pending: %d\n", current, pending);
  return 0;
}

int EnsureMigrated(Store& store, const Args& args) {
  return MigrateWithSafetyCopy(store, StoreSpec(args), args.options, INT_MAX);
}

int CmdToken(const Args& args) {
  const std::string sub = args.positional.size() > 1 ? args.positional[1] : "";
  auto store = Open(args, false);
  if (!store) return 1;
  if (EnsureMigrated(*store, args)) return 1;
  if (sub == "create") {
    TokenSpec spec;
    if (!ParseScope(args.Get("scope"), &spec.scope)) {
      std::cerr << "edgestay-server: token create needs --scope read|book|admin" << std::endl;
      return 2;
    }
    const std::string hotels = args.Get("hotel", args.Get("hotels"));
    if (hotels == "*") {
      spec.all_hotels = true;
    } else {
      std::stringstream ss(hotels);
      std::string item;
      long id = 0;
      while (std::getline(ss, item, ',')) {
        if (!ParseCount(item, 1, 999999999999L, &id)) {
          std::cerr << "edgestay-server: --hotel must be hotel ids (1,2,…) or *" << std::endl;
          return 2;
        }
        spec.hotels.push_back(id);
      }
      if (spec.hotels.empty()) {
        std::cerr << "edgestay-server: token create needs --hotel ID[,ID…] or --hotel '*'" << std::endl;
        return 2;
      }
    }
    if (args.Has("user")) {
      long u = 0;
      if (!ParseCount(args.Get("user"), 1, 999999999999L, &u)) {
        std::cerr << "edgestay-server: --user must be a user id" << std::endl;
        return 2;
      }
      spec.user_id = u;
    }
    spec.label = args.Get("label");
    std::string token;
    int64_t id = 0;
    Status s = store->CreateToken(spec, &token, &id);
    if (!s.ok()) return Fail(s);
    if (args.Has("json")) {
      json out = {{"token", token}, {"id", id}, {"scope", ScopeName(spec.scope)}};
      out["hotels"] = spec.all_hotels ? json("*") : json(spec.hotels);
      out["userId"] = spec.user_id ? json(*spec.user_id) : json(nullptr);
      std::printf("%s\n", Dump(out).c_str());
    } else {
      std::printf("%s\n", token.c_str());
    }
    return 0;
  }
  if (sub == "list") {
    json out;
    Status s = store->ListTokens(&out);
    if (!s.ok()) return Fail(s);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (sub == "revoke") {
    long id = 0;
    if (!ParseCount(args.Get("id"), 1, 999999999999L, &id)) {
      std::cerr << "edgestay-server: token revoke needs --id N" << std::endl;
      return 2;
    }
    bool found = false;
    Status s = store->RevokeToken(id, &found);
    if (!s.ok()) return Fail(s);
    std::printf(found ? "revoked token %ld\n" : "no active token %ld\n", id);
    return found ? 0 : 1;
  }
  std::cerr << "edgestay-server: token create | list | revoke" << std::endl;
  return 2;
}

int CmdSeedDemo(const Args& args) {
  auto store = Open(args, false);
  if (!store) return 1;
  if (EnsureMigrated(*store, args)) return 1;
  json options = json::object();
  if (args.Has("days")) {
    long d = 0;
    if (!ParseCount(args.Get("days"), 1, 1096, &d)) {
      std::cerr << "edgestay-server: --days must be 1..1096" << std::endl;
      return 2;
    }
    options["days"] = d;
  }
  if (args.Has("name")) options["name"] = args.Get("name");
  json out;
  Status s = store->SeedDemo(options, &out);
  if (!s.ok()) return Fail(s);
  if (args.Has("tokens")) {
    const int64_t hotel = out["hotel"]["id"].get<int64_t>();
    for (Scope scope : {Scope::kRead, Scope::kBook, Scope::kAdmin}) {
      TokenSpec spec;
      spec.scope = scope;
      spec.hotels = {hotel};
      spec.label = "seed-demo";
      std::string token;
      int64_t id = 0;
      s = store->CreateToken(spec, &token, &id);
      if (!s.ok()) return Fail(s);
      out["tokens"][ScopeName(scope)] = token;
    }
  }
  if (args.Has("json")) {
    std::printf("%s\n", Dump(out).c_str());
  } else {
    std::printf("demo hotel %lld \"%s\": %zu room types, inventory %s..%s, cursor %s\n",
                static_cast<long long>(out["hotel"]["id"].get<int64_t>()),
                out["hotel"]["name"].get<std::string>().c_str(), out["roomTypes"].size(),
                out["from"].get<std::string>().c_str(), out["to"].get<std::string>().c_str(),
                out["cursor"].get<std::string>().c_str());
    if (out.contains("tokens"))
      for (auto& [scope, token] : out["tokens"].items())
        std::printf("%s token: %s\n", scope.c_str(), token.get<std::string>().c_str());
  }
  return 0;
}

int CmdServe(const Args& args) {
  ServerConfig cfg;
  cfg.host = args.Get("host", "127.0.0.1");
  if (args.Has("cors-origin")) cfg.cors_origin = args.Get("cors-origin");
  // Every numeric option of serve: its range, the unit its error names, and where the
  // value goes (times `scale`: seconds given, milliseconds kept).
  struct CountOption {
    const char* name;
    long min, max;
    const char* unit;
    long scale;
    std::function<void(long)> set;
  };
  auto to_int = [](int* field) { return [field](long v) { *field = static_cast<int>(v); }; };
  const CountOption counts[] = {
      {"port", 0, 65535, "", 1, to_int(&cfg.port)},
      {"threads", 2, 4096, "", 1, to_int(&cfg.threads)},
      {"max-body", 1024, 1L << 30, "", 1, [&](long v) { cfg.max_body_bytes = static_cast<size_t>(v); }},
      {"max-wait", 0, 3600, "", 1, to_int(&cfg.max_wait_seconds)},
      {"max-long-polls", 1, 4096, "", 1, to_int(&cfg.max_long_polls)},
      {"max-connections", 16, 1000000, "", 1, to_int(&cfg.max_connections)},
      {"header-timeout", 1, 3600, "", 1000, to_int(&cfg.header_timeout_ms)},
      {"body-timeout", 1, 3600, "", 1000, to_int(&cfg.body_timeout_ms)},
      {"keep-alive", 1, 3600, "", 1, to_int(&cfg.keep_alive_seconds)},
      {"keep-alive-requests", 1, 1000000, "", 1, to_int(&cfg.keep_alive_max_requests)},
      {"hold-sweep", 1, 3600, "", 1, to_int(&cfg.hold_sweep_seconds)},
      {"snapshot-interval", 1, 86400, " seconds", 1, to_int(&cfg.snapshot_interval_seconds)},
  };
  for (const auto& o : counts) {
    if (!args.Has(o.name)) continue;
    long n = 0;
    if (!ParseCount(args.Get(o.name), o.min, o.max, &n)) {
      std::cerr << "edgestay-server: --" << o.name << " must be " << o.min << ".." << o.max << o.unit
                << std::endl;
      return 2;
    }
    o.set(n * o.scale);
  }
  cfg.access_log = args.Has("access-log");
  cfg.snapshot_key_path = args.Get("snapshot-key");
  cfg.store_spec = StoreSpec(args);
  auto store = Open(args, true);
  if (!store) return 1;
  if (args.Has("no-migrate")) {
    std::vector<MigrationState> all;
    Status s = store->MigrationStatus(&all);
    if (!s.ok()) return Fail(s);
    for (const auto& m : all)
      if (!m.applied_at) {
        std::cerr << "edgestay-server: migration " << m.version << " (" << m.name
                  << ") is pending; run `edgestay-server migrate`" << std::endl;
        return 1;
      }
  } else if (EnsureMigrated(*store, args)) {
    return 1;
  }
  ServeOps ops;  // --backup-every, --log-format
  if (!ops.Configure(cfg.store_spec, args.options)) return 2;
  return RunHttpServer(*store, cfg);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, &args, &error)) {
    std::cerr << "edgestay-server: " << error << "\nrun `edgestay-server --help` for the options"
              << std::endl;
    return 2;
  }
  if (args.Has("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (args.Has("version")) {
    std::cout << "edgestay-server 0.1.0\n";
    return 0;
  }
  const std::string cmd = args.positional.empty() ? "serve" : args.positional[0];
  if (cmd == "serve") return CmdServe(args);
  if (cmd == "migrate") return CmdMigrate(args);
  if (cmd == "token") return CmdToken(args);
  if (cmd == "seed-demo") return CmdSeedDemo(args);
  if (cmd == "backup") return RunBackupCommand(Input(args));
  if (cmd == "db") {
    auto store = Open(args, false);
    return store ? RunDbCommand(Input(args), *store) : 1;
  }
  std::cerr << "edgestay-server: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}
