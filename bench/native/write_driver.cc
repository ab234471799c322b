// A native driver for profiling the core's local writes (docs/PERFORMANCE.md, "Local
// writes"): opens an engine over an SQLite image and calls one method once per line of an
// argument file, so callgrind / perf see the same SQLite and core code as the wasm module.
//
//   write_driver IMAGE ARGS.jsonl NOW_MS WARM TIMED [METHOD [events|quiet]]
//
// IMAGE is an SQLite image (the engine opens it, as bench/hotpaths.mjs does), a change
// batch `*.json` that a new engine loads (a plain in-memory database, as `npm run bench`),
// or `*.ndjson`: change batches one a line, loaded in order as a sync client applies the
// pages it pulls (BENCH_PAGES of bench/load.mjs; its first line, { now }, is skipped).
// Makes WARM calls, then TIMED calls that are reported (µs per call; under callgrind run
// with --collect-atstart=no: only the TIMED calls are collected, i.e. the marginal cost).
// Events are taken after each call, as the JS wrapper does: built ("events", the default:
// a listener is registered) or only counted ("quiet": nobody listens). DRIVER_CACHE=off
// turns the query cache off (for a read METHOD, whose repeats would otherwise be hits).
// bench/native/README.md says how to make the image and the argument lines.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "edgestay/engine.h"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s IMAGE ARGS.jsonl NOW_MS WARM TIMED [METHOD [events|quiet]]\n", argv[0]);
    return 2;
  }
  std::ifstream image_file(argv[1], std::ios::binary);
  std::stringstream image;
  image << image_file.rdbuf();
  std::vector<std::string> lines;
  {
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  const long warm = std::atol(argv[4]), timed = std::atol(argv[5]);
  const std::string method = argc > 6 ? argv[6] : "createBooking";
  if (lines.empty() || warm + timed > static_cast<long>(lines.size())) {
    std::fprintf(stderr, "need %ld argument lines, have %zu\n", warm + timed, lines.size());
    return 2;
  }
  std::unique_ptr<edgestay::Engine> engine;
  // An IMAGE ending in .json is a change batch: a new engine loads it (a plain in-memory
  // database, as `npm run bench` makes), else the engine opens a copy of the image (as
  // the wasm boundary opens a snapshot for hotpaths.mjs: Engine::OpenCopy).
  const std::string image_path = argv[1];
  auto ends_with = [&](const char* suffix) {
    const std::string s(suffix);
    return image_path.size() > s.size() && image_path.compare(image_path.size() - s.size(), s.size(), s) == 0;
  };
  const bool batch = ends_with(".json"), pages = ends_with(".ndjson");
  edgestay::Status opened = batch || pages ? edgestay::Engine::Open(std::string(), &engine)
                                           : edgestay::Engine::OpenCopy(image_path, nullptr, &engine);
  if (opened.ok() && batch) {
    std::string applied;
    opened = engine->ApplyChanges(image.str(), &applied);
  }
  if (opened.ok() && pages) {
    std::string line, applied;
    std::getline(image, line);  // { now }
    while (opened.ok() && std::getline(image, line)) {
      if (!line.empty()) opened = engine->ApplyChanges(line, &applied);
    }
  }
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.message().c_str());
    return 1;
  }
  engine->SetNow(std::atoll(argv[3]));
  engine->SetEntropy("0123456789abcdef0123456789abcdef");
  const bool quiet = argc > 7 && std::string(argv[7]) == "quiet";
  engine->SetEventsWanted(!quiet);
  if (const char* cache = std::getenv("DRIVER_CACHE"); cache && std::string(cache) == "off") {
    std::string ignored;
    engine->Call("configureCache", R"({"enabled":false})", &ignored);  // every read does its work
  }
  const int id = edgestay::Engine::MethodId(method);
  if (id < 0) {
    std::fprintf(stderr, "unknown method %s\n", method.c_str());
    return 2;
  }
  std::string out;
  long failed = 0;
  // Failed calls count (a workload may ask for sold-out stays); the first few say why.
  auto call = [&](long i) {
    const edgestay::Status s = engine->CallById(id, lines[i], &out);
    if (!s.ok() && failed++ < 3) std::fprintf(stderr, "call %ld: %s\n", i, s.message().c_str());
    if (engine->TakeEventCount() > 0 && !quiet) engine->TakeEvents();
  };
  for (long i = 0; i < warm; ++i) call(i);
  CALLGRIND_TOGGLE_COLLECT;
  // CPU time too: on a loaded machine it is steadier than the wall clock.
  timespec cpu0, cpu1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
  const auto start = std::chrono::steady_clock::now();
  for (long i = warm; i < warm + timed; ++i) call(i);
  const auto end = std::chrono::steady_clock::now();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
  CALLGRIND_TOGGLE_COLLECT;
  const double us = std::chrono::duration<double, std::micro>(end - start).count();
  const double cpu_us = (cpu1.tv_sec - cpu0.tv_sec) * 1e6 + (cpu1.tv_nsec - cpu0.tv_nsec) / 1e3;
  std::printf("%s: %ld timed calls, %.2f us per call (CPU %.2f us), %ld failed in all\n", method.c_str(), timed,
              timed ? us / timed : 0.0, timed ? cpu_us / timed : 0.0, failed);
  return 0;
}
