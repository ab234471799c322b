# Test config: the edge worker of web/edge/workerd.capnp plus a "cron" socket whose worker
# fires the edge's scheduled() handler through a service binding (standalone workerd has
# no cron of its own). Run with --experimental (Fetcher.scheduled is an experimental API).
using Workerd = import "/workerd/workerd.capnp";
using Edge = import "../../../web/edge/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = Edge.edgeWorker),
    (name = "centre", network = (allow = ["public", "private", "local"])),
    (name = "cron", worker = .cronWorker),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8788", http = (), service = "edge"),
    (name = "cron", address = "127.0.0.1:8789", http = (), service = "cron"),
  ],
);

const cronWorker :Workerd.Worker = (
  modules = [(name = "cron.mjs", esModule = embed "cron.mjs")],
  compatibilityDate = "2025-01-01",
  compatibilityFlags = ["service_binding_extra_handlers"],
  bindings = [(name = "EDGE", service = "edge")],
);
