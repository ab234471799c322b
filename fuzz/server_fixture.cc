// The fuzz targets' server (see server_fixture.h), created once per fuzzing process.
#include "server_fixture.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "http.h"
#include "http_framing.h"
#include "http_front.h"
#include "notifier.h"
#include "store.h"

namespace edgestay::server::fuzz {
namespace {

[[noreturn]] void Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "fuzz fixture: %s: %s %s\n", what.c_str(), s.code().c_str(), s.message().c_str());
  std::abort();
}

struct State {
  std::string dir;
  std::unique_ptr<Store> store;
  ServerConfig cfg;
  ChangeNotifier notifier;
  std::unique_ptr<ApiServer> api;
  Fixture fixture;
  FrameLimits limits;

  State() {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string tmpl = std::string(base) + "/edgestay-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) std::abort();
    dir = tmpl;
    StoreOptions opts;
    opts.max_connections = 2;
    opts.sqlite_durable = false;
    Status s;
    store = OpenStore("sqlite:" + dir + "/central.db", opts, &s);
    if (!store) Die("open", s);
    std::vector<MigrationState> applied;
    if (s = store->Migrate(&applied); !s.ok()) Die("migrate", s);
    json out;
    if (s = store->SeedDemo(json{{"days", 60}}, &out); !s.ok()) Die("seed", s);
    fixture.hotel_id = out["hotel"]["id"].get<int64_t>();
    int64_t id = 0;
    TokenSpec admin;
    admin.scope = Scope::kAdmin;
    admin.all_hotels = true;
    if (s = store->CreateToken(admin, &fixture.admin_token, &id); !s.ok()) Die("token", s);
    TokenSpec book;
    book.scope = Scope::kBook;
    book.hotels = {fixture.hotel_id};
    if (s = store->CreateToken(book, &fixture.book_token, &id); !s.ok()) Die("token", s);
    cfg.max_wait_seconds = 0;  // a long-poll must not stall the fuzzer
    limits.max_body_bytes = cfg.max_body_bytes;
    api = std::make_unique<ApiServer>(*store, cfg, notifier);
  }
  ~State() {
    api.reset();
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// Inputs that write (new hotels, years of inventory) make the store, and with it every
// later pull, grow without end: start over with a fresh store every so many requests.
constexpr int kRequestsPerStore = 2000;

std::unique_ptr<State>& Current() {
  static std::unique_ptr<State> state;
  return state;
}

State& St() {
  auto& state = Current();
  if (!state) state = std::make_unique<State>();
  return *state;
}

void CountRequest() {
  static int requests = 0;
  if (++requests % kRequestsPerStore == 0) Current().reset();
}

void ReplaceAll(std::string* s, std::string_view from, const std::string& to) {
  for (size_t pos = 0; (pos = s->find(from, pos)) != std::string::npos; pos += to.size())
    s->replace(pos, from.size(), to);
}

}  // namespace

const Fixture& Get() { return St().fixture; }

std::string Expand(std::string_view input) {
  const Fixture& f = Get();
  std::string s(input);
  ReplaceAll(&s, "@ADMIN@", f.admin_token);
  ReplaceAll(&s, "@BOOK@", f.book_token);
  ReplaceAll(&s, "@HOTEL@", std::to_string(f.hotel_id));
  return s;
}

std::string Exchange(std::string_view raw) {
  State& st = St();
  Frame frame = ParseFrame(raw, st.limits);
  if (frame.state == FrameState::kError) return ErrorResponse(frame.status, frame.code, frame.message, "");
  if (frame.state == FrameState::kNeedMore) return "";
  std::string out;
  st.api->server().HandleOne(frame.request, false, "127.0.0.1", 1, [&out](const char* p, size_t n) {
    out.append(p, n);
    return true;
  });
  CountRequest();  // after the request: its tokens belong to the store it ran on
  return out;
}

}  // namespace edgestay::server::fuzz
