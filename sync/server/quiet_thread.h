// Starting a server thread that takes no signals.
//
// The server waits for its stop signals (SIGINT, SIGTERM) on a thread of its own
// (RunHttpServer, sigwait); every other thread must block them, or a signal sent to the
// process could end up on a thread that does not expect it. Threads started before
// RunHttpServer sets its mask (a store's checkpointer, the backup scheduler) do not
// inherit it, so they are started here with every signal blocked.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <thread>
#include <utility>

namespace edgestay::server {

template <class Fn>
std::thread StartQuietThread(Fn&& run) {
  sigset_t all, before;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &before);  // the new thread inherits this mask
  std::thread t(std::forward<Fn>(run));
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  return t;
}

}  // namespace edgestay::server
