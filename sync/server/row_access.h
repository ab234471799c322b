// Which rows of an audience class a principal replicates: everything, only its bound
// user's rows, or nothing. The one rule behind pulls (store.cc VisibilityFilter turns it
// into SQL over the change log), range checksums and snapshots.
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
