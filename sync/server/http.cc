// Routes of edgestay-server. Every handler answers JSON; every error has the FORMAT.md
// §4 shape { "error": { code, message } }. Order of checks for hotel routes:
// 401 (no/invalid token) -> 403 (token not valid for this hotel, or scope too low) ->
// 413 (body too large; httplib, before routing) -> 400 (body not JSON / wrong shape)
// -> the store. Nothing a client sends can crash the process: bodies are size-limited,
// depth-checked, parsed without exceptions, read with typed accessors, and every handler
// runs inside a catch-all that answers 500.
#include "http.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <regex>
#include <thread>

#include <httplib.h>

#include "auth.h"
#include "checksums.h"
#include "http_front.h"
#include "metrics.h"
#include "notifier.h"
#include "pg_listener.h"
#include "snapshot.h"

namespace edgestay::server {
namespace {

constexpr int kMaxJsonDepth = 32;
constexpr size_t kMaxMutations = 500;
constexpr int kMaxPullLimit = 10000;
constexpr int kDefaultPullLimit = 1000;

int HttpStatusFor(const std::string& code) {
  if (code == "UNAUTHORIZED") return 401;
  if (code == "FORBIDDEN") return 403;
  if (code == "NOT_FOUND" || code == "UNKNOWN_HOTEL" || code == "UNKNOWN_ROOM_TYPE" ||
      code == "UNKNOWN_BOOKING" || code == "UNKNOWN_LEASE")
    return 404;
  if (code == "CONFLICT" || code == "INVENTORY_CONFLICT" || code == "CURSOR_AHEAD" ||
      code == kDbConstraint || code == kDbUnique || code == "LEASE_ENDED" || code == "LEASE_IN_USE")
    return 409;
  if (code == "PAYLOAD_TOO_LARGE") return 413;
  if (code == kDbUnavailable || code == kDbRetry) return 503;
  if (code == kDbError || code == "INTERNAL") return 500;
  return 400;  // INVALID_ARGUMENT, INVALID_JSON, INVALID_PUSH, INVALID_CURSOR, INVALID_RANGE…
}

void SendJson(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& code,
               const std::string& message) {
  json e = {{"error", {{"code", code}, {"message", message}}}};
  SendJson(res, status, Dump(e));
}

void SendStatus(httplib::Response& res, const Status& s) {
  std::string code = s.code(), message = s.message();
  const int http = HttpStatusFor(code);
  if (http >= 500) {
    std::cerr << "edgestay-server: " << code << ": " << message << std::endl;
    if (code == kDbError) {
      code = "INTERNAL";
      message = "internal error (see the server log)";
    } else if (code == kDbRetry || code == kDbUnavailable) {
      code = "UNAVAILABLE";
      message = "the store is busy or unreachable; retry";
    }
  } else if (code == kDbConstraint || code == kDbUnique) {
    code = "CONFLICT";
  }
  SendError(res, http, code, message);
}

bool ParseId(const std::string& text, int64_t* out) {
  if (text.empty() || text.size() > 15) return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1) return false;
  *out = v;
  return true;
}

// Non-negative decimal integer query parameter; false when present and malformed.
bool QueryInt(const httplib::Request& req, const char* key, int64_t max, int64_t* out,
              bool* present) {
  *present = req.has_param(key);
  if (!*present) return true;
  std::string v = req.get_param_value(key);
  if (v.empty()) {
    *present = false;
    return true;
  }
  if (v.size() > 18) return false;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (n > max) return false;
  *out = n;
  return true;
}

bool ValidClientId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

struct RouteSpec {
  bool hotel_in_path = true;   // matches[1] is a hotel id the token must be bound to
  Scope min_scope = Scope::kRead;
  bool needs_all_hotels = false;
  bool json_body = false;
};

struct Ctx {
  const httplib::Request& req;
  httplib::Response& res;
  Principal who;
  int64_t hotel_id = 0;
  json body;
};

class Api {
 public:
  Api(Store& store, const ServerConfig& cfg, ChangeNotifier& notifier)
      : store_(store), cfg_(cfg), auth_(&store, cfg.token_cache_ms), notifier_(notifier),
        snapshots_(store, cfg.snapshot_interval_seconds),
        max_long_polls_(cfg.max_long_polls > 0 ? cfg.max_long_polls : std::max(1, cfg.threads / 2)) {}

  int LongPollsWaiting() const { return waiting_.load(); }
  // Loads (or makes) the snapshot signing key; the server refuses to start without it.
  Status Init() { return snapshots_.LoadKey(cfg_.snapshot_key_path); }

  void Install(httplib::Server& svr) {
    svr.Get("/v1/health", [this](const httplib::Request&, httplib::Response& res) {
      bool exists = false;
      Status s = store_.HotelExists(0, &exists);
      if (!s.ok()) return SendStatus(res, s);
      json body = {{"ok", true},
                   {"store", store_.dialect() == Dialect::kSqlite ? "sqlite" : "postgresql"},
                   {"version", "0.1.0"},
                   {"time", NowMs()}};
      if (json backup = HealthBackup(); !backup.is_null()) body["backup"] = backup;
      SendJson(res, 200, Dump(body));
    });

    Add(svr, "GET", R"(/v1/hotels/(\d+)/changes)", {true, Scope::kRead, false, false},
        [this](Ctx& c) { Pull(c); });
    Add(svr, "POST", R"(/v1/hotels/(\d+)/mutations)", {true, Scope::kBook, false, true},
        [this](Ctx& c) { Push(c); });
    Add(svr, "GET", R"(/v1/hotels/(\d+)/bookings/(\d+))", {true, Scope::kBook, false, false},
        [this](Ctx& c) {
          int64_t id = 0;
          if (!ParseId(c.req.matches[2], &id))
            return SendError(c.res, 404, "UNKNOWN_BOOKING", "no such booking");
          json out;
          Status s = store_.GetBooking(c.hotel_id, id, c.who, &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, Dump(out));
        });

    // Admin ARI.
    Add(svr, "POST", R"(/v1/hotels)", {false, Scope::kAdmin, true, true}, [this](Ctx& c) {
      json out;
      Status s = store_.CreateHotel(c.body, &out);
      if (!s.ok()) return SendStatus(c.res, s);
      SendJson(c.res, 201, Dump(out));
    });
    Add(svr, "PATCH", R"(/v1/hotels/(\d+))", {true, Scope::kAdmin, false, true}, [this](Ctx& c) {
      json out;
      Status s = store_.UpdateHotel(c.hotel_id, c.body, &out);
      if (!s.ok()) return SendStatus(c.res, s);
      SendJson(c.res, 200, Dump(out));
    });
    Add(svr, "POST", R"(/v1/hotels/(\d+)/room-types)", {true, Scope::kAdmin, false, true},
        [this](Ctx& c) {
          json out;
          Status s = store_.CreateRoomType(c.hotel_id, c.body, &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 201, Dump(out));
        });
    Add(svr, "PATCH", R"(/v1/hotels/(\d+)/room-types/(\d+))", {true, Scope::kAdmin, false, true},
        [this](Ctx& c) {
          int64_t id = 0;
          if (!ParseId(c.req.matches[2], &id))
            return SendError(c.res, 404, "UNKNOWN_ROOM_TYPE", "no such room type");
          json out;
          Status s = store_.UpdateRoomType(c.hotel_id, id, c.body, &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, Dump(out));
        });
    Add(svr, "PUT", R"(/v1/hotels/(\d+)/inventory)", {true, Scope::kAdmin, false, true},
        [this](Ctx& c) {
          json out;
          Status s = store_.SetInventory(c.hotel_id, c.body, &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, Dump(out));
        });
    Add(svr, "PUT", R"(/v1/hotels/(\d+)/rules)", {true, Scope::kAdmin, false, true},
        [this](Ctx& c) {
          json out;
          Status s = store_.SetRules(c.hotel_id, c.body, &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, Dump(out));
        });
    Add(svr, "PUT", R"(/v1/hotels/(\d+)/special-days)", {true, Scope::kAdmin, false, true},
        [this](Ctx& c) {
          json out;
          Status s = store_.SetSpecialDays(c.hotel_id, c.body, &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, Dump(out));
        });
    Add(svr, "DELETE", R"(/v1/hotels/(\d+)/special-days)", {true, Scope::kAdmin, false, false},
        [this](Ctx& c) {
          json range = json::object();
          if (c.req.has_param("from")) range["from"] = c.req.get_param_value("from");
          if (c.req.has_param("to")) range["to"] = c.req.get_param_value("to");
          json out;
          Status s = store_.DeleteSpecialDays(c.hotel_id, range, &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, Dump(out));
        });
    Add(svr, "POST", R"(/v1/tokens)", {false, Scope::kAdmin, false, true},
        [this](Ctx& c) { CreateToken(c); });

    // Signed snapshots (snapshot.cc): the image, and the key that verifies it.
    svr.Get("/v1/snapshot-key", [this](const httplib::Request&, httplib::Response& res) {
      SendJson(res, 200, snapshots_.PublicKeyJson());
    });
    Add(svr, "GET", R"(/v1/hotels/(\d+)/snapshot)", {true, Scope::kRead, false, false},
        [this](Ctx& c) {
          std::shared_ptr<const Snapshot> snap;
          Status s = snapshots_.Get(c.hotel_id, c.who, &snap);
          if (!s.ok()) return SendStatus(c.res, s);
          // Only an image without guests' rows may sit in a shared (CDN) cache.
          c.res.set_header("Cache-Control", snap->shared ? "public, max-age=" +
                                                               std::to_string(snapshots_.interval_seconds())
                                                         : std::string("private, no-store"));
          c.res.set_header("ETag", snap->etag);
          c.res.set_header("X-Edgestay-Cursor", snap->cursor);
          c.res.set_header("X-Edgestay-Synced-At", std::to_string(snap->synced_at));
          c.res.set_header("X-Edgestay-Signature", snap->signature);
          if (c.req.get_header_value("If-None-Match") == snap->etag) {
            c.res.status = 304;
            return;
          }
          c.res.status = 200;
          c.res.set_content(snap->image, "application/vnd.sqlite3");
        });

    // Integrity (checksums.cc): range checksums of what the token replicates, and repair.
    Add(svr, "GET", R"(/v1/hotels/(\d+)/checksums)", {true, Scope::kRead, false, false},
        [this](Ctx& c) {
          std::string out;
          Status s = RangeChecksums(store_, c.hotel_id, c.who, c.req.get_param_value("from"),
                                    c.req.get_param_value("to"), &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, out);
        });
    Add(svr, "GET", R"(/v1/hotels/(\d+)/checksums/(\d+)/([0-9-]+))", {true, Scope::kRead, false, false},
        [this](Ctx& c) {
          int64_t rt = 0;
          if (!ParseId(c.req.matches[2], &rt))
            return SendError(c.res, 404, "UNKNOWN_ROOM_TYPE", "no such room type");
          std::string out;
          Status s = RepairRange(store_, c.hotel_id, c.who, rt, c.req.matches[3], &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, out);
        });

    // Allotment leases (leases.cc): a book-scoped token's rooms held out of inventory.
    Add(svr, "POST", R"(/v1/hotels/(\d+)/leases)", {true, Scope::kBook, false, true}, [this](Ctx& c) {
      json out;
      Status s = store_.CreateLease(c.hotel_id, c.who, c.body, &out);
      if (!s.ok()) return SendStatus(c.res, s);
      if (out.contains("refused")) {
        json e = {{"error", {{"code", "LEASE_REFUSED"},
                             {"message", out["refused"]["message"]},
                             {"details", {{"reason", out["refused"]["reason"]}}}}}};
        return SendJson(c.res, 409, Dump(e));
      }
      SendJson(c.res, 201, Dump(out));
    });
    Add(svr, "GET", R"(/v1/hotels/(\d+)/leases)", {true, Scope::kBook, false, false}, [this](Ctx& c) {
      json out;
      Status s = store_.ListLeases(c.hotel_id, c.who, std::nullopt, &out);
      if (!s.ok()) return SendStatus(c.res, s);
      SendJson(c.res, 200, Dump(out));
    });
    Add(svr, "GET", R"(/v1/hotels/(\d+)/leases/(\d+))", {true, Scope::kBook, false, false}, [this](Ctx& c) {
      int64_t id = 0;
      if (!ParseId(c.req.matches[2], &id)) return SendError(c.res, 404, "UNKNOWN_LEASE", "no such lease");
      json out;
      Status s = store_.ListLeases(c.hotel_id, c.who, id, &out);
      if (!s.ok()) return SendStatus(c.res, s);
      SendJson(c.res, 200, Dump(out));
    });
    Add(svr, "POST", R"(/v1/hotels/(\d+)/leases/(\d+)/(renew|shrink|release))", {true, Scope::kBook, false, false},
        [this](Ctx& c) {
          int64_t id = 0;
          if (!ParseId(c.req.matches[2], &id)) return SendError(c.res, 404, "UNKNOWN_LEASE", "no such lease");
          json body = json::object();
          if (!c.req.body.empty()) {  // release needs no body; the others are small objects
            if (!JsonDepthWithin(c.req.body, kMaxJsonDepth)) return SendError(c.res, 400, "INVALID_JSON", "too deep");
            body = json::parse(c.req.body, nullptr, false);
            if (body.is_discarded()) return SendError(c.res, 400, "INVALID_JSON", "the body is not valid UTF-8 JSON");
            if (!body.is_object()) return SendError(c.res, 400, "INVALID_ARGUMENT", "the body must be a JSON object");
          }
          json out;
          Status s = store_.ChangeLease(c.hotel_id, c.who, id, c.req.matches[3], body, &out);
          if (!s.ok()) return SendStatus(c.res, s);
          SendJson(c.res, 200, Dump(out));
        });
  }

 private:
  using Handler = std::function<void(Ctx&)>;

  void Add(httplib::Server& svr, const char* method, const char* pattern, RouteSpec spec,
           Handler h) {
    auto wrapped = [this, spec, h = std::move(h)](const httplib::Request& req,
                                                   httplib::Response& res) {
      try {
        Handle(req, res, spec, h);
      } catch (const std::exception& e) {
        std::cerr << "edgestay-server: handler exception: " << e.what() << std::endl;
        SendError(res, 500, "INTERNAL", "internal error");
      } catch (...) {
        SendError(res, 500, "INTERNAL", "internal error");
      }
    };
    std::string m = method;
    if (m == "GET") svr.Get(pattern, wrapped);
    else if (m == "POST") svr.Post(pattern, wrapped);
    else if (m == "PUT") svr.Put(pattern, wrapped);
    else if (m == "PATCH") svr.Patch(pattern, wrapped);
    else if (m == "DELETE") svr.Delete(pattern, wrapped);
  }

  void Handle(const httplib::Request& req, httplib::Response& res, const RouteSpec& spec,
              const Handler& h) {
    Ctx c{req, res, {}, 0, {}};
    Status s = auth_.Authenticate(req.get_header_value("Authorization"), &c.who);
    if (!s.ok()) {
      if (s.code() == "UNAUTHORIZED") res.set_header("WWW-Authenticate", "Bearer");
      return SendStatus(res, s);
    }
    if (spec.hotel_in_path) {
      if (!ParseId(req.matches[1], &c.hotel_id))
        return SendError(res, 404, "UNKNOWN_HOTEL", "no such hotel");
      if (!c.who.AllowsHotel(c.hotel_id))
        return SendError(res, 403, "FORBIDDEN",
                         "this token is not valid for hotel " + std::to_string(c.hotel_id));
    }
    if (!c.who.AtLeast(spec.min_scope))
      return SendError(res, 403, "FORBIDDEN",
                       std::string("this endpoint needs scope '") + ScopeName(spec.min_scope) +
                           "', the token has '" + ScopeName(c.who.scope) + "'");
    if (spec.needs_all_hotels && !c.who.all_hotels)
      return SendError(res, 403, "FORBIDDEN", "this endpoint needs an admin token for all hotels");
    if (spec.json_body) {
      if (req.body.empty()) return SendError(res, 400, "INVALID_JSON", "the body must be JSON");
      if (!JsonDepthWithin(req.body, kMaxJsonDepth))
        return SendError(res, 400, "INVALID_JSON",
                         "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      c.body = json::parse(req.body, nullptr, false);
      if (c.body.is_discarded())
        return SendError(res, 400, "INVALID_JSON", "the body is not valid UTF-8 JSON");
      if (!c.body.is_object())
        return SendError(res, 400, "INVALID_ARGUMENT", "the body must be a JSON object");
    }
    h(c);
  }

  void Pull(Ctx& c) {
    PullQuery q;
    q.hotel_id = c.hotel_id;
    q.principal = c.who;
    bool present = false;
    int64_t v = 0;
    if (!QueryInt(c.req, "since", int64_t{1} << 53, &v, &present))
      return SendError(c.res, 400, "INVALID_CURSOR", "since must be a cursor from a previous pull");
    q.since = present ? v : 0;
    const bool has_since = present;
    const std::string since_text = present ? c.req.get_param_value("since") : "";
    v = kDefaultPullLimit;
    if (!QueryInt(c.req, "limit", kMaxPullLimit, &v, &present) || (present && v < 1))
      return SendError(c.res, 400, "INVALID_ARGUMENT",
                       "limit must be an integer in 1.." + std::to_string(kMaxPullLimit));
    q.limit = static_cast<int>(present ? v : kDefaultPullLimit);
    int64_t wait = 0;
    if (!QueryInt(c.req, "wait", 3600, &wait, &present))
      return SendError(c.res, 400, "INVALID_ARGUMENT", "wait must be a number of seconds");
    wait = std::min<int64_t>(wait, cfg_.max_wait_seconds);
    // Every waiting pull holds a worker thread: past the limit, answer at once instead
    // (the client polls again), so long-polls can never starve pushes and admin calls.
    struct WaitSlot {
      std::atomic<int>* n = nullptr;
      ~WaitSlot() { if (n) n->fetch_sub(1); }
    } slot;
    if (wait > 0) {
      if (waiting_.fetch_add(1) >= max_long_polls_) {
        waiting_.fetch_sub(1);
        wait = 0;
        c.res.set_header("X-Edgestay-Wait", "0");
      } else {
        slot.n = &waiting_;
      }
    }

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
    PullPage page;
    int64_t synced_at = 0;
    for (;;) {
      const uint64_t version = notifier_.Version(c.hotel_id);
      synced_at = NowMs();
      Status s = store_.Pull(q, &page);
      if (!s.ok()) return SendStatus(c.res, s);
      if (!page.hotel_exists) return SendError(c.res, 404, "UNKNOWN_HOTEL", "no such hotel");
      if (page.count > 0 || wait == 0) break;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline || notifier_.stopping()) break;
      // Re-check at least every second: covers writers in other processes (SQLite CLI).
      notifier_.WaitChange(c.hotel_id, version, std::min(deadline, now + std::chrono::seconds(1)));
    }
    std::string body;
    body.reserve(page.changes_json.size() + 160);
    body += "{\"format\":\"edgestay.changes/1\"";
    if (has_since) {
      body += ",\"since\":";
      AppendJsonString(&body, since_text);
    }
    body += ",\"cursor\":\"" + std::to_string(page.cursor) + "\"";
    body += ",\"syncedAt\":" + std::to_string(synced_at);
    body += std::string(",\"hasMore\":") + (page.has_more ? "true" : "false");
    body += ",\"changes\":";
    body += page.changes_json;
    body += "}";
    c.res.set_header("Cache-Control", "no-store");
    SendJson(c.res, 200, body);
  }

  void Push(Ctx& c) {
    json& b = c.body;
    std::string format;
    if (StrField(b, "format", 0, 64, &format) == Field::kBad ||
        (b.contains("format") && format != "edgestay.push/1"))
      return SendError(c.res, 400, "INVALID_PUSH", "format must be \"edgestay.push/1\"");
    PushBatch batch;
    batch.hotel_id = c.hotel_id;
    batch.principal = c.who;
    if (StrField(b, "clientId", 1, 64, &batch.client_id) != Field::kOk ||
        !ValidClientId(batch.client_id))
      return SendError(c.res, 400, "INVALID_PUSH",
                       "clientId must be 1..64 characters [A-Za-z0-9_.-]");
    // (The mutations are moved out of the body below: nothing reads it after this route.)
    auto it = b.find("mutations");
    if (it == b.end() || !it->is_array() || it->empty())
      return SendError(c.res, 400, "INVALID_PUSH", "mutations must be a non-empty array");
    if (it->size() > kMaxMutations)
      return SendError(c.res, 413, "PAYLOAD_TOO_LARGE",
                       "at most " + std::to_string(kMaxMutations) + " mutations per push");
    batch.mutations.reserve(it->size());
    for (size_t i = 0; i < it->size(); ++i) {
      json& m = (*it)[i];
      int64_t seq = 0;
      if (!m.is_object() || IntField(m, "seq", 1, kMaxSafeInt, &seq) != Field::kOk)
        return SendError(c.res, 400, "INVALID_PUSH",
                         "mutations[" + std::to_string(i) + "].seq must be an integer >= 1");
      batch.mutations.push_back(std::move(m));
    }
    // Through the connection front the push is answered by whoever commits its group
    // (this worker goes back to the pool instead of sleeping until then); otherwise here.
    auto shared = std::make_shared<PushBatch>(std::move(batch));
    const bool deferred = RoutedServer::Defer(
        c.req, c.res, [this, shared](std::shared_ptr<DeferredResponse> reply) {
          std::string client_id = shared->client_id;
          store_.PushAsync(std::move(*shared),
                           [reply = std::move(reply), client_id = std::move(client_id)](
                               const Status& s, PushOutcome&& out) {
                             reply->Finish([&](httplib::Response& res) {
                               AnswerPush(res, s, client_id, std::move(out));
                             });
                           });
        });
    if (deferred) return;
    PushOutcome out;
    Status s = store_.Push(*shared, &out);
    AnswerPush(c.res, s, shared->client_id, std::move(out));
  }

  static void AnswerPush(httplib::Response& res, const Status& s, const std::string& client_id,
                         PushOutcome&& out) {
    if (!s.ok()) return SendStatus(res, s);
    ObservePushResults(out.results);
    json resp = {{"format", "edgestay.pushResult/1"},
                 {"clientId", client_id},
                 {"results", std::move(out.results)},
                 {"nextSeq", out.next_seq}};
    SendJson(res, 200, Dump(resp));
  }

  void CreateToken(Ctx& c) {
    TokenSpec spec;
    std::string scope;
    if (StrField(c.body, "scope", 1, 16, &scope) != Field::kOk || !ParseScope(scope, &spec.scope))
      return SendError(c.res, 400, "INVALID_ARGUMENT", "scope must be read, book or admin");
    auto h = c.body.find("hotels");
    if (h != c.body.end() && h->is_string() && h->get<std::string>() == "*") {
      if (!c.who.all_hotels)
        return SendError(c.res, 403, "FORBIDDEN", "only an all-hotels admin can grant '*'");
      spec.all_hotels = true;
    } else if (h != c.body.end() && h->is_array() && !h->empty() && h->size() <= 1000) {
      for (const auto& x : *h) {
        if (!x.is_number_integer() || x.get<int64_t>() < 1)
          return SendError(c.res, 400, "INVALID_ARGUMENT", "hotels must be hotel ids or \"*\"");
        if (!c.who.AllowsHotel(x.get<int64_t>()))
          return SendError(c.res, 403, "FORBIDDEN",
                           "this token is not valid for hotel " + std::to_string(x.get<int64_t>()));
        spec.hotels.push_back(x.get<int64_t>());
      }
    } else {
      return SendError(c.res, 400, "INVALID_ARGUMENT", "hotels must be an array of ids or \"*\"");
    }
    int64_t user = 0;
    Field f = IdField(c.body, "userId", &user);
    if (f == Field::kBad) return SendError(c.res, 400, "INVALID_ARGUMENT", "userId must be an id");
    if (f == Field::kOk) spec.user_id = user;
    std::string label;
    if (StrField(c.body, "label", 0, 200, &label) == Field::kBad)
      return SendError(c.res, 400, "INVALID_ARGUMENT", "label must be a string");
    spec.label = label;
    std::string token;
    int64_t id = 0;
    Status s = store_.CreateToken(spec, &token, &id);
    if (!s.ok()) return SendStatus(c.res, s);
    json out = {{"token", token}, {"id", id}, {"scope", ScopeName(spec.scope)}};
    out["hotels"] = spec.all_hotels ? json("*") : json(spec.hotels);
    out["userId"] = spec.user_id ? json(*spec.user_id) : json(nullptr);
    SendJson(c.res, 201, Dump(out));
  }

  Store& store_;
  const ServerConfig& cfg_;
  Authenticator auth_;
  ChangeNotifier& notifier_;
  SnapshotService snapshots_;
  const int max_long_polls_;
  std::atomic<int> waiting_{0};
};

}  // namespace

bool JsonDepthWithin(const std::string& body, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char ch : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '[' || ch == '{') {
      if (++depth > max_depth) return false;
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return true;
}

struct ApiServer::Impl {
  RoutedServer server_;
  Api api_;
  Impl(Store& store, const ServerConfig& cfg, ChangeNotifier& notifier)
      : api_(store, cfg, notifier) {
    RoutedServer& svr = server_;
    // Framing, sizes and timeouts are enforced by the front (http_front.cc) before a
    // request reaches httplib; this limit is a second line only.
    svr.set_payload_max_length(cfg.max_body_bytes);
    svr.set_keep_alive_max_count(static_cast<size_t>(cfg.keep_alive_max_requests));
    svr.set_keep_alive_timeout(cfg.keep_alive_seconds);
    httplib::Headers default_headers = {{"X-Content-Type-Options", "nosniff"}};
    if (!cfg.cors_origin.empty()) {
      // Bearer tokens, no cookies: the browser widget may call from any origin it is
      // served on. Preflights are answered below.
      default_headers.emplace("Access-Control-Allow-Origin", cfg.cors_origin);
      default_headers.emplace("Access-Control-Expose-Headers",
                              "X-Edgestay-Wait, X-Edgestay-Cursor, X-Edgestay-Synced-At, X-Edgestay-Signature, ETag");
    }
    svr.set_default_headers(default_headers);
    if (!cfg.cors_origin.empty()) {
      svr.Options(R"(/v1/.*)", [](const httplib::Request&, httplib::Response& res) {
        res.status = 204;
        res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
        res.set_header("Access-Control-Max-Age", "600");
      });
    }
    svr.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      switch (res.status) {
        case 404: SendError(res, 404, "NOT_FOUND", "no such endpoint"); break;
        case 405: SendError(res, 405, "METHOD_NOT_ALLOWED", "method not allowed"); break;
        case 413:
          SendError(res, 413, "PAYLOAD_TOO_LARGE", "the request body is over the size limit");
          break;
        case 414: SendError(res, 414, "URI_TOO_LONG", "the request URI is too long"); break;
        case 400: SendError(res, 400, "BAD_REQUEST", "malformed HTTP request"); break;
        default:
          SendError(res, res.status, res.status >= 500 ? "INTERNAL" : "HTTP_ERROR",
                    "HTTP " + std::to_string(res.status));
      }
      return httplib::Server::HandlerResponse::Handled;
    }));
    svr.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                 std::exception_ptr) {
      SendError(res, 500, "INTERNAL", "internal error");
    });
    api_.Install(svr);
    // /metrics, request timing and the access log (--access-log, --log-format).
    InstallObservability(svr, store, cfg.access_log, [this] { return api_.LongPollsWaiting(); });
  }
};

ApiServer::ApiServer(Store& store, const ServerConfig& cfg, ChangeNotifier& notifier)
    : impl_(std::make_unique<Impl>(store, cfg, notifier)) {}
ApiServer::~ApiServer() = default;
RoutedServer& ApiServer::server() { return impl_->server_; }
Status ApiServer::Init() { return impl_->api_.Init(); }

static FrontLimits FrontLimitsFor(const ServerConfig& cfg) {
  FrontLimits l;
  l.threads = std::max(2, cfg.threads);
  l.max_connections = cfg.max_connections;
  l.max_body_bytes = cfg.max_body_bytes;
  l.header_timeout_ms = cfg.header_timeout_ms;
  l.body_timeout_ms = cfg.body_timeout_ms;
  l.keep_alive_timeout_ms = cfg.keep_alive_seconds * 1000;
  l.keep_alive_max_requests = cfg.keep_alive_max_requests;
  l.log_rejections = cfg.access_log;
  if (!cfg.cors_origin.empty())
    l.error_headers = "Access-Control-Allow-Origin: " + cfg.cors_origin + "\r\n";
  return l;
}

int RunHttpServer(Store& store, const ServerConfig& cfg) {
  // Signals go to a dedicated thread (sigwait), never to a request thread. The mask is
  // set before any thread starts so that every thread inherits it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  ChangeNotifier notifier;
  store.SetChangeListener([&notifier](int64_t hotel) { notifier.Notify(hotel); });
  std::unique_ptr<PgListener> listener;
  if (store.dialect() == Dialect::kPostgres)
    listener = std::make_unique<PgListener>(cfg.store_spec,
                                            [&notifier](int64_t h) { notifier.Notify(h); });

  ApiServer app(store, cfg, notifier);
  if (Status s = app.Init(); !s.ok()) {
    std::cerr << "edgestay-server: " << s.message() << std::endl;
    return 1;
  }

  FrontLimits limits = FrontLimitsFor(cfg);
  // Each connection is a descriptor: raise the soft limit as far as allowed, and keep
  // --max-connections below it (with room for the store, the listener and logs), so
  // that running out of descriptors never stops accepting.
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    if (nofile.rlim_cur < nofile.rlim_max) {
      nofile.rlim_cur = nofile.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &nofile);
      ::getrlimit(RLIMIT_NOFILE, &nofile);
    }
    const rlim_t room = 64 + static_cast<rlim_t>(std::max(2, cfg.threads));
    if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur > room &&
        static_cast<rlim_t>(limits.max_connections) + room > nofile.rlim_cur) {
      limits.max_connections = static_cast<int>(nofile.rlim_cur - room);
      std::cerr << "edgestay-server: --max-connections lowered to " << limits.max_connections
                << " (open file limit " << nofile.rlim_cur << ")" << std::endl;
    }
  }
  int port = 0;
  std::string error;
  const int listen_fd = BindListener(cfg.host, cfg.port, &port, &error);
  if (listen_fd < 0) {
    std::cerr << "edgestay-server: " << error << std::endl;
    return 1;
  }
  HttpFront front(app.server(), limits);

  std::atomic<bool> done{false};
  // Expired holds give their rooms back even when their edge never comes back.
  std::thread sweeper([&] {
    int64_t next = 0;
    while (!done && !notifier.stopping()) {
      if (NowMs() >= next) {
        int64_t expired = 0;
        Status s = store.ExpireHolds(NowMs(), &expired);
        if (!s.ok()) std::cerr << "edgestay-server: expiring holds: " << s.message() << std::endl;
        s = store.ExpireLeases(NowMs(), &expired);
        if (!s.ok()) std::cerr << "edgestay-server: expiring leases: " << s.message() << std::endl;
        next = NowMs() + std::max(1, cfg.hold_sweep_seconds) * 1000;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::thread signal_thread([&] {
    // Poll with a timeout so that the thread also ends when listening fails.
    timespec ts{0, 200 * 1000 * 1000};
    while (!done) {
      int sig = sigtimedwait(&stop_signals, nullptr, &ts);
      if (sig == SIGINT || sig == SIGTERM) {
        std::cerr << "edgestay-server: stopping" << std::endl;
        notifier.Stop();
        front.Stop();
        break;
      }
    }
  });

  const std::string host_for_url = cfg.host.find(':') != std::string::npos ? "[" + cfg.host + "]" : cfg.host;
  std::printf("listening on http://%s:%d\n", host_for_url.c_str(), port);
  std::printf("store: %s\n", store.Describe().c_str());
  std::fflush(stdout);

  const bool ok = front.Serve(listen_fd);
  done = true;
  notifier.Stop();
  signal_thread.join();
  sweeper.join();
  listener.reset();
  store.SetChangeListener(nullptr);
  return ok ? 0 : 1;
}

}  // namespace edgestay::server
