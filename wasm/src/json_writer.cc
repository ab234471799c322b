// JSON string output for JsonWriter (escaping itself is the protocol layer's).
#include "json_writer.h"

#include "edgestay/protocol/json_text.h"

namespace edgestay {

JsonWriter& JsonWriter::String(std::string_view s) {
  Sep();
  // Fast path: most strings (dates, names, statuses) need no escaping.
  bool plain = true;
  for (unsigned char c : s) plain = plain && c >= 0x20 && c != '"' && c != '\\';
  if (plain) {
    out_->reserve(out_->size() + s.size() + 2);
    out_->push_back('"');
    out_->append(s.data(), s.size());
    out_->push_back('"');
    return *this;
  }
  protocol::AppendJsonString(out_, s);
  return *this;
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  JsonWriter(&out).String(s);
  return out;
}

}  // namespace edgestay
