// Async calls: a Schedule run on the pool threads (native/thread_pool.h) while JavaScript goes on, its
// promise settled on the calling environment's thread through a thread-safe function.
#ifndef SIGMAX_ASYNC_CALL_H
#define SIGMAX_ASYNC_CALL_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#include "schedule.h"

namespace sigmax {

/** The async calls of one environment (the main thread, or a worker_threads Worker). */
struct AsyncCalls;

/** Sets up async calls for this environment; nullptr, with a JavaScript exception pending, on failure. */
AsyncCalls* initAsyncCalls(napi_env env);

/**
 * Starts `work` as an async call on up to `threads` pool threads and returns a promise of undefined,
 * settled once the work is done or stopped: between chunks, once `abort[0]` is non-zero (abort may be
 * null) or the environment is being torn down. The objects among `keep` (the call's arrays) stay
 * referenced until then.
 */
napi_value startAsyncCall(napi_env env, AsyncCalls* calls, const KernelTable& table, const Work& work, size_t threads,
                          const int32_t* abort, const napi_value* keep, size_t keepCount);

}  // namespace sigmax

#endif
