// The reader of a call's arguments (args.h): the flat scanner, and the two forms' values.
#include "args.h"

namespace edgestay::args {
namespace {

void Space(const char*& p, const char* e) {
  while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) ++p;
}

// A string of printable ASCII without escapes (anything else: the tree form, which also
// checks UTF-8).
bool PlainString(const char*& p, const char* e, std::string_view* s) {
  if (p >= e || *p != '"') return false;
  const char* b = ++p;
  while (p < e) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"') {
      *s = std::string_view(b, static_cast<size_t>(p - b));
      ++p;
      return true;
    }
    if (c < 0x20 || c >= 0x7f || c == '\\') return false;
    ++p;
  }
  return false;
}

// An integer of at most 15 digits, without a leading zero, fraction or exponent ("-0",
// "1.0", "1e2" and longer numbers go to the tree form, which says what they are).
bool PlainInt(const char*& p, const char* e, int64_t* v) {
  const bool negative = p < e && *p == '-';
  if (negative) ++p;
  const char* b = p;
  int64_t x = 0;
  while (p < e && *p >= '0' && *p <= '9') {
    if (p - b == 15) return false;
    x = x * 10 + (*p - '0');
    ++p;
  }
  if (p == b || (*b == '0' && (p - b > 1 || negative))) return false;
  if (p < e && (*p == '.' || *p == 'e' || *p == 'E')) return false;
  *v = negative ? -x : x;
  return true;
}

// Inside a just-opened object or list: true (p past `close`) when it is empty.
bool Empty(const char*& p, const char* e, char close) {
  Space(p, e);
  if (p < e && *p == close) {
    ++p;
    return true;
  }
  return false;
}

// After a member of an object or list: another follows (p at it), `close` ended the
// container (p past it), or neither (not the flat form).
enum class Next { kMore, kEnd, kBad };
Next AfterMember(const char*& p, const char* e, char close) {
  Space(p, e);
  if (p < e && *p == ',') {
    ++p;
    Space(p, e);
    return Next::kMore;
  }
  if (p < e && *p == close) {
    ++p;
    return Next::kEnd;
  }
  return Next::kBad;
}

bool Word(const char*& p, const char* e, std::string_view w) {
  if (static_cast<size_t>(e - p) < w.size() || std::string_view(p, w.size()) != w) return false;
  p += w.size();
  return true;
}

}  // namespace

Obj Val::Item(size_t i) const {
  if (flat) return Obj(flat, first + static_cast<uint32_t>(i));
  return Obj((*dom)[i]);
}

ES_MINSIZE std::string Val::Dump() const {
  if (dom) return dom->Dump();
  switch (kind) {
    case kInt: return std::to_string(i);
    case kStr: return "\"" + std::string(s) + "\"";  // plain ASCII: nothing to escape
    case kBool: return b ? "true" : "false";
    case kList: {
      // Through the tree, which writes an object's keys in order as the tree form does.
      std::string text;
      flat->AppendText(*this, &text);
      JsonValue list;
      list.Parse(text);
      return list.Dump();
    }
    default: return "null";
  }
}

Val Obj::Get(const char* name) const {
  Val v;
  if (flat_) {
    const Args::Object& o = flat_->objects_[object_];
    for (uint32_t f = o.begin; f < o.end; ++f) {
      if (flat_->fields_[f].key == name) return flat_->fields_[f].value;
    }
    return v;
  }
  const JsonValue* j = dom_->Find(name);
  if (!j) return v;
  v.dom = j;
  if (j->is_null()) v.kind = Val::kNull;
  else if (ReadInt(*j, &v.i)) v.kind = Val::kInt;
  else if (j->is_string()) v.kind = Val::kStr, v.s = j->str();
  else if (j->is_bool()) v.kind = Val::kBool, v.b = j->b();
  else if (j->is_array()) v.kind = Val::kList;
  else v.kind = Val::kOther;
  return v;
}

bool Args::Parse(std::string_view text) {
  built_.reset();
  text_ = text;
  flat_ = Flat(text);
  if (flat_) {
    if (!dom_.is_null()) dom_ = JsonValue();
    return true;
  }
  return dom_.Parse(text, &too_deep_);
}

Status Args::ParseError() const {
  if (too_deep_) {
    return Status::Error("INVALID_ARGUMENT", "the arguments nest arrays and objects deeper than " +
                                                 std::to_string(protocol::json::kMaxDepth) + " levels");
  }
  return Status::Error("INVALID_ARGUMENT", "the arguments are not valid JSON");
}

// The whole text as one flat object (lists of flat objects as values at the top level
// only); false: the tree form reads it.
bool Args::Flat(std::string_view text) {
  fields_.clear();
  objects_.clear();
  pending_.clear();
  const char* p = text.data();
  const char* e = p + text.size();
  objects_.push_back({0, 0});  // the top object; its fields are appended last
  uint32_t top;
  Space(p, e);
  if (!FlatObject(p, e, true, &top)) return false;
  Space(p, e);
  if (p != e) return false;
  objects_[0].begin = static_cast<uint32_t>(fields_.size());
  fields_.insert(fields_.end(), pending_.begin(), pending_.end());
  objects_[0].end = static_cast<uint32_t>(fields_.size());
  return true;
}

// One object at p. The top object collects its fields in pending_ (moved to fields_ at
// the end), so that each list item's fields, scanned in between, stay contiguous; list
// items are objects of scalars only.
bool Args::FlatObject(const char*& p, const char* e, bool top, uint32_t* index) {
  std::vector<Field>& into = top ? pending_ : fields_;
  const size_t begin = into.size();
  if (p >= e || *p != '{') return false;
  ++p;
  if (!Empty(p, e, '}')) {
    for (Next next = Next::kMore; next == Next::kMore;) {
      Field f;
      if (!PlainString(p, e, &f.key)) return false;
      for (size_t i = begin; i < into.size(); ++i) {
        if (into[i].key == f.key) return false;  // the tree keeps the last; let it
      }
      Space(p, e);
      if (p >= e || *p != ':') return false;
      ++p;
      Space(p, e);
      if (p >= e) return false;
      Val& v = f.value;
      const char c = *p;
      if (c == '"') {
        if (!PlainString(p, e, &v.s)) return false;
        v.kind = Val::kStr;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!PlainInt(p, e, &v.i)) return false;
        v.kind = Val::kInt;
      } else if (Word(p, e, "true")) {
        v.kind = Val::kBool, v.b = true;
      } else if (Word(p, e, "false")) {
        v.kind = Val::kBool, v.b = false;
      } else if (Word(p, e, "null")) {
        v.kind = Val::kNull;
      } else if (c == '[' && top) {
        ++p;
        v.kind = Val::kList;
        v.flat = this;
        v.first = static_cast<uint32_t>(objects_.size());
        if (!Empty(p, e, ']')) {
          for (Next item_next = Next::kMore; item_next == Next::kMore;) {
            uint32_t item;
            if (!FlatObject(p, e, false, &item)) return false;
            ++v.count;
            item_next = AfterMember(p, e, ']');
            if (item_next == Next::kBad) return false;
          }
        }
      } else {
        return false;
      }
      into.push_back(f);
      next = AfterMember(p, e, '}');
      if (next == Next::kBad) return false;
    }
  }
  if (!top) {
    *index = static_cast<uint32_t>(objects_.size());
    objects_.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(fields_.size())});
  }
  return true;
}

// A flat value as JSON text (plain ASCII strings: nothing to escape).
ES_MINSIZE void Args::AppendText(const Val& v, std::string* out) const {
  switch (v.kind) {
    case Val::kInt: *out += std::to_string(v.i); break;
    case Val::kStr: *out += '"', *out += v.s, *out += '"'; break;
    case Val::kBool: *out += v.b ? "true" : "false"; break;
    case Val::kList:
      *out += '[';
      for (uint32_t i = 0; i < v.count; ++i) {
        const Object& o = objects_[v.first + i];
        *out += i ? ",{" : "{";
        for (uint32_t f = o.begin; f < o.end; ++f) {
          *out += f == o.begin ? "\"" : ",\"";
          *out += fields_[f].key;
          *out += "\":";
          AppendText(fields_[f].value, out);
        }
        *out += '}';
      }
      *out += ']';
      break;
    default: *out += "null"; break;
  }
}

// The flat form's text is valid JSON of depth 2: the tree reads it on first use.
const JsonValue& Args::Json() const {
  if (!flat_) return dom_;
  if (!built_) {
    built_.emplace();
    built_->Parse(text_);
  }
  return *built_;
}

}  // namespace edgestay::args
