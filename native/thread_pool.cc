#include "thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#endif
#ifdef _WIN32
#include <windows.h>
#else
#include <dlfcn.h>
#include <pthread.h>
#endif

namespace sigmax {
namespace {

// Long enough to bridge the gap between back-to-back calls (a few µs of JavaScript) and between the
// parts of one split call; short enough that an idle process stops using CPU almost at once.
constexpr auto kSpin = std::chrono::microseconds(200);

void cpuRelax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

struct Pool {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::pair<TaskFunction, void*>> queue;
  std::atomic<size_t> queued{0};  // queue.size(), readable without the lock while spinning
  size_t threads = 0, busy = 0, sleeping = 0;
  size_t maxThreads = 1;
};

// Never destroyed: detached workers may still be parked on it while the process exits.
Pool& pool() {
  static Pool* p = [] {
    Pool* created = new Pool();
    const unsigned hardware = std::thread::hardware_concurrency();
    created->maxThreads = hardware > 0 ? hardware : 1;
    return created;
  }();
  return *p;
}

void workerLoop(Pool* p) {
  for (;;) {
    const auto spinUntil = std::chrono::steady_clock::now() + kSpin;
    while (p->queued.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < spinUntil) {
      for (int i = 0; i < 16; ++i) cpuRelax();
      std::this_thread::yield();  // a thread that needs this core (the caller's, say) gets it
    }
    std::unique_lock<std::mutex> lock(p->mutex);
    while (p->queue.empty()) {
      ++p->sleeping;
      p->wake.wait(lock);
      --p->sleeping;
    }
    const auto task = p->queue.front();
    p->queue.pop_front();
    p->queued.store(p->queue.size(), std::memory_order_release);
    ++p->busy;
    lock.unlock();
    task.first(task.second);
    lock.lock();
    --p->busy;
  }
}

/**
 * Keeps this library loaded for the life of the process: the workers run its code, and Node unloads an
 * addon when the last environment using it (a worker_threads Worker, say) is torn down.
 */
void pinThisLibrary() {
#ifdef _WIN32
  HMODULE self;
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     reinterpret_cast<LPCWSTR>(&pinThisLibrary), &self);
#else
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&pinThisLibrary), &info) != 0 && info.dli_fname != nullptr) {
    dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);
  }
#endif
}

/** Starts a detached worker; false when the system refuses a thread (built without C++ exceptions). */
bool startWorker(Pool* p) {
  if (p->threads == 0) pinThisLibrary();
#ifdef _WIN32
  std::thread(workerLoop, p).detach();
  return true;
#else
  pthread_t thread;
  if (pthread_create(&thread, nullptr, [](void* arg) -> void* { workerLoop(static_cast<Pool*>(arg)); return nullptr; }, p) != 0) {
    return false;
  }
  pthread_detach(thread);
  return true;
#endif
}

}  // namespace

void submitTask(TaskFunction fn, void* arg) {
  Pool& p = pool();
  std::unique_lock<std::mutex> lock(p.mutex);
  if (p.queue.size() + 1 > p.threads - p.busy && p.threads < p.maxThreads) {
    if (startWorker(&p)) {
      ++p.threads;
    } else if (p.threads == 0) {  // no thread at all: better late on this thread than never
      lock.unlock();
      fn(arg);
      return;
    }
  }
  p.queue.emplace_back(fn, arg);
  p.queued.store(p.queue.size(), std::memory_order_release);
  if (p.sleeping > 0) p.wake.notify_one();
}

}  // namespace sigmax
