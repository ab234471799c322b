// The fast reader of stay arguments (stay_args.h).
#include "stay_args.h"

#include "edgestay/date.h"
#include "edgestay/protocol/tables.h"

namespace edgestay::stay_args {
namespace {

struct Scan {
  const char* p;
  const char* e;

  void Space() {
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) ++p;
  }
  bool Lit(char c) {
    Space();
    if (p < e && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  // A string without escapes or control characters.
  bool Str(std::string_view* s) {
    Space();
    if (p >= e || *p != '"') return false;
    const char* b = ++p;
    while (p < e && *p != '"') {
      if (*p == '\\' || static_cast<unsigned char>(*p) < 0x20) return false;
      ++p;
    }
    if (p >= e) return false;
    *s = std::string_view(b, static_cast<size_t>(p - b));
    ++p;
    return true;
  }
  // A plain non-negative integer of at most 15 digits (no sign, fraction, exponent or
  // leading zero: those take the general path).
  bool Uint(int64_t* v) {
    Space();
    const char* b = p;
    int64_t x = 0;
    while (p < e && *p >= '0' && *p <= '9') {
      if (p - b == 15) return false;
      x = x * 10 + (*p - '0');
      ++p;
    }
    if (p == b || (*b == '0' && p - b > 1)) return false;
    if (p < e && (*p == '.' || *p == 'e' || *p == 'E')) return false;
    *v = x;
    return true;
  }
  bool Date(Day* d) {
    std::string_view s;
    return Str(&s) && ParseDate(s, d);
  }
  bool Word(std::string_view w) {
    Space();
    if (static_cast<size_t>(e - p) < w.size() || std::string_view(p, w.size()) != w) return false;
    p += w.size();
    return true;
  }
};

bool StayObject(Scan& s, StayQuery* q) {
  if (!s.Lit('{')) return false;
  bool rt = false, ci = false, co = false, rooms = false;
  q->rooms = 1;
  do {
    std::string_view key;
    if (!s.Str(&key) || !s.Lit(':')) return false;
    if (key == "roomTypeId") {
      if (rt || !s.Uint(&q->room_type_id)) return false;
      rt = true;
    } else if (key == "checkIn") {
      if (ci || !s.Date(&q->check_in)) return false;
      ci = true;
    } else if (key == "checkOut") {
      if (co || !s.Date(&q->check_out)) return false;
      co = true;
    } else if (key == "rooms") {
      if (rooms || !s.Uint(&q->rooms)) return false;
      rooms = true;
    } else {
      return false;
    }
  } while (s.Lit(','));
  if (!s.Lit('}') || !rt || !ci || !co) return false;
  // The bounds of args::ReadStay (ReadId, ReadRange, ReadCount).
  return q->room_type_id >= 1 && q->room_type_id <= protocol::kMaxId && q->check_out > q->check_in &&
         q->check_out - q->check_in <= kMaxDays && q->rooms >= 1 && q->rooms <= kMaxRooms;
}

bool AtEnd(Scan& s) {
  s.Space();
  return s.p == s.e;
}

}  // namespace

bool Stay(std::string_view text, StayQuery* q) {
  Scan s{text.data(), text.data() + text.size()};
  return StayObject(s, q) && AtEnd(s);
}

bool StayList(std::string_view text, bool* nightly, std::vector<StayQuery>* qs) {
  Scan s{text.data(), text.data() + text.size()};
  bool has_nightly = false, has_queries = false;
  *nightly = true;
  if (!s.Lit('{')) return false;
  do {
    std::string_view key;
    if (!s.Str(&key) || !s.Lit(':')) return false;
    if (key == "nightly") {
      if (has_nightly) return false;
      has_nightly = true;
      if (s.Word("true")) *nightly = true;
      else if (s.Word("false")) *nightly = false;
      else return false;
    } else if (key == "queries") {
      if (has_queries || !s.Lit('[')) return false;
      has_queries = true;
      if (!s.Lit(']')) {
        do {
          if (qs->size() == 1000) return false;  // the general path words the limit
          qs->emplace_back();
          if (!StayObject(s, &qs->back())) return false;
        } while (s.Lit(','));
        if (!s.Lit(']')) return false;
      }
    } else {
      return false;
    }
  } while (s.Lit(','));
  return s.Lit('}') && has_queries && AtEnd(s);
}

}  // namespace edgestay::stay_args
