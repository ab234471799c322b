// The node's allotment leases (sync/FORMAT.md §9): the leases the centre granted this node,
// set by its sync client from the centre's lease answers, and the units its local bookings
// took from them. createBooking asks FindLease whether a stay fits one (lease_rule.h);
// such a booking is CONFIRMED locally at once, even offline.
#include "args.h"
#include "lease_rule.h"
#include "local_txn.h"

namespace edgestay {
namespace {

using json = protocol::json::JsonValue;
using namespace args;  // NOLINT: the parsing vocabulary

constexpr int64_t kDefaultSkewSeconds = 60;
constexpr const char* kSkewKey = "lease_skew_seconds";

Status SkewMs(Engine::Impl& im, int64_t* ms) {
  Stmt* st;
  ES_RETURN_IF_ERROR(im.Prepared("SELECT value FROM sync_state WHERE key = ?", &st));
  StmtScope s(*st);
  s->BindText(1, kSkewKey);
  *ms = kDefaultSkewSeconds * 1000;
  if (s->Step() == SQLITE_ROW) *ms = std::stoll(std::string(s->Text(0))) * 1000;
  return Status::Ok();
}

// The hotel's leases (of one room type, or all with room_type_id 0) and their uses; with a
// stay, only the uses that overlap it (the others cannot change whether it fits).
Status LoadLeases(Engine::Impl& im, int64_t hotel_id, int64_t room_type_id, std::vector<LocalLease>* leases,
                  std::vector<LeaseUse>* uses, Day check_in = 0, Day check_out = 0) {
  Stmt* st;
  ES_RETURN_IF_ERROR(im.PreparedOnce(Engine::Impl::kHotelLeasesStmt,
      "SELECT id, room_type_id, start_date, end_date, rooms, expires_at FROM leases"
      " WHERE hotel_id = ? AND (? = 0 OR room_type_id = ?)", &st));
  {
    StmtScope s(*st);
    s->BindInt(1, hotel_id);
    s->BindInt(2, room_type_id);
    s->BindInt(3, room_type_id);
    while (s->Step() == SQLITE_ROW) {
      LocalLease l;
      l.id = s->Int(0);
      l.room_type_id = s->Int(1);
      if (!ParseDate(s->Text(2), &l.from) || !ParseDate(s->Text(3), &l.to)) continue;
      l.rooms = s->Int(4);
      l.expires_at = s->Int(5);
      leases->push_back(l);
    }
  }
  if (leases->empty()) return Status::Ok();  // the common case: a node without leases
  ES_RETURN_IF_ERROR(im.Prepared(
      "SELECT lease_id, start_date, end_date, rooms FROM lease_uses WHERE lease_id IN"
      " (SELECT id FROM leases WHERE hotel_id = ? AND (? = 0 OR room_type_id = ?))"
      " AND start_date < ? AND end_date > ?", &st));
  StmtScope s(*st);
  s->BindInt(1, hotel_id);
  s->BindInt(2, room_type_id);
  s->BindInt(3, room_type_id);
  const bool all = check_out <= check_in;  // dates sort as text; these bound every date
  s->BindText(4, all ? std::string("9999-12-31") : FormatDate(check_out));
  s->BindText(5, all ? std::string("0000-01-01") : FormatDate(check_in));
  while (s->Step() == SQLITE_ROW) {
    LeaseUse u;
    u.lease_id = s->Int(0);
    if (!ParseDate(s->Text(1), &u.from) || !ParseDate(s->Text(2), &u.to)) continue;
    u.rooms = s->Int(3);
    uses->push_back(u);
  }
  return Status::Ok();
}

}  // namespace

Status FindLease(Engine::Impl& im, int64_t hotel_id, int64_t room_type_id, Day check_in, Day check_out,
                 int64_t rooms, int64_t* lease_id) {
  *lease_id = 0;
  if (im.no_leases.count({hotel_id, room_type_id})) return Status::Ok();
  std::vector<LocalLease> leases;
  std::vector<LeaseUse> uses;
  ES_RETURN_IF_ERROR(LoadLeases(im, hotel_id, room_type_id, &leases, &uses, check_in, check_out));
  if (leases.empty()) {
    im.no_leases.insert({hotel_id, room_type_id});
    return Status::Ok();
  }
  int64_t skew = 0;
  ES_RETURN_IF_ERROR(SkewMs(im, &skew));
  *lease_id = FittingLease(leases, uses, room_type_id, check_in, check_out, rooms, im.now_ms, skew);
  return Status::Ok();
}

Status RecordLeaseUse(Engine::Impl& im, int64_t lease_id, int64_t booking_id, Day check_in, Day check_out,
                      int64_t rooms) {
  Stmt* st;
  ES_RETURN_IF_ERROR(im.Prepared(
      "INSERT INTO lease_uses (booking_id, lease_id, start_date, end_date, rooms) VALUES (?, ?, ?, ?, ?)", &st));
  StmtScope s(*st);
  s->BindInt(1, booking_id);
  s->BindInt(2, lease_id);
  s->BindText(3, FormatDate(check_in));
  s->BindText(4, FormatDate(check_out));
  s->BindInt(5, rooms);
  return Step(im.db, *s, "record lease use");
}

// setLeases({ hotelId, leases: [centre lease objects], skewSeconds? }): the node's
// leases of that hotel become exactly the ACTIVE ones given (one transaction).
ES_MINSIZE Status SetLeases(Engine::Impl& im, const json& args, std::string* out) {
  int64_t hotel_id = 0, skew = 0;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  ES_RETURN_IF_ERROR(ReadCount(args, "skewSeconds", -1, 0, 86400, &skew));
  const json* list = Field(args, "leases");
  if (!list || !list->is_array()) return BadArg("leases", "must be an array of leases");
  std::vector<LocalLease> leases;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& l = (*list)[i];
    const std::string at = "leases[" + std::to_string(i) + "]";
    if (!l.is_object()) return BadArg(at, "must be an object");
    const json* status = Field(l, "status");
    if (status && (!status->is_string() || status->str() != "ACTIVE")) continue;  // ended: not usable
    LocalLease x;
    int64_t hotel = 0;
    ES_RETURN_IF_ERROR(ReadId(l, "id", &x.id));
    ES_RETURN_IF_ERROR(ReadId(l, "roomTypeId", &x.room_type_id));
    ES_RETURN_IF_ERROR(ReadCount(l, "hotelId", hotel_id, 1, protocol::kMaxId, &hotel));
    if (hotel != hotel_id) return BadArg(at + ".hotelId", "must be " + std::to_string(hotel_id));
    ES_RETURN_IF_ERROR(ReadRange(l, "from", "to", 100000, &x.from, &x.to));
    ES_RETURN_IF_ERROR(ReadCount(l, "rooms", 0, 0, 100000, &x.rooms));
    const json* exp = Field(l, "expiresAt");
    if (!exp || !ReadInt(*exp, &x.expires_at) || x.expires_at < 0) return BadArg(at + ".expiresAt", "must be ms");
    leases.push_back(x);
  }
  im.no_leases.clear();
  Txn txn(im);
  if (!txn.started()) return SqliteError(im.db, "set leases");
  Stmt* st;
  ES_RETURN_IF_ERROR(im.Prepared("DELETE FROM leases WHERE hotel_id = ?", &st));
  {
    StmtScope d(*st);
    d->BindInt(1, hotel_id);
    ES_RETURN_IF_ERROR(Step(im.db, *d, "clear leases"));
  }
  ES_RETURN_IF_ERROR(im.Prepared("INSERT INTO leases (id, hotel_id, room_type_id, start_date, end_date, rooms, expires_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)", &st));
  for (const LocalLease& l : leases) {
    StmtScope ins(*st);
    ins->BindInt(1, l.id);
    ins->BindInt(2, hotel_id);
    ins->BindInt(3, l.room_type_id);
    ins->BindText(4, FormatDate(l.from));
    ins->BindText(5, FormatDate(l.to));
    ins->BindInt(6, l.rooms);
    ins->BindInt(7, l.expires_at);
    ES_RETURN_IF_ERROR(Step(im.db, *ins, "store lease"));
  }
  if (skew >= 0) {
    ES_RETURN_IF_ERROR(im.Prepared("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", &st));
    StmtScope kv(*st);
    kv->BindText(1, kSkewKey);
    kv->BindText(2, std::to_string(skew));
    ES_RETURN_IF_ERROR(Step(im.db, *kv, "store lease skew"));
  }
  ES_RETURN_IF_ERROR(txn.Commit());
  JsonWriter w(out);
  w.BeginObject().Key("leases").Int(static_cast<int64_t>(leases.size())).EndObject();
  return Status::Ok();
}

// leases({ hotelId }): the node's leases with the units its own bookings left on each
// night, and until when each is usable locally (expiresAt − skew).
ES_MINSIZE Status Leases(Engine::Impl& im, const json& args, std::string* out) {
  int64_t hotel_id = 0;
  ES_RETURN_IF_ERROR(ReadId(args, "hotelId", &hotel_id));
  std::vector<LocalLease> leases;
  std::vector<LeaseUse> uses;
  ES_RETURN_IF_ERROR(LoadLeases(im, hotel_id, 0, &leases, &uses));
  int64_t skew = 0;
  ES_RETURN_IF_ERROR(SkewMs(im, &skew));
  JsonWriter w(out);
  w.BeginArray();
  for (const LocalLease& l : leases) {
    w.BeginObject().Key("id").Int(l.id).Key("hotelId").Int(hotel_id).Key("roomTypeId").Int(l.room_type_id);
    w.Key("from").String(FormatDate(l.from)).Key("to").String(FormatDate(l.to)).Key("rooms").Int(l.rooms);
    w.Key("expiresAt").Int(l.expires_at).Key("usableUntil").Int(l.expires_at - skew);
    w.Key("usable").Bool(im.now_ms < l.expires_at - skew).Key("nights").BeginArray();
    for (Day d = l.from; d < l.to; ++d) {
      int64_t left = l.rooms;
      for (const LeaseUse& u : uses) {
        if (u.lease_id == l.id && u.from <= d && d < u.to) left -= u.rooms;
      }
      w.BeginObject().Key("date").String(FormatDate(d)).Key("unitsLeft").Int(std::max<int64_t>(0, left)).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  return Status::Ok();
}

}  // namespace edgestay
