// The wasm boundary: embind glue that forwards JS calls to edgestay::Engine.
//
// No logic lives here. Each method is one boundary crossing; results come back as one
// string (JSON) and failures as `failed() == true` with the error's JSON as the result,
// because C++ exceptions never cross embind (the core is built without them). The
// per-call pair (edgestay_invoke, edgestay_probe) are plain exported functions of numbers
// instead: JS drives them through bindings/js/loader.mjs's coreCaller.
#include <emscripten/bind.h>
#include <emscripten/em_macros.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>

#include <cstdint>
#include <cstdlib>
#include <malloc.h>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgestay/engine.h"
#include "edgestay_vfs.h"

namespace {

using edgestay::Engine;
using edgestay::Status;

// The bytes malloc can hand out before the heap must grow: those free inside it and those
// past its break. A walk of all its chunks (dlmalloc's mallinfo): ~7 ms on the chain's
// 130 MiB heap, so asked a few times a load (index.mjs heapReserver), never once a call.
double HeapFree() {
  const size_t past_break = emscripten_get_heap_size() - *emscripten_get_sbrk_ptr();
  return static_cast<double>(mallinfo().fordblks + past_break);
}

// Grows the heap in one step so that `bytes` are free at its top. Left to itself it grows
// in steps of at most 4 MiB (MEMORY_GROWTH_GEOMETRIC_CAP), and V8 answers every growth of
// wasm memory with a full collection of the JS heap: ~100-180 ms each with a load's rows in
// JS arrays. The block is freed at once; the pages fill it.
void GrowHeap(double bytes) {
  if (!(bytes >= 1 && bytes < 2147483648.0)) return;
  // Through a volatile: the compiler drops a malloc whose block nobody uses.
  static void* volatile block;
  block = std::malloc(static_cast<size_t>(bytes));
  std::free(block);
}

// Engine::MemoryAhead: a commit's index builds get their memory in one growth, if the heap
// has not got it free.
void HeapAhead(double bytes) {
  if (HeapFree() < bytes) GrowHeap(bytes);
}

class Core {
 public:
  // "" on success, else the error's JSON.
  std::string open(const std::string& snapshot) {
    return Opened(Engine::Open(snapshot, &engine_));
  }
  // An engine over a copy of the snapshot JS registered as Module.edgestaySnapshots
  // .get(snapshot_id): its pages are read from JS into an in-memory database, so wasm
  // memory never holds the image itself (Engine::OpenCopy).
  std::string openSnapshot(int snapshot_id) {
    const char* vfs = edgestay_bindings::StoreVfsName();
    if (!vfs) return Status::Error("INTERNAL", "cannot register the snapshot VFS").ToJson();
    return Opened(Engine::OpenCopy("snapshot-" + std::to_string(snapshot_id), vfs, &engine_));
  }
  // The same over the JS page store registered as Module.edgestayStores.get(store_id):
  // the database lives in that store, page-level and durable at each commit.
  std::string openStore(const std::string& snapshot, int store_id) {
    const char* vfs = edgestay_bindings::StoreVfsName();
    if (!vfs) return Status::Error("STORAGE", "cannot register the store VFS").ToJson();
    return Opened(Engine::OpenFile(snapshot, "store-" + std::to_string(store_id), vfs, &engine_));
  }
  void setNow(double now_ms) { engine_->SetNow(static_cast<int64_t>(now_ms)); }
  void setEntropy(const std::string& hex) { engine_->SetEntropy(hex); }
  bool failed() const { return failed_; }

  std::string methods() const { return Engine::MethodsJson(); }
  std::string compactLayout() const { return Engine::CompactLayoutJson(); }

  // The wrapper's call (edgestay_invoke below, one plain wasm call): the arguments' UTF-8
  // is already in the scratch buffer, written there by JS (no embind string: a malloc, an
  // encode, a copy and two frees per call). The clock, the call and its scalars in one
  // crossing; after it the status words (statusAddress: kStatusWords f64 in wasm memory,
  // read through a Float64Array) hold [failed, pending event count, cache entry id of the
  // answer, answer address, answer length]: the answer is a view of bytes in wasm memory
  // (UTF-8 JSON, or the compact binary form of methods marked "compact"), valid until the
  // next call; JS decodes it at once.
  void Invoke(int method_id, int length, double now_ms, bool compact) {
    engine_->SetNow(static_cast<int64_t>(now_ms));
    result_.clear();
    SetResult(engine_->CallById(method_id, std::string_view(scratch_.data(), static_cast<size_t>(length)), &result_,
                                compact));
    status_[2] = static_cast<double>(engine_->LastEntryId());
  }
  // The scratch buffer of at least `size` bytes for the arguments; its address (it moves
  // when it grows, so JS asks again only then).
  double scratch(int size) {
    if (static_cast<size_t>(size) > scratch_.size()) scratch_.resize(static_cast<size_t>(size));
    return static_cast<double>(reinterpret_cast<uintptr_t>(scratch_.data()));
  }
  // This Core's address, the first argument of edgestay_invoke / edgestay_probe.
  double handle() const { return static_cast<double>(reinterpret_cast<uintptr_t>(this)); }
  // ProbeCache at `now_ms`, with the status words updated (event count: expired holds).
  bool probeAt(double entry_id, double now_ms) {
    engine_->SetNow(static_cast<int64_t>(now_ms));
    const bool valid = engine_->ProbeCache(static_cast<uint64_t>(entry_id));
    status_[0] = 0;
    status_[1] = static_cast<double>(engine_->TakeEventCount());
    return valid;
  }
  double statusAddress() const { return static_cast<double>(reinterpret_cast<uintptr_t>(status_)); }
  // A batch's (or a part's) text goes in through a buffer of its own: JS writes its UTF-8
  // there with TextEncoder.encodeInto (native code) instead of passing an embind
  // std::string, whose conversion measures and encodes the text in JS loops, slow until
  // they are optimized (~10 % of a one-shot hotel load), and which the binding then copies
  // once more. The buffer holds at least `size` bytes; it is kept from part to part of a
  // load (the heap, which never shrinks, would otherwise be left with holes between the
  // pages stored meanwhile, one part's text each) and freed when the batch ends, before
  // its commit builds the indexes, the load's peak of memory. Its address, or 0 when the
  // heap cannot give that much.
  double textBuffer(int size) {
    const size_t want = size > 0 ? static_cast<size_t>(size) : 1;
    if (want > text_capacity_) {
      FreeText();
      text_.reset(static_cast<char*>(std::malloc(want)));
      text_capacity_ = text_ ? want : 0;
    }
    return static_cast<double>(reinterpret_cast<uintptr_t>(text_.get()));
  }
  // The text in textBuffer, `length` bytes of it: a whole batch (the buffer is freed after)
  // or one part of a batch begun with beginChanges.
  emscripten::val applyChanges(int length) {
    result_.clear();
    Status s = engine_->ApplyChanges(TextOf(length), &result_);
    FreeText();
    return View(s);
  }
  emscripten::val beginChanges() {
    result_.clear();
    return View(engine_->BeginChanges());
  }
  emscripten::val applyChangesPart(int length, int change_offset, int row_offset) {
    result_.clear();
    return View(engine_->ApplyChangesPart(TextOf(length), change_offset, row_offset));
  }
  // A part whose one columnar change has its rows tokenized (protocol::RowsTag): its text,
  // `length` bytes, then the tokens, `rows_length` bytes, in the text buffer.
  emscripten::val applyRowsPart(int length, int rows_length, int change_offset, int row_offset) {
    result_.clear();
    const std::string_view both = TextOf(length + rows_length);
    return View(engine_->ApplyChangesPart(both.substr(0, static_cast<size_t>(length)), change_offset, row_offset,
                                          both.substr(static_cast<size_t>(length))));
  }
  // A load's rows get the heap grown ahead of them (index.mjs heapReserver decides how much).
  void reserveHeap(double bytes) { GrowHeap(bytes); }
  double heapFree() const { return HeapFree(); }
  emscripten::val commitChanges() {
    FreeText();
    result_.clear();
    return View(engine_->CommitChanges(&result_));
  }
  void abortChanges() {
    FreeText();
    engine_->AbortChanges();
  }
  // Unwanted, the events are only counted, and the status words report the count once
  // (Engine::TakeEventCount): the wrapper then makes no takeEvents call after a write.
  void setEventsWanted(bool wanted) { engine_->SetEventsWanted(wanted); }
  // A view of the events' JSON, like answers (a booking's events carry the booking).
  emscripten::val takeEvents() {
    events_ = engine_->TakeEvents();
    return emscripten::val(
        emscripten::typed_memory_view(events_.size(), reinterpret_cast<const uint8_t*>(events_.data())));
  }

  // The image in pieces (Engine::BeginExport): its size, then views of each piece in wasm
  // memory (empty after the last; JS copies each before the next call), then the end.
  emscripten::val exportBegin() {
    size_t size = 0;
    Status s = engine_->BeginExport(&size);
    failed_ = !s.ok();
    if (failed_) return emscripten::val(s.ToJson());
    return emscripten::val(static_cast<double>(size));
  }
  emscripten::val exportChunk() {
    const unsigned char* piece = nullptr;
    size_t size = 0;
    Status s = engine_->ExportChunk(&piece, &size);
    failed_ = !s.ok();
    if (failed_) return emscripten::val(s.ToJson());
    return emscripten::val(emscripten::typed_memory_view(size, piece));
  }
  void exportEnd() { engine_->EndExport(); }

 private:
  // The status words of a call's result (see Invoke); result_ holds the answer.
  void SetResult(const Status& s) {
    failed_ = !s.ok();
    if (failed_) result_ = s.ToJson();
    status_[0] = failed_ ? 1 : 0;
    status_[1] = static_cast<double>(engine_->TakeEventCount());
    status_[3] = static_cast<double>(reinterpret_cast<uintptr_t>(result_.data()));
    status_[4] = static_cast<double>(result_.size());
  }
  emscripten::val View(const Status& s) {
    SetResult(s);
    return emscripten::val(
        emscripten::typed_memory_view(result_.size(), reinterpret_cast<const uint8_t*>(result_.data())));
  }
  std::string Opened(const Status& s) {
    if (!s.ok()) return s.ToJson();
    engine_->SetMemoryAhead(&HeapAhead);
    return std::string();
  }
  struct FreeChars {
    void operator()(char* p) const { std::free(p); }
  };
  std::string_view TextOf(int length) const {
    return text_ && length > 0 ? std::string_view(text_.get(), static_cast<size_t>(length)) : std::string_view();
  }
  void FreeText() {
    text_.reset();
    text_capacity_ = 0;
  }
  alignas(8) double status_[5] = {0, 0, 0, 0, 0};
  std::vector<char> scratch_;
  std::string result_;
  std::string events_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<char, FreeChars> text_;  // textBuffer
  size_t text_capacity_ = 0;
  bool failed_ = false;
};

}  // namespace

// The per-call entry points, exported as plain wasm functions (Module._edgestay_invoke,
// Module._edgestay_probe): numbers only, so a call costs no embind conversion.
extern "C" {
EMSCRIPTEN_KEEPALIVE void edgestay_invoke(void* core, int method_id, int length, double now_ms, int compact) {
  static_cast<Core*>(core)->Invoke(method_id, length, now_ms, compact != 0);
}
EMSCRIPTEN_KEEPALIVE int edgestay_probe(void* core, double entry_id, double now_ms) {
  return static_cast<Core*>(core)->probeAt(entry_id, now_ms) ? 1 : 0;
}
}

EMSCRIPTEN_BINDINGS(edgestay) {
  emscripten::class_<Core>("Core")
      .constructor<>()
      .function("open", &Core::open)
      .function("openStore", &Core::openStore)
      .function("openSnapshot", &Core::openSnapshot)
      .function("setNow", &Core::setNow)
      .function("failed", &Core::failed)
      .function("setEntropy", &Core::setEntropy)
      .function("methods", &Core::methods)
      .function("compactLayout", &Core::compactLayout)
      .function("scratch", &Core::scratch)
      .function("handle", &Core::handle)
      .function("statusAddress", &Core::statusAddress)
      .function("textBuffer", &Core::textBuffer)
      .function("applyChanges", &Core::applyChanges)
      .function("beginChanges", &Core::beginChanges)
      .function("applyChangesPart", &Core::applyChangesPart)
      .function("applyRowsPart", &Core::applyRowsPart)
      .function("reserveHeap", &Core::reserveHeap)
      .function("heapFree", &Core::heapFree)
      .function("commitChanges", &Core::commitChanges)
      .function("abortChanges", &Core::abortChanges)
      .function("takeEvents", &Core::takeEvents)
      .function("setEventsWanted", &Core::setEventsWanted)
      .function("exportBegin", &Core::exportBegin)
      .function("exportChunk", &Core::exportChunk)
      .function("exportEnd", &Core::exportEnd);
}
