// The Node-API binding: adapts JavaScript typed arrays to the kernel table chosen at load.
// Argument validation with user-facing messages lives in TypeScript (lib/validate.ts); this layer
// re-checks only what memory safety needs (array types and lengths), cheaply, and never copies data.
//
// Every operation exists twice: `name(...)` runs on the calling thread, `nameAsync(..., threads, abort)`
// on pool threads (native/thread_pool.h) and returns a Promise, holding references to its arrays until
// it settles. An async call cuts its work (elements, or whole rows) into chunks that up to `threads`
// pool threads take in turn, and stops taking them once the Int32Array `abort` holds a non-zero value.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dispatch.h"
#include "kernels.h"
#include "thread_pool.h"

namespace {

using sigmax::KernelTable;
using sigmax::TypedKernels;

/**
 * Per environment (the main thread, or a worker_threads Worker): the thread-safe function through
 * which pool threads hand finished calls back to this environment's thread, and the count of calls
 * still on pool threads, which the environment's teardown waits for (they write into its buffers).
 * Never freed: a finished call may still be queued for the thread-safe function after teardown.
 */
struct EnvState {
  napi_threadsafe_function settle = nullptr;
  size_t pending = 0;  // calls not yet settled; touched on the environment's thread only
  std::mutex mutex;
  std::condition_variable drained;
  size_t running = 0;   // calls submitted to the pool and not yet finished there
  // The environment is being torn down: do not call `settle` any more, and take no more chunks. Written
  // under the mutex, also read without it between chunks.
  std::atomic<bool> closing{false};
};

struct Instance {
  const KernelTable* table = nullptr;
  EnvState* state = nullptr;
};

struct FloatView {
  napi_typedarray_type type = napi_float32_array;
  size_t length = 0;
  void* data = nullptr;  // null for an argument passed as null (optional output)
};

/**
 * What an operation does once its arguments are checked: `run(from, to)` does units [from, to) of its
 * work (elements or rows, each `unitElements` elements) and returns its number result, if any.
 */
struct Job {
  std::function<double(size_t from, size_t to)> run;
  size_t units = 1;  // 1 for the calls that return a number: they are not split
  size_t unitElements = 1;
  size_t argCount = 0;  // the async call's own arguments (threads, abort) follow these
  bool returnsNumber = false;
  // A job of several phases (one long row: a reduction, then a pass that uses its result): called with
  // the results of the finished phase's chunks, in order; sets up the next phase (`run`, `units`,
  // `unitElements`) and returns true, or returns false when the job is done.
  std::function<bool(Job* job, const std::vector<double>& results)> next;
};

/** The arguments of a call: `arrays` float typed arrays of one element type, then `numbers` numbers. */
struct Args {
  FloatView array[3];
  double number[3] = {0, 0, 0};
  size_t count = 0;  // arguments read
};

bool fail(Napi::Env env, bool range, const std::string& what) {
  const std::string message = "sigmax native: " + what;
  if (range) {
    Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  } else {
    Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  }
  return false;
}

/** Reads the arguments; the last array may be null when `lastMayBeNull`. */
bool readArgs(const Napi::CallbackInfo& info, size_t arrays, size_t numbers, bool lastMayBeNull, Args* args) {
  napi_env env = info.Env();
  for (size_t i = 0; i < arrays; ++i) {
    FloatView& v = args->array[i];
    if (lastMayBeNull && i + 1 == arrays && info[i].IsNull()) {
      v.type = args->array[0].type;
      continue;
    }
    if (napi_get_typedarray_info(env, info[i], &v.type, &v.length, &v.data, nullptr, nullptr) != napi_ok ||
        (v.type != napi_float32_array && v.type != napi_float64_array) || v.type != args->array[0].type) {
      return fail(info.Env(), false, "argument " + std::to_string(i) + " must be a Float32Array or Float64Array like argument 0");
    }
  }
  for (size_t i = 0; i < numbers; ++i) {
    if (napi_get_value_double(env, info[arrays + i], &args->number[i]) != napi_ok) {
      return fail(info.Env(), false, "argument " + std::to_string(arrays + i) + " must be a number");
    }
  }
  args->count = arrays + numbers;
  return true;
}

bool isCount(double v) { return v >= 1 && v <= 9007199254740992.0 && v == static_cast<double>(static_cast<size_t>(v)); }

template <typename T>
const TypedKernels<T>& typed(const KernelTable* table);
template <>
const TypedKernels<float>& typed<float>(const KernelTable* table) { return table->f32; }
template <>
const TypedKernels<double>& typed<double>(const KernelTable* table) { return table->f64; }

template <typename T>
T* ptr(const FloatView& v) { return static_cast<T*>(v.data); }

/**
 * Builds a Job of `units` units from `make(kernels, zero)` for the element type of the arrays; `make` is
 * a generic lambda returning the callable to run on units [from, to) (void or a number).
 */
template <typename Make>
void typedJob(const KernelTable* table, const Args& a, size_t units, size_t unitElements, Job* job, Make make) {
  job->units = units;
  job->unitElements = unitElements > 0 ? unitElements : 1;
  job->argCount = a.count;
  if (a.array[0].type == napi_float32_array) {
    auto run = make(typed<float>(table), float{});
    job->run = [run](size_t from, size_t to) { return static_cast<double>(run(from, to)); };
  } else {
    auto run = make(typed<double>(table), double{});
    job->run = [run](size_t from, size_t to) { return static_cast<double>(run(from, to)); };
  }
}

/** Wraps a void call on units [from, to) so that it "returns" 0 for typedJob. */
#define SIGMAX_VOID(call) [=](size_t from, size_t to) { call; return 0.0; }
/** A call that returns a number and is not split. */
#define SIGMAX_NUMBER(call) [=](size_t, size_t) { return call; }

// ---- Operations: check the arguments, build the Job ----

using Prepare = bool (*)(const Napi::CallbackInfo&, const KernelTable*, Job*);

// sigmoid(x, out), sigmoidDerivative(x, out)
template <bool kDerivative>
bool prepareSigmoid(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, 2, 0, false, &a)) return false;
  if (a.array[1].length != a.array[0].length) return fail(info.Env(), true, "out must have the length of x");
  typedJob(table, a, a.array[0].length, 1, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = kDerivative ? k.sigmoid_derivative : k.sigmoid;
    const T* x = ptr<T>(a.array[0]);
    T* y = ptr<T>(a.array[1]);
    return SIGMAX_VOID(if (to > from) kernel(x + from, y + from, to - from));
  });
  return true;
}

// sigmoidBackward(y, dy, out)
bool prepareSigmoidBackward(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, 3, 0, false, &a)) return false;
  const size_t n = a.array[0].length;
  if (a.array[1].length != n || a.array[2].length != n) return fail(info.Env(), true, "y, dy and out must have one length");
  typedJob(table, a, n, 1, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = k.sigmoid_backward;
    const T *y = ptr<T>(a.array[0]), *dy = ptr<T>(a.array[1]);
    T* dx = ptr<T>(a.array[2]);
    return SIGMAX_VOID(if (to > from) kernel(y + from, dy + from, dx + from, to - from));
  });
  return true;
}

/** rows × cols = length of x, cols given as argument `index`. */
bool shapeOf(const Napi::CallbackInfo& info, const FloatView& x, double cols, size_t* rows) {
  if (!isCount(cols) || x.length % static_cast<size_t>(cols) != 0) {
    return fail(info.Env(), true, "cols must be a positive integer dividing the input length");
  }
  *rows = x.length / static_cast<size_t>(cols);
  return true;
}

bool isTemperature(double t) { return t > 0 && t - t == 0; }

// softmax(x, out, cols, temperature), logSoftmax(...)
template <bool kLog>
bool prepareSoftmax(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  size_t rows = 0;
  if (!readArgs(info, 2, 2, false, &a) || !shapeOf(info, a.array[0], a.number[0], &rows)) return false;
  if (a.array[1].length != a.array[0].length) return fail(info.Env(), true, "out must have the length of x");
  if (!isTemperature(a.number[1])) return fail(info.Env(), true, "temperature must be finite and > 0");
  const size_t cols = static_cast<size_t>(a.number[0]);
  typedJob(table, a, rows, cols, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = kLog ? k.log_softmax : k.softmax;
    const T* x = ptr<T>(a.array[0]);
    T* y = ptr<T>(a.array[1]);
    const T t = static_cast<T>(a.number[1]);
    return SIGMAX_VOID(if (to > from) kernel(x + from * cols, y + from * cols, to - from, cols, t));
  });
  return true;
}

// logSumExp(x, out, cols): out has one element per row
bool prepareLogSumExp(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  size_t rows = 0;
  if (!readArgs(info, 2, 1, false, &a) || !shapeOf(info, a.array[0], a.number[0], &rows)) return false;
  if (a.array[1].length != rows) return fail(info.Env(), true, "out must have one element per row");
  const size_t cols = static_cast<size_t>(a.number[0]);
  typedJob(table, a, rows, cols, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = k.logsumexp;
    const T* x = ptr<T>(a.array[0]);
    T* out = ptr<T>(a.array[1]);
    return SIGMAX_VOID(if (to > from) kernel(x + from * cols, out + from, to - from, cols));
  });
  return true;
}

// softmaxBackward(y, dy, out, cols), logSoftmaxBackward(...)
template <bool kLog>
bool prepareBackward(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  size_t rows = 0;
  if (!readArgs(info, 3, 1, false, &a) || !shapeOf(info, a.array[0], a.number[0], &rows)) return false;
  const size_t n = a.array[0].length;
  if (a.array[1].length != n || a.array[2].length != n) return fail(info.Env(), true, "y, dy and out must have one length");
  const size_t cols = static_cast<size_t>(a.number[0]);
  typedJob(table, a, rows, cols, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = kLog ? k.log_softmax_backward : k.softmax_backward;
    const T *y = ptr<T>(a.array[0]), *dy = ptr<T>(a.array[1]);
    T* dx = ptr<T>(a.array[2]);
    return SIGMAX_VOID(if (to > from) kernel(y + from * cols, dy + from * cols, dx + from * cols, to - from, cols));
  });
  return true;
}

// softmaxJacobian(y, out, firstRow): rows [firstRow, firstRow + out.length / k) of the k×k Jacobian
bool prepareJacobian(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, 2, 1, false, &a)) return false;
  const size_t k = a.array[0].length;
  const double first = a.number[0];
  const size_t rows = k == 0 ? 0 : a.array[1].length / k;
  if (k == 0 || a.array[1].length % k != 0 || !(first >= 0) || first != static_cast<double>(static_cast<size_t>(first)) ||
      static_cast<size_t>(first) + rows > k) {
    return fail(info.Env(), true, "out must hold whole Jacobian rows within y.length");
  }
  typedJob(table, a, rows, k, job, [&](const auto& kt, auto zero) {
    using T = decltype(zero);
    const auto kernel = kt.softmax_jacobian_rows;
    const T* y = ptr<T>(a.array[0]);
    T* out = ptr<T>(a.array[1]);
    const size_t firstRow = static_cast<size_t>(first);
    return SIGMAX_VOID(if (to > from) kernel(y, k, firstRow + from, to - from, out + from * k));
  });
  return true;
}

// ---- Pieces of one long row ----

// rowMax(x) → number
bool prepareRowMax(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, 1, 0, false, &a)) return false;
  if (a.array[0].length == 0) return fail(info.Env(), true, "x must not be empty");
  typedJob(table, a, 1, a.array[0].length, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = k.row_max;
    const T* x = ptr<T>(a.array[0]);
    const size_t n = a.array[0].length;
    return SIGMAX_NUMBER(kernel(x, n));
  });
  job->returnsNumber = true;
  return true;
}

// expSum(x, y | null, m, temperature) → number
bool prepareExpSum(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, 2, 2, true, &a)) return false;
  if (a.array[1].data != nullptr && a.array[1].length != a.array[0].length) return fail(info.Env(), true, "y must have the length of x");
  if (!isTemperature(a.number[1])) return fail(info.Env(), true, "temperature must be finite and > 0");
  typedJob(table, a, 1, a.array[0].length, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = k.exp_sum;
    const T* x = ptr<T>(a.array[0]);
    T* y = ptr<T>(a.array[1]);
    const size_t n = a.array[0].length;
    const T m = static_cast<T>(a.number[0]), t = static_cast<T>(a.number[1]);
    return SIGMAX_NUMBER(kernel(x, y, n, m, t));
  });
  job->returnsNumber = true;
  return true;
}

// scale(y, s)
bool prepareScale(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, 1, 1, false, &a)) return false;
  typedJob(table, a, a.array[0].length, 1, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = k.scale;
    T* y = ptr<T>(a.array[0]);
    const T s = static_cast<T>(a.number[0]);
    return SIGMAX_VOID(if (to > from) kernel(y + from, to - from, s));
  });
  return true;
}

// logSoftmaxFinish(x, y, m, temperature, logSum)
bool prepareLogSoftmaxFinish(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, 2, 3, false, &a)) return false;
  if (a.array[1].length != a.array[0].length) return fail(info.Env(), true, "y must have the length of x");
  if (!isTemperature(a.number[1])) return fail(info.Env(), true, "temperature must be finite and > 0");
  typedJob(table, a, a.array[0].length, 1, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = k.log_softmax_finish;
    const T* x = ptr<T>(a.array[0]);
    T* y = ptr<T>(a.array[1]);
    const T m = static_cast<T>(a.number[0]), t = static_cast<T>(a.number[1]), logSum = static_cast<T>(a.number[2]);
    return SIGMAX_VOID(if (to > from) kernel(x + from, y + from, to - from, m, t, logSum));
  });
  return true;
}

// dot(a, b) → number, sum(a) → number
template <bool kDot>
bool prepareSum(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, kDot ? 2 : 1, 0, false, &a)) return false;
  if (kDot && a.array[1].length != a.array[0].length) return fail(info.Env(), true, "a and b must have one length");
  typedJob(table, a, 1, a.array[0].length, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto dot = k.dot;
    const auto sum = k.sum;
    const T *x = ptr<T>(a.array[0]), *y = ptr<T>(a.array[1]);
    const size_t n = a.array[0].length;
    return SIGMAX_NUMBER(kDot ? dot(x, y, n) : sum(x, n));
  });
  job->returnsNumber = true;
  return true;
}

// softmaxBackwardFinish(y, dy, dx, dot), logSoftmaxBackwardFinish(y, dy, dx, total)
template <bool kLog>
bool prepareBackwardFinish(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  Args a;
  if (!readArgs(info, 3, 1, false, &a)) return false;
  const size_t n = a.array[0].length;
  if (a.array[1].length != n || a.array[2].length != n) return fail(info.Env(), true, "y, dy and dx must have one length");
  typedJob(table, a, n, 1, job, [&](const auto& k, auto zero) {
    using T = decltype(zero);
    const auto kernel = kLog ? k.log_softmax_backward_finish : k.softmax_backward_finish;
    const T *y = ptr<T>(a.array[0]), *dy = ptr<T>(a.array[1]);
    T* dx = ptr<T>(a.array[2]);
    const T c = static_cast<T>(a.number[0]);
    return SIGMAX_VOID(if (to > from) kernel(y + from, dy + from, dx + from, to - from, c));
  });
  return true;
}

// ---- One long row, in phases: a parallel reduction, then a parallel pass that uses its result ----
// The same protocol as lib/async.ts's for the pure-TS backend: for softmax, logSoftmax and logSumExp the
// row's max m (the whole-row kernel takes a row whose max is not finite: NaN, ±∞), then Σ e^((x−m)/t)
// in chunks, then the scale (softmax), x − m − t·log Σ (logSoftmax) or m + log Σ (logSumExp); for the
// backward passes Σ y·dy (softmax) or Σ dy (logSoftmax), then dx.

enum class RowOp { kSoftmax, kLogSoftmax, kLogSumExp, kSoftmaxBackward, kLogSoftmaxBackward };

/** Σ of the chunks' sums, in order, with Neumaier's compensation (as lib/js/kernels.ts's Sum). */
double compensatedSum(const std::vector<double>& values) {
  double s = 0, c = 0;
  for (const double v : values) {
    const double t = s + v;
    c += std::fabs(s) >= std::fabs(v) ? (s - t) + v : (v - t) + s;
    s = t;
  }
  return s + c;
}

/** The max of the chunks' maxima; NaN if one is NaN. */
double maxOf(const std::vector<double>& values) {
  double m = -std::numeric_limits<double>::infinity();
  for (const double v : values) {
    if (v != v) return v;
    if (v > m) m = v;
  }
  return m;
}

/**
 * Sets up the phases of `op` on one row of n elements: a = x (forward) or y (backward), b = dy
 * (backward only), out = y (forward), the one-element result (logSumExp) or dx (backward).
 */
template <typename T>
void rowPhases(const TypedKernels<T>& k, RowOp op, const T* a, const T* b, T* out, size_t n, T t, Job* job) {
  job->units = n;
  job->unitElements = 1;
  if (op == RowOp::kSoftmaxBackward || op == RowOp::kLogSoftmaxBackward) {
    const bool log = op == RowOp::kLogSoftmaxBackward;
    job->run = [=](size_t from, size_t to) { return log ? k.sum(b + from, to - from) : k.dot(a + from, b + from, to - from); };
    bool reduced = false;
    job->next = [=](Job* j, const std::vector<double>& sums) mutable {
      if (reduced) return false;
      reduced = true;
      const T c = static_cast<T>(compensatedSum(sums));
      const auto finish = log ? k.log_softmax_backward_finish : k.softmax_backward_finish;
      j->run = [=](size_t from, size_t to) { finish(a + from, b + from, out + from, to - from, c); return 0.0; };
      return true;
    };
    return;
  }
  job->run = [=](size_t from, size_t to) { return static_cast<double>(k.row_max(a + from, to - from)); };
  int phase = 0;  // 0: the max is running; 1: the sums; 2: the last pass
  double m = 0;
  job->next = [=](Job* j, const std::vector<double>& results) mutable {
    if (phase == 0) {
      m = maxOf(results);
      if (!(m - m == 0)) {  // NaN or ±∞: the whole-row kernel applies the special-value rules
        phase = 2;
        j->units = 1;
        j->unitElements = n;
        if (op == RowOp::kLogSumExp) j->run = [=](size_t, size_t) { k.logsumexp(a, out, 1, n); return 0.0; };
        else if (op == RowOp::kSoftmax) j->run = [=](size_t, size_t) { k.softmax(a, out, 1, n, t); return 0.0; };
        else j->run = [=](size_t, size_t) { k.log_softmax(a, out, 1, n, t); return 0.0; };
        return true;
      }
      phase = 1;
      T* terms = op == RowOp::kSoftmax ? out : nullptr;
      const T mt = static_cast<T>(m);
      j->run = [=](size_t from, size_t to) { return k.exp_sum(a + from, terms ? terms + from : nullptr, to - from, mt, t); };
      return true;
    }
    if (phase == 2) return false;
    phase = 2;
    const double sum = compensatedSum(results);
    if (op == RowOp::kLogSumExp) {
      *out = static_cast<T>(m + std::log(sum));
      return false;
    }
    if (op == RowOp::kSoftmax) {
      const T s = static_cast<T>(1 / sum);
      j->run = [=](size_t from, size_t to) { k.scale(out + from, to - from, s); return 0.0; };
    } else {
      const T mt = static_cast<T>(m), logSum = static_cast<T>(std::log(sum));
      j->run = [=](size_t from, size_t to) { k.log_softmax_finish(a + from, out + from, to - from, mt, t, logSum); return 0.0; };
    }
    return true;
  };
}

// softmaxRow(x, y, t), logSoftmaxRow(x, y, t), logSumExpRow(x, out) (out: one element),
// softmaxBackwardRow(y, dy, dx), logSoftmaxBackwardRow(y, dy, dx): one row, async only
template <RowOp kOp>
bool prepareRow(const Napi::CallbackInfo& info, const KernelTable* table, Job* job) {
  const bool backward = kOp == RowOp::kSoftmaxBackward || kOp == RowOp::kLogSoftmaxBackward;
  const bool withT = kOp == RowOp::kSoftmax || kOp == RowOp::kLogSoftmax;
  Args a;
  if (!readArgs(info, backward ? 3 : 2, withT ? 1 : 0, false, &a)) return false;
  const size_t n = a.array[0].length;
  if (n == 0) return fail(info.Env(), true, "the row must not be empty");
  const size_t outLength = kOp == RowOp::kLogSumExp ? 1 : n;
  if (a.array[backward ? 2 : 1].length != outLength || (backward && a.array[1].length != n)) {
    return fail(info.Env(), true, "the arrays do not fit the row");
  }
  if (withT && !isTemperature(a.number[0])) return fail(info.Env(), true, "temperature must be finite and > 0");
  job->argCount = a.count;
  const double t = withT ? a.number[0] : 1;
  if (a.array[0].type == napi_float32_array) {
    rowPhases<float>(table->f32, kOp, ptr<float>(a.array[0]), backward ? ptr<float>(a.array[1]) : nullptr,
                     ptr<float>(a.array[backward ? 2 : 1]), n, static_cast<float>(t), job);
  } else {
    rowPhases<double>(table->f64, kOp, ptr<double>(a.array[0]), backward ? ptr<double>(a.array[1]) : nullptr,
                      ptr<double>(a.array[backward ? 2 : 1]), n, t, job);
  }
  return true;
}

// ---- Sync and async entry points ----

const KernelTable* tableOf(Napi::Env env) {
  const Instance* instance = env.GetInstanceData<Instance>();
  if (instance == nullptr || instance->table == nullptr) {
    Napi::Error::New(env, "sigmax native: select() must be called first").ThrowAsJavaScriptException();
    return nullptr;
  }
  return instance->table;
}

template <Prepare P>
Napi::Value Sync(const Napi::CallbackInfo& info) {
  const KernelTable* table = tableOf(info.Env());
  Job job;
  if (table == nullptr || !P(info, table, &job)) return info.Env().Undefined();
  const double result = job.run(0, job.units);
  return job.returnsNumber ? Napi::Number::New(info.Env(), result) : info.Env().Undefined();
}

/**
 * A chunk of an async call: about 2^15–2^20 elements, whole rows. Split calls take at least 8 chunks
 * per thread, so that a thread the host slows down (a shared VM) holds up the others by one small chunk
 * at most; 2^20 elements (about a millisecond) bound how long an abort or the teardown of the
 * environment waits.
 */
constexpr size_t kMinChunkElements = size_t{1} << 15;
constexpr size_t kMaxChunkElements = size_t{1} << 20;
constexpr size_t kChunksPerThread = 8;

/** One async call: its job, how it is cut, its promise and references keeping its arrays alive. */
struct AsyncCall {
  EnvState* state = nullptr;
  Job job;
  napi_deferred deferred = nullptr;
  std::vector<Napi::ObjectReference> refs;
  size_t threads = 1;  // at most
  size_t chunkUnits = 1, chunks = 1;
  std::vector<double> results;  // per chunk of the current phase
  std::atomic<size_t> nextChunk{0};
  std::atomic<size_t> threadsRunning{1};
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

/** Cuts the call (its current phase) into chunks; returns how many threads to start. */
size_t planChunks(AsyncCall* call) {
  const Job& job = call->job;
  const size_t threads = call->threads;
  const size_t elements = job.units * job.unitElements;
  const size_t chunkElements =
      std::min(std::max(elements / (threads * kChunksPerThread), kMinChunkElements), kMaxChunkElements);
  size_t units = std::max<size_t>(1, chunkElements / job.unitElements);
  if (job.unitElements == 1 && units < job.units) units = (units + 63) / 64 * 64;  // whole cache lines
  call->chunkUnits = std::min(units, job.units);
  call->chunks = job.units == 0 ? 1 : (job.units + call->chunkUnits - 1) / call->chunkUnits;
  call->results.assign(call->chunks, 0.0);
  call->nextChunk.store(0, std::memory_order_relaxed);
  const size_t running = std::max<size_t>(1, std::min(threads, call->chunks));
  call->threadsRunning.store(running, std::memory_order_relaxed);
  return running;
}

bool stopping(const AsyncCall* call) { return aborted(call) || call->state->closing.load(std::memory_order_relaxed); }

/**
 * On a pool thread: takes chunks until none is left or the call is stopping. The last thread out of a
 * phase starts the next one, if any, and takes part in it; the last thread out of the last phase
 * settles the call.
 */
void runChunks(void* arg) {
  AsyncCall* call = static_cast<AsyncCall*>(arg);
  for (;;) {
    while (!stopping(call)) {
      const size_t chunk = call->nextChunk.fetch_add(1, std::memory_order_relaxed);
      if (chunk >= call->chunks) break;
      const size_t from = chunk * call->chunkUnits;
      call->results[chunk] = call->job.run(from, std::min(call->job.units, from + call->chunkUnits));
    }
    if (call->threadsRunning.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (!call->job.next || stopping(call) || !call->job.next(&call->job, call->results)) break;
    const size_t threads = planChunks(call);
    for (size_t i = 1; i < threads; ++i) sigmax::submitTask(runChunks, call);
  }
  // The last thread out: queue the call for its environment's thread.
  EnvState* state = call->state;
  std::lock_guard<std::mutex> lock(state->mutex);
  // After teardown the call is left as it is: its references died with the environment.
  if (!state->closing) napi_call_threadsafe_function(state->settle, call, napi_tsfn_nonblocking);
  if (--state->running == 0) state->drained.notify_all();
}

/** On the environment's thread (the thread-safe function's callback): settles the promise. */
void settleCall(napi_env env, napi_value, void*, void* data) {
  AsyncCall* call = static_cast<AsyncCall*>(data);
  if (env == nullptr) {  // the thread-safe function is being torn down with this call still queued
    for (auto& ref : call->refs) ref.SuppressDestruct();
    delete call;
    return;
  }
  // Raw calls whose status is ignored: in a Worker being terminated they fail, and there is no one
  // left to tell (node-addon-api's wrappers would turn that failure into a fatal error).
  EnvState* state = call->state;
  napi_value value = nullptr;
  if (call->job.returnsNumber) napi_create_double(env, call->results[0], &value);
  else napi_get_undefined(env, &value);
  if (value != nullptr) napi_resolve_deferred(env, call->deferred, value);
  delete call;
  if (--state->pending == 0) napi_unref_threadsafe_function(env, state->settle);
}

/** Environment teardown: waits until no pool thread runs one of its calls any more. */
void drainCalls(void* arg) {
  EnvState* state = static_cast<EnvState*>(arg);
  std::unique_lock<std::mutex> lock(state->mutex);
  state->closing = true;
  state->drained.wait(lock, [state] { return state->running == 0; });
}

/**
 * The async call's own arguments after the operation's: `threads` (a positive integer, default 1) and
 * `abort` (an Int32Array whose first element the caller sets to stop the work, or null/undefined).
 */
bool readAsyncArgs(const Napi::CallbackInfo& info, size_t first, size_t* threads, const int32_t** abort) {
  napi_env env = info.Env();
  *threads = 1;
  *abort = nullptr;
  if (info.Length() > first && !info[first].IsUndefined()) {
    double t = 0;
    if (napi_get_value_double(env, info[first], &t) != napi_ok || !isCount(t)) {
      return fail(info.Env(), true, "threads must be a positive integer");
    }
    *threads = static_cast<size_t>(std::min(t, 4096.0));
  }
  if (info.Length() > first + 1 && !info[first + 1].IsUndefined() && !info[first + 1].IsNull()) {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, info[first + 1], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_int32_array || length < 1) {
      return fail(info.Env(), false, "abort must be an Int32Array");
    }
    *abort = static_cast<const int32_t*>(data);
  }
  return true;
}

template <Prepare P>
Napi::Value Async(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelTable* table = tableOf(env);
  Job job;
  if (table == nullptr || !P(info, table, &job)) return env.Undefined();  // the pending exception is thrown
  size_t threads = 1;
  const int32_t* abort = nullptr;
  if (!readAsyncArgs(info, job.argCount, &threads, &abort)) return env.Undefined();
  EnvState* state = env.GetInstanceData<Instance>()->state;
  AsyncCall* call = new AsyncCall();
  call->state = state;
  call->job = std::move(job);
  call->abort = abort;
  call->threads = threads;
  const size_t poolThreads = planChunks(call);
  napi_value promise;
  if (napi_create_promise(env, &call->deferred, &promise) != napi_ok) {
    delete call;
    Napi::Error::New(env, "sigmax native: cannot create a promise").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  for (size_t i = 0; i < info.Length(); ++i) {
    if (info[i].IsObject()) call->refs.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
  }
  if (state->pending++ == 0) napi_ref_threadsafe_function(env, state->settle);  // keep the loop alive meanwhile
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    ++state->running;
  }
  for (size_t i = 0; i < poolThreads; ++i) sigmax::submitTask(runChunks, call);
  return Napi::Value(env, promise);
}

// select(cap): picks the best available ISA, or `cap` itself when given ('' = no cap).
// Returns { isa, isas }; throws when the cap is unknown or not available on this CPU/build.
Napi::Value Select(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string cap = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  sigmax::configureKernels();
  const sigmax::IsaList list = sigmax::availableIsas();
  std::string names;
  Napi::Array isas = Napi::Array::New(env, list.count);
  for (size_t i = 0; i < list.count; ++i) {
    isas.Set(static_cast<uint32_t>(i), list.tables[i]->isa);
    names += (i == 0 ? "" : ", ") + std::string(list.tables[i]->isa);
  }
  const KernelTable* table = list.tables[0];
  if (!cap.empty()) {
    if (!sigmax::isKnownIsa(cap.c_str())) {
      Napi::Error::New(env, "SIGMAX_ISA='" + cap + "' is not an ISA name (avx512, avx2, sse2, neon, scalar)")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    table = sigmax::findIsa(list, cap.c_str());
    if (table == nullptr) {
      Napi::Error::New(env, "SIGMAX_ISA='" + cap + "' is not available on this CPU and build (available: " + names + ")")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  env.GetInstanceData<Instance>()->table = table;
  Napi::Object result = Napi::Object::New(env);
  result.Set("isa", table->isa);
  result.Set("isas", isas);
  return result;
}

template <Prepare P>
void exportAsync(Napi::Env env, Napi::Object exports, const std::string& name) {
  exports.Set(name, Napi::Function::New(env, Async<P>, name));
}

template <Prepare P>
void exportOp(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New(env, Sync<P>, name));
  exportAsync<P>(env, exports, std::string(name) + "Async");
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Instance* instance = new Instance();
  instance->state = new EnvState();
  env.SetInstanceData(instance);
  napi_value name = Napi::String::New(env, "sigmax");
  if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, nullptr, settleCall,
                                      &instance->state->settle) != napi_ok) {
    Napi::Error::New(env, "sigmax native: cannot create its thread-safe function").ThrowAsJavaScriptException();
    return exports;
  }
  napi_unref_threadsafe_function(env, instance->state->settle);
  // Registered after the thread-safe function, so it runs before that one is torn down (hooks run in reverse).
  napi_add_env_cleanup_hook(env, drainCalls, instance->state);
  exports.Set("select", Napi::Function::New(env, Select, "select"));
  exportOp<prepareSigmoid<false>>(env, exports, "sigmoid");
  exportOp<prepareSigmoid<true>>(env, exports, "sigmoidDerivative");
  exportOp<prepareSigmoidBackward>(env, exports, "sigmoidBackward");
  exportOp<prepareSoftmax<false>>(env, exports, "softmax");
  exportOp<prepareSoftmax<true>>(env, exports, "logSoftmax");
  exportOp<prepareLogSumExp>(env, exports, "logSumExp");
  exportOp<prepareBackward<false>>(env, exports, "softmaxBackward");
  exportOp<prepareBackward<true>>(env, exports, "logSoftmaxBackward");
  exportOp<prepareJacobian>(env, exports, "softmaxJacobian");
  exportOp<prepareRowMax>(env, exports, "rowMax");
  exportOp<prepareExpSum>(env, exports, "expSum");
  exportOp<prepareScale>(env, exports, "scale");
  exportOp<prepareLogSoftmaxFinish>(env, exports, "logSoftmaxFinish");
  exportOp<prepareSum<true>>(env, exports, "dot");
  exportOp<prepareSum<false>>(env, exports, "sum");
  exportOp<prepareBackwardFinish<false>>(env, exports, "softmaxBackwardFinish");
  exportOp<prepareBackwardFinish<true>>(env, exports, "logSoftmaxBackwardFinish");
  exportAsync<prepareRow<RowOp::kSoftmax>>(env, exports, "softmaxRowAsync");
  exportAsync<prepareRow<RowOp::kLogSoftmax>>(env, exports, "logSoftmaxRowAsync");
  exportAsync<prepareRow<RowOp::kLogSumExp>>(env, exports, "logSumExpRowAsync");
  exportAsync<prepareRow<RowOp::kSoftmaxBackward>>(env, exports, "softmaxBackwardRowAsync");
  exportAsync<prepareRow<RowOp::kLogSoftmaxBackward>>(env, exports, "logSoftmaxBackwardRowAsync");
  return exports;
}

}  // namespace

NODE_API_MODULE(sigmax, Init)
