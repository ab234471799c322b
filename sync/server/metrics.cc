// Request metrics, the access log and GET /metrics (Prometheus text exposition 0.0.4).
//
// Counters are process-wide and guarded by one mutex: a request takes it once, for well
// under a microsecond, so it never shows up next to the store's work. Route labels are
// bounded (numeric segments collapse to ":id", at most kMaxRoutes distinct routes), so a
// client probing random paths cannot grow the metrics without limit.
#include "metrics.h"

#include <array>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

#include <httplib.h>

#include "backup.h"
#include "protocol_names.h"
#include "sql_store.h"

namespace edgestay::server {
namespace {

constexpr size_t kMaxRoutes = 64;
// Seconds. Long-polls (up to --max-wait) land in the top buckets.
constexpr std::array<double, 15> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,      2.5,   5,    10,    30,    60};

struct Histogram {
  std::array<uint64_t, kBuckets.size()> counts{};  // non-cumulative; summed when rendered
  uint64_t count = 0;
  double sum = 0;
};

struct State {
  std::mutex mu;
  ObservabilityOptions options;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests;  // method, route, status
  std::map<std::string, Histogram> latency;                                // route
  std::map<std::string, uint64_t> bytes;                                   // route
  std::map<std::pair<std::string, std::string>, uint64_t> push;            // result, reason
  std::mutex log_mu;
  int64_t started_ms = NowMs();
};

State& S() {
  static State* s = new State();  // never destroyed: request threads may outlive main's statics
  return *s;
}

thread_local std::chrono::steady_clock::time_point t_request_start{};
thread_local bool t_request_deferred = false;  // the logger skips this request once

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Bucket bounds as written in the source ("0.0025", not "0.0025000000000000001").
std::string Bound(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string IsoNow() { return IsoTimeMs(NowMs()); }

void Observe(const std::string& method, const std::string& route, int status, size_t bytes,
             double seconds) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  std::string r = route;
  if (!s.latency.count(r) && s.latency.size() >= kMaxRoutes) r = "other";
  ++s.requests[{method, r, status}];
  Histogram& h = s.latency[r];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  if (i < kBuckets.size()) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
  s.bytes[r] += bytes;
}

void AccessLog(const httplib::Request& req, const httplib::Response& res, const std::string& route,
               double seconds, bool json_line) {
  std::string line;
  if (json_line) {
    json j = {{"time", IsoNow()},       {"client", req.remote_addr}, {"clientPort", req.remote_port},
              {"method", req.method},   {"path", req.path},          {"route", route},
              {"status", res.status},   {"bytes", res.body.size()},
              {"latencyMs", std::round(seconds * 1e6) / 1e3}};
    line = Dump(j) + "\n";
  } else {
    char buf[96];
    std::snprintf(buf, sizeof buf, " %d %zu %.3fms", res.status, res.body.size(), seconds * 1e3);
    line = IsoNow() + " " + req.remote_addr + ":" + std::to_string(req.remote_port) + " " + req.method +
           " " + req.path + " route=" + route + buf + "\n";
  }
  std::lock_guard<std::mutex> lock(S().log_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void Family(std::string* out, const char* name, const char* type, const char* help) {
  *out += "# HELP ";
  *out += name;
  *out += " ";
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += " ";
  *out += type;
  *out += "\n";
}

std::string Render(Store& store, const std::function<int()>& long_polls) {
  State& s = S();
  std::string out;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    Family(&out, "edgestay_http_requests_total", "counter", "HTTP requests answered, by method, route and status.");
    for (auto& [k, n] : s.requests)
      out += "edgestay_http_requests_total{method=\"" + Escape(std::get<0>(k)) + "\",route=\"" +
             Escape(std::get<1>(k)) + "\",status=\"" + std::to_string(std::get<2>(k)) + "\"} " +
             std::to_string(n) + "\n";
    Family(&out, "edgestay_http_request_duration_seconds", "histogram",
           "Time from routing a request to writing its response, by route.");
    for (auto& [route, h] : s.latency) {
      uint64_t cum = 0;
      const std::string r = Escape(route);
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cum += h.counts[i];
        out += "edgestay_http_request_duration_seconds_bucket{route=\"" + r + "\",le=\"" + Bound(kBuckets[i]) +
               "\"} " + std::to_string(cum) + "\n";
      }
      out += "edgestay_http_request_duration_seconds_bucket{route=\"" + r + "\",le=\"+Inf\"} " +
             std::to_string(h.count) + "\n";
      out += "edgestay_http_request_duration_seconds_sum{route=\"" + r + "\"} " + Num(h.sum) + "\n";
      out += "edgestay_http_request_duration_seconds_count{route=\"" + r + "\"} " + std::to_string(h.count) + "\n";
    }
    Family(&out, "edgestay_http_response_bytes_total", "counter", "Response body bytes sent, by route.");
    for (auto& [route, n] : s.bytes)
      out += "edgestay_http_response_bytes_total{route=\"" + Escape(route) + "\"} " + std::to_string(n) + "\n";
    Family(&out, "edgestay_push_mutations_total", "counter",
           "Pushed mutations by result (applied, rejected) and rejection reason.");
    for (auto& [k, n] : s.push)
      out += "edgestay_push_mutations_total{result=\"" + Escape(k.first) + "\",reason=\"" + Escape(k.second) +
             "\"} " + std::to_string(n) + "\n";
  }
  Family(&out, "edgestay_long_polls_waiting", "gauge", "Pulls waiting for a change right now.");
  out += "edgestay_long_polls_waiting " + std::to_string(long_polls ? long_polls() : 0) + "\n";

  auto* sql = dynamic_cast<SqlStore*>(&store);
  if (sql) {
    PoolStats pool = sql->backend().Stats();
    Family(&out, "edgestay_db_pool_connections", "gauge", "Store connections by state (in_use, idle) and the pool size (max).");
    out += "edgestay_db_pool_connections{state=\"in_use\"} " + std::to_string(pool.open - pool.idle) + "\n";
    out += "edgestay_db_pool_connections{state=\"idle\"} " + std::to_string(pool.idle) + "\n";
    out += "edgestay_db_pool_connections{state=\"max\"} " + std::to_string(pool.max) + "\n";
    const SqlStore::GroupCounts groups = sql->PushGroupCounts();
    Family(&out, "edgestay_push_groups_total", "counter",
           "Push groups committed, by how they were applied: group_statement (PostgreSQL: read once, written in "
           "one statement), per_mutation, savepoints (run again after a failed first attempt).");
    out += "edgestay_push_groups_total{path=\"group_statement\"} " + std::to_string(groups.one_statement) + "\n";
    out += "edgestay_push_groups_total{path=\"per_mutation\"} " + std::to_string(groups.per_mutation) + "\n";
    out += "edgestay_push_groups_total{path=\"savepoints\"} " + std::to_string(groups.savepoints) + "\n";
    Result r;
    Status st = WithTx(sql->backend(), TxKind::kRead, [&](Conn& c) {
      return c.Query("SELECT hotel_id, last_seq FROM change_seq ORDER BY hotel_id", {}, &r);
    });
    Family(&out, "edgestay_store_up", "gauge", "1 when the store answered this scrape.");
    out += std::string("edgestay_store_up ") + (st.ok() ? "1" : "0") + "\n";
    Family(&out, "edgestay_changelog_head", "gauge", "The newest change-log position (cursor) of each hotel.");
    if (st.ok())
      for (auto& row : r.rows) out += "edgestay_changelog_head{hotel=\"" + row[0].text + "\"} " + row[1].text + "\n";
  }

  std::string dir;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    dir = s.options.backup_dir;
  }
  if (!dir.empty()) {
    json b = BackupHealth(dir);
    const json& n = b["newest"];
    Family(&out, "edgestay_backup_last_timestamp_seconds", "gauge", "When the newest backup was taken (0 = none).");
    out += "edgestay_backup_last_timestamp_seconds " +
           (n.is_null() ? std::string("0") : Num(n["time"].get<int64_t>() / 1000.0)) + "\n";
    if (!n.is_null()) {
      Family(&out, "edgestay_backup_age_seconds", "gauge", "Age of the newest backup (absent when there is none).");
      out += "edgestay_backup_age_seconds " + std::to_string(n["ageSeconds"].get<int64_t>()) + "\n";
      Family(&out, "edgestay_backup_size_bytes", "gauge", "Size of the newest backup file.");
      out += "edgestay_backup_size_bytes " + std::to_string(n["sizeBytes"].get<int64_t>()) + "\n";
    }
    Family(&out, "edgestay_backup_last_verified_timestamp_seconds", "gauge",
           "When `backup monitor` last restored and verified a backup (0 = never).");
    const json& v = b["lastVerifiedRestore"];
    out += "edgestay_backup_last_verified_timestamp_seconds " +
           (v.is_null() ? std::string("0") : Num(v["at"].get<int64_t>() / 1000.0)) + "\n";
    Family(&out, "edgestay_backup_last_check_ok", "gauge", "1 when the last `backup monitor` run verified its backup.");
    const json& c = b.contains("lastCheck") ? b["lastCheck"] : json(nullptr);
    out += std::string("edgestay_backup_last_check_ok ") + (!c.is_null() && c.value("ok", false) ? "1" : "0") + "\n";
  }
  Family(&out, "edgestay_process_start_time_seconds", "gauge", "When this server started.");
  out += "edgestay_process_start_time_seconds " + Num(s.started_ms / 1000.0) + "\n";
  return out;
}

}  // namespace

void ConfigureObservability(const ObservabilityOptions& options) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().options = options;
}

std::string RouteLabel(const std::string& path) {
  if (path == "/metrics") return path;
  if (path.rfind("/v1/", 0) != 0) return "unmatched";
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i + 1);
    if (j == std::string::npos) j = path.size();
    std::string seg = path.substr(i + 1, j - i - 1);
    bool digits = !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos;
    out += "/" + (digits ? std::string(":id") : seg);
    i = j;
  }
  return out;
}

void InstallObservability(httplib::Server& svr, Store& store, bool access_log,
                          std::function<int()> long_polls_waiting) {
  bool json_log = false;
  {
    std::lock_guard<std::mutex> lock(S().mu);
    json_log = S().options.json_log;
    access_log = access_log || S().options.force_access_log;
  }
  svr.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request_start = std::chrono::steady_clock::now();
    t_request_deferred = false;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.set_logger([access_log, json_log](const httplib::Request& req, const httplib::Response& res) {
    if (t_request_deferred) {  // a placeholder: the answer is counted when it is written
      t_request_deferred = false;
      return;
    }
    double seconds = 0;
    if (t_request_start.time_since_epoch().count() != 0) {
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_request_start).count();
      t_request_start = {};
    }
    const std::string route = RouteLabel(req.path);
    Observe(req.method, route, res.status, res.body.size(), seconds);
    if (access_log) AccessLog(req, res, route, seconds, json_log);
  });
  svr.Get("/metrics", [&store, long_polls_waiting](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(Render(store, long_polls_waiting), "text/plain; version=0.0.4; charset=utf-8");
  });
}

std::chrono::steady_clock::time_point DeferRequestLog() {
  const auto start = t_request_start;
  t_request_start = {};
  t_request_deferred = true;
  return start;
}

void ResumeRequestLog(std::chrono::steady_clock::time_point start) {
  t_request_start = start;
  t_request_deferred = false;
}

void ObservePushResults(const std::vector<json>& results) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  for (const auto& r : results) {
    const std::string status = r.is_object() ? r.value("status", "") : "";
    const std::string reason = status == "rejected" && r.contains("reason") && r["reason"].is_string()
                                   ? r["reason"].get<std::string>()
                                   : "";
    // Reasons are a closed set from the server itself; cap the label anyway.
    ++s.push[{status.empty() ? "unknown" : status, reason.size() > 40 ? "other" : reason}];
  }
}

json HealthBackup() {
  std::string dir;
  {
    std::lock_guard<std::mutex> lock(S().mu);
    dir = S().options.backup_dir;
  }
  if (dir.empty()) return nullptr;
  return BackupHealth(dir);
}

}  // namespace edgestay::server
