// Backups of the central store and schema migrations with a safety copy: the
// `backup …`, `migrate` and `db status` commands of edgestay-server, the periodic backup
// of `serve --backup-every`, and what /v1/health and /metrics report about backups.
// docs/DATABASE_BACKUP_STRATEGY.md describes the files and the procedures.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store.h"

namespace edgestay::server {

// What a command needs from the command line (main.cc parses it).
struct CliInput {
  std::vector<std::string> positional;        // [0] is the command
  std::map<std::string, std::string> options;  // --key value; flags map to "1"
  std::string store_spec;                      // --store, $EDGESTAY_STORE or the default
};

int RunBackupCommand(const CliInput& in);   // backup create|pre-migration|monitor|restore|list|prune
// On a store main.cc opened (its rules for creating a new store apply).
int RunMigrateCommand(const CliInput& in, Store& store);  // migrate [--to N]
int RunDbCommand(const CliInput& in, Store& store);       // db status [--json]

// Applies pending migrations to an open store; when the store already has a schema
// (version > 0), first writes a pre-migration backup and refuses to migrate without one.
// Returns a process exit code (0 = ok); prints failures to stderr, and what it did there
// too unless `report` is given.
struct MigrationReport {
  std::string backup;                   // the pre-migration backup file, if one was taken
  std::vector<MigrationState> applied;  // migrations applied now
};
int MigrateWithSafetyCopy(Store& store, const std::string& spec,
                          const std::map<std::string, std::string>& options, int up_to,
                          MigrationReport* report = nullptr);

// The backup folder: --dir / --backup-dir, else $EDGESTAY_BACKUP_DIR, else ./data/backups.
std::string BackupDir(const std::map<std::string, std::string>& options);

// 2026-11-30T23:01:02.123Z
std::string IsoTimeMs(int64_t ms);

// "90s", "30m", "24h", "7d" (or plain seconds) -> seconds; false when malformed.
bool ParseDuration(const std::string& text, int64_t* seconds);

// The newest backup and the last verified restore in `dir`, for /v1/health and /metrics:
// { dir, newest: {file, time, sizeBytes, ageSeconds} | null,
//   lastVerifiedRestore: {file, at, ok, durationMs, error?} | null }.
nlohmann::json BackupHealth(const std::string& dir);

// `serve` extras that live beside the HTTP server: the periodic backup thread
// (--backup-every DURATION into --backup-dir) and the access-log format (--log-format).
class ServeOps {
 public:
  ServeOps();
  ~ServeOps();
  // False (after printing why) when an option is malformed.
  bool Configure(const std::string& spec, const std::map<std::string, std::string>& options);

 private:
  struct Scheduler;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace edgestay::server
