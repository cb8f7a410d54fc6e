// The worker threads behind the async calls: a small process-wide pool, used instead of libuv's.
// An idle worker spins for a short while before it sleeps, so that a call arriving soon after the
// previous one (a server's stream of small batches, the parts of one split call) starts at once
// instead of paying a sleeping thread's wake-up: on a VM that is tens to hundreds of microseconds.
// (pthreadpool, which XNNPACK runs on, spins before sleeping for the same reason.)
#ifndef SIGMAX_THREAD_POOL_H
#define SIGMAX_THREAD_POOL_H

namespace sigmax {

using TaskFunction = void (*)(void* arg);

/** Runs fn(arg) on a pool thread. The pool grows up to the number of hardware threads. */
void submitTask(TaskFunction fn, void* arg);

}  // namespace sigmax

#endif
