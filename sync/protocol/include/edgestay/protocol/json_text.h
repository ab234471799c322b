// Writing JSON text by hand: the one string escaper for protocol output (errors, rows).
#pragma once

#include <string>
#include <string_view>

namespace edgestay::protocol {

// Appends `s` (UTF-8) as a JSON string literal, quotes included.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace edgestay::protocol
