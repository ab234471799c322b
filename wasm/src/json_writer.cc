// JSON string escaping for JsonWriter and Status.
#include "json_writer.h"

#include "edgestay/status.h"

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
  out_->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out_->append("\\\""); break;
      case '\\': out_->append("\\\\"); break;
      case '\n': out_->append("\\n"); break;
      case '\r': out_->append("\\r"); break;
      case '\t': out_->append("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out_->append(buf);
        } else {
          out_->push_back(static_cast<char>(c));
        }
    }
  }
  out_->push_back('"');
  return *this;
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  JsonWriter(&out).String(s);
  return out;
}

std::string Status::ToJson() const {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Key("code").String(code_).Key("message").String(message_);
  w.Key("details").Raw(details_json_.empty() ? "{}" : details_json_).EndObject();
  return out;
}

}  // namespace edgestay
