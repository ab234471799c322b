// Status rendered as the error object of sync/FORMAT.md §4.
#include "edgestay/status.h"

#include "edgestay/protocol/json_text.h"

namespace edgestay {

std::string Status::ToJson() const {
  std::string out = "{\"code\":";
  protocol::AppendJsonString(&out, code());
  out += ",\"message\":";
  protocol::AppendJsonString(&out, message());
  out += ",\"details\":";
  out += details_json();
  out += "}";
  return out;
}

namespace protocol {

void AppendJsonString(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (ch < 0x20) {
          *out += "\\u00";
          out->push_back(kHex[ch >> 4]);
          out->push_back(kHex[ch & 15]);
        } else {
          out->push_back(static_cast<char>(ch));
        }
    }
  }
  out->push_back('"');
}

}  // namespace protocol
}  // namespace edgestay
