# workerd configuration of the edgestay edge worker (run it with scripts/edge).
# The listening address is set on the command line (--socket-addr http=127.0.0.1:PORT);
# the central server and tokens come from the environment of the workerd process.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edgeWorker),
    # The worker's fetch() reaches the central server on loopback or a private network.
    (name = "centre", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8788", http = (), service = "edge"),
  ],
);

const edgeWorker :Workerd.Worker = (
  modules = [
    (name = "web/edge/worker.mjs", esModule = embed "worker.mjs"),
    (name = "web/edge/edge.mjs", esModule = embed "edge.mjs"),
    (name = "bindings/js/index.mjs", esModule = embed "../../bindings/js/index.mjs"),
    (name = "bindings/js/loader.mjs", esModule = embed "../../bindings/js/loader.mjs"),
    (name = "bindings/js/errors.mjs", esModule = embed "../../bindings/js/errors.mjs"),
    (name = "bindings/js/compact.mjs", esModule = embed "../../bindings/js/compact.mjs"),
    (name = "bindings/js/rows.mjs", esModule = embed "../../bindings/js/rows.mjs"),
    (name = "bindings/js/args.mjs", esModule = embed "../../bindings/js/args.mjs"),
    (name = "bindings/js/stores.mjs", esModule = embed "../../bindings/js/stores.mjs"),
    (name = "bindings/js/dist/edgestay_core.mjs", esModule = embed "../../bindings/js/dist/edgestay_core.mjs"),
    (name = "bindings/js/dist/edgestay_core.wasm", wasm = embed "../../bindings/js/dist/edgestay_core.wasm"),
    (name = "sync/client/index.mjs", esModule = embed "../../sync/client/index.mjs"),
  ],
  compatibilityDate = "2025-01-01",
  globalOutbound = "centre",
  bindings = [
    (name = "EDGESTAY_SERVER_URL", fromEnvironment = "EDGESTAY_SERVER_URL"),
    (name = "EDGESTAY_READ_TOKEN", fromEnvironment = "EDGESTAY_READ_TOKEN"),
    (name = "EDGESTAY_BOOK_TOKEN", fromEnvironment = "EDGESTAY_BOOK_TOKEN"),
    (name = "EDGESTAY_HOTELS", fromEnvironment = "EDGESTAY_HOTELS"),
    (name = "EDGESTAY_SNAPSHOT_PUBLIC_KEY", fromEnvironment = "EDGESTAY_SNAPSHOT_PUBLIC_KEY"),
    (name = "EDGESTAY_REFRESH_MS", fromEnvironment = "EDGESTAY_REFRESH_MS"),
    (name = "EDGESTAY_MAX_STALE_MS", fromEnvironment = "EDGESTAY_MAX_STALE_MS"),
    (name = "EDGESTAY_SYNC_TIMEOUT_MS", fromEnvironment = "EDGESTAY_SYNC_TIMEOUT_MS"),
    (name = "EDGESTAY_CACHE_MAX_AGE", fromEnvironment = "EDGESTAY_CACHE_MAX_AGE"),
  ],
);
