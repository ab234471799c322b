// Observability of edgestay-server: GET /metrics (Prometheus text format 0.0.4), the
// access log (text or one JSON object per line), and the backup facts /v1/health adds.
// http.cc hooks these in; everything they count lives here.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store.h"

namespace httplib {
class Server;
}

namespace edgestay::server {

struct ObservabilityOptions {
  bool json_log = false;          // --log-format json: one JSON object per access-log line
  bool force_access_log = false;  // --log-format given: the access log is on
  std::string backup_dir;         // where backups and the monitor's state live
};
void ConfigureObservability(const ObservabilityOptions& options);

// Registers GET /metrics, times every request and writes the access log (when
// access_log, or --log-format was given). `long_polls_waiting` reads the waiting pulls.
void InstallObservability(httplib::Server& svr, Store& store, bool access_log,
                          std::function<int()> long_polls_waiting);

// A request answered later, on another thread (a deferred push): DeferRequestLog ends
// the current request's timing on this thread without counting or logging it, and
// returns its start; ResumeRequestLog(start) on the answering thread, right before
// httplib writes the answer, makes that write count and log it with its whole time.
std::chrono::steady_clock::time_point DeferRequestLog();
void ResumeRequestLog(std::chrono::steady_clock::time_point start);

// Counts a push's per-mutation results (FORMAT.md §3: status applied|rejected, reason).
void ObservePushResults(const std::vector<nlohmann::json>& results);

// What /v1/health adds: the backup folder's newest backup and last verified restore.
nlohmann::json HealthBackup();

// Routes as metric labels: numeric path segments become ":id" ("/v1/hotels/:id/changes").
std::string RouteLabel(const std::string& path);

}  // namespace edgestay::server
