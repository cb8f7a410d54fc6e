#include "async_call.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "thread_pool.h"

namespace sigmax {

/**
 * Per environment: the thread-safe function through which pool threads hand finished calls back to
 * this environment's thread, and the count of calls still on pool threads, which the environment's
 * teardown waits for (they write into its buffers). Never freed: a finished call may still be queued
 * for the thread-safe function after teardown.
 */
struct AsyncCalls {
  napi_threadsafe_function settle = nullptr;
  size_t pending = 0;  // calls not yet settled; touched on the environment's thread only
  std::mutex mutex;
  std::condition_variable drained;
  size_t running = 0;  // calls submitted to the pool and not yet finished there
  // The environment is being torn down: do not call `settle` any more, and take no more chunks. Written
  // under the mutex, also read without it between chunks.
  std::atomic<bool> closing{false};
};

namespace {

constexpr size_t kMaxKept = 8;

/** One async call: its schedule, its promise, and references keeping its arrays alive. */
struct AsyncCall {
  AsyncCall(const KernelTable& table, const Work& work, size_t threads) : schedule(table, work, threads) {}
  AsyncCalls* calls = nullptr;
  Schedule schedule;
  napi_deferred deferred = nullptr;
  napi_ref kept[kMaxKept] = {};
  size_t keptCount = 0;
  std::atomic<size_t> nextChunk{0};
  std::atomic<size_t> threadsRunning{0};
  const int32_t* abort = nullptr;  // the caller's flag: non-zero once its signal aborted
};

bool aborted(const AsyncCall* call) {
  if (call->abort == nullptr) return false;
#if defined(__GNUC__) || defined(__clang__)
  return __atomic_load_n(call->abort, __ATOMIC_RELAXED) != 0;  // written by JavaScript's Atomics.store
#else
  return *static_cast<const volatile int32_t*>(call->abort) != 0;
#endif
}

bool stopping(const AsyncCall* call) { return aborted(call) || call->calls->closing.load(std::memory_order_relaxed); }

/** Readies the current phase for its threads; returns how many to run. */
size_t startPhase(AsyncCall* call) {
  const size_t threads = call->schedule.threads();
  call->nextChunk.store(0, std::memory_order_relaxed);
  call->threadsRunning.store(threads, std::memory_order_relaxed);
  return threads;
}

/**
 * On a pool thread: takes chunks until none is left or the call is stopping. The last thread out of a
 * phase starts the next one, if any, and takes part in it; the last thread out of the last phase hands
 * the call back.
 */
void runChunks(void* arg) {
  AsyncCall* call = static_cast<AsyncCall*>(arg);
  Schedule& schedule = call->schedule;
  for (;;) {
    while (!stopping(call)) {
      const size_t chunk = call->nextChunk.fetch_add(1, std::memory_order_relaxed);
      if (chunk >= schedule.chunks()) break;
      schedule.runChunk(chunk);
    }
    if (call->threadsRunning.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (stopping(call) || !schedule.nextPhase()) break;
    const size_t threads = startPhase(call);
    for (size_t i = 1; i < threads; ++i) submitTask(runChunks, call);
  }
  // The last thread out: queue the call for its environment's thread.
  AsyncCalls* calls = call->calls;
  std::lock_guard<std::mutex> lock(calls->mutex);
  // After teardown the call is left as it is: its references died with the environment.
  if (!calls->closing) napi_call_threadsafe_function(calls->settle, call, napi_tsfn_nonblocking);
  if (--calls->running == 0) calls->drained.notify_all();
}

/** On the environment's thread (the thread-safe function's callback): settles the promise. */
void settleCall(napi_env env, napi_value, void*, void* data) {
  AsyncCall* call = static_cast<AsyncCall*>(data);
  if (env == nullptr) {  // the thread-safe function is being torn down with this call still queued
    delete call;
    return;
  }
  // Statuses ignored: in a Worker being terminated these calls fail, and there is no one left to tell.
  AsyncCalls* calls = call->calls;
  for (size_t i = 0; i < call->keptCount; ++i) napi_delete_reference(env, call->kept[i]);
  napi_value undefined = nullptr;
  napi_get_undefined(env, &undefined);
  if (undefined != nullptr) napi_resolve_deferred(env, call->deferred, undefined);
  delete call;
  if (--calls->pending == 0) napi_unref_threadsafe_function(env, calls->settle);
}

/** Environment teardown: waits until no pool thread runs one of its calls any more. */
void drainCalls(void* arg) {
  AsyncCalls* calls = static_cast<AsyncCalls*>(arg);
  std::unique_lock<std::mutex> lock(calls->mutex);
  calls->closing = true;
  calls->drained.wait(lock, [calls] { return calls->running == 0; });
}

}  // namespace

AsyncCalls* initAsyncCalls(napi_env env) {
  AsyncCalls* calls = new AsyncCalls();
  napi_value name;
  napi_create_string_utf8(env, "sigmax", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, nullptr, settleCall,
                                      &calls->settle) != napi_ok) {
    napi_throw_error(env, nullptr, "sigmax native: cannot create its thread-safe function");
    delete calls;
    return nullptr;
  }
  napi_unref_threadsafe_function(env, calls->settle);
  // Registered after the thread-safe function, so it runs before that one is torn down (hooks run in reverse).
  napi_add_env_cleanup_hook(env, drainCalls, calls);
  return calls;
}

napi_value startAsyncCall(napi_env env, AsyncCalls* calls, const KernelTable& table, const Work& work, size_t threads,
                          const int32_t* abort, const napi_value* keep, size_t keepCount) {
  AsyncCall* call = new AsyncCall(table, work, threads);
  call->calls = calls;
  call->abort = abort;
  napi_value promise = nullptr;
  if (napi_create_promise(env, &call->deferred, &promise) != napi_ok) {
    delete call;
    napi_throw_error(env, nullptr, "sigmax native: cannot create a promise");
    return nullptr;
  }
  for (size_t i = 0; i < keepCount && call->keptCount < kMaxKept; ++i) {
    napi_valuetype type;
    if (napi_typeof(env, keep[i], &type) == napi_ok && type == napi_object) {
      napi_create_reference(env, keep[i], 1, &call->kept[call->keptCount++]);
    }
  }
  if (calls->pending++ == 0) napi_ref_threadsafe_function(env, calls->settle);  // keep the loop alive meanwhile
  {
    std::lock_guard<std::mutex> lock(calls->mutex);
    ++calls->running;
  }
  const size_t poolThreads = startPhase(call);
  for (size_t i = 0; i < poolThreads; ++i) submitTask(runChunks, call);
  return promise;
}

}  // namespace sigmax
