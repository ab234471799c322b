// Fuzz target: the change-batch decoder (sync/FORMAT.md §1) on arbitrary bytes. It must
// answer every input with a Status (no crash, no sanitizer report); accepted rows must
// carry values of their table's width. An input holding a 0xFF byte (never part of UTF-8
// text) is split there: the text before it, and after it the tokenized rows of the part's
// columnar change (protocol::RowsTag), which the embind boundary takes from any caller.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edgestay/protocol/change_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace edgestay;
  std::string_view text(reinterpret_cast<const char*>(data), size), tokens;
  const size_t split = text.find('\xff');
  if (split != std::string_view::npos) {
    tokens = text.substr(split + 1);
    text = text.substr(0, split);
  }
  int64_t rows = 0;
  protocol::DecodeChangeBatch(
      text, [](const protocol::BatchHeader&) { return Status::Ok(); },
      [&rows](const protocol::RowChange& row) {
        if (!row.table || !row.values) __builtin_trap();
        ++rows;
        return Status::Ok();
      },
      0, 0, tokens);
  return 0;
}
