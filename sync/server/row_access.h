// Which rows of a visibility class a principal replicates, as one rule for the table reads
// of checksums and snapshots (the change-log pull applies the same rule in SQL, store.cc
// VisibilityFilter): everything, only its bound user's rows, or nothing.
#pragma once

#include "protocol_names.h"
#include "store.h"

namespace edgestay::server {

enum class RowAccess { kNone, kUser, kAll };

inline RowAccess AccessTo(const Principal& p, protocol::Audience vis) {
  using protocol::Audience;
  if (p.scope == Scope::kAdmin || vis == Audience::kPublic) return RowAccess::kAll;
  if (vis == Audience::kAdmin) return RowAccess::kNone;
  if (vis == Audience::kPayment && p.scope == Scope::kRead) return RowAccess::kNone;
  if (p.user_id) return RowAccess::kUser;
  return p.scope == Scope::kBook ? RowAccess::kAll : RowAccess::kNone;
}

}  // namespace edgestay::server
