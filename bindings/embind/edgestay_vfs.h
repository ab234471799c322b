// The "edgestay-store" SQLite VFS: database files whose bytes live in a JS page store
// (bindings/js/stores.mjs). The engine opens "store-<id>" on it; <id> names the store JS
// registered in Module.edgestayStores.
#pragma once

namespace edgestay_bindings {

// Registers the VFS once (idempotent) and returns its name.
const char* StoreVfsName();

}  // namespace edgestay_bindings
