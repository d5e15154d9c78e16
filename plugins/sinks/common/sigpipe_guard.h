// Keeps a write to a socket the peer has closed from killing the process.
//
// Some client libraries (hiredis among them) write to their socket with
// write(2), which raises SIGPIPE when the server has gone away; its default
// action ends the whole host. A plugin must not change the process's signal
// dispositions, so, as libpq does, block SIGPIPE on this thread for the
// duration of the I/O and swallow one that arrived meanwhile. The write then
// fails with EPIPE, which the library reports as an I/O error.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <time.h>

namespace sluice_plugins {

class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
    sigset_t pending;
    sigpending(&pending);
    wasPending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    if (!wasPending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        timespec zero{};
        sigtimedwait(&pipe, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_;
  bool wasPending_ = false;
};

}  // namespace sluice_plugins
