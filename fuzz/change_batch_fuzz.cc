// Fuzz target: the change-batch decoder (sync/FORMAT.md §1) on arbitrary bytes. It must
// answer every input with a Status (no crash, no sanitizer report); accepted rows must
// carry values of their table's width.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edgestay/protocol/change_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace edgestay;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  int64_t rows = 0;
  protocol::DecodeChangeBatch(
      text, [](const protocol::BatchHeader&) { return Status::Ok(); },
      [&rows](const protocol::RowChange& row) {
        if (!row.table || !row.values) __builtin_trap();
        ++rows;
        return Status::Ok();
      });
  return 0;
}
