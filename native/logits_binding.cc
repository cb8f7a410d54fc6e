// The binding of the logits toolkit (native/logits_body.inc): argmax, topK, crossEntropy and sample,
// each as `name(...)` on the calling thread and `nameAsync(..., threads, abort)` returning a Promise.
// The messages users see come from lib/validate.ts; this layer re-checks what memory safety needs
// (array types, lengths, cols, k, the targets' range) and never copies data.
//   argmax(x, out: Int32Array, cols)
//   topK(x, indices: Int32Array, values, cols, k, temperature, kind)   kind: 0 probs, 1 logprobs, 2 logits
//   crossEntropy(x, target: Int32Array | Uint32Array, out, cols, temperature, ignoreIndex)   NaN: none
//   sample(x, u: Float64Array, out: Int32Array, cols, temperature, topK, topP, minP)   topK 0: off
// An async call runs on one thread of libuv's pool, in blocks of whole rows, and stops between blocks
// once abort[0] is non-zero; `threads` is accepted and not used (rows are not split across threads).
#include "logits_binding.h"

#include <string>
#include <vector>

namespace sigmax {
namespace {

struct View {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
};

/** One call's checked arguments. */
struct LogitsCall {
  enum Kind { kArgmax, kTopK, kCrossEntropy, kSample } kind = kArgmax;
  View x, a, b;  // a, b: the other arrays, in argument order
  size_t rows = 0, cols = 1, k = 1, topK = 0;
  double t = 1, topP = 1, minP = 0, ignore = 0;
  int valuesKind = 0;
  bool hasIgnore = false;

  /** Rows [from, to) on `table`. */
  template <class T>
  void runAs(const LogitsKernels<T>& lk, size_t from, size_t to) const {
    const T* xs = static_cast<const T*>(x.data) + from * cols;
    const size_t n = to - from;
    switch (kind) {
      case kArgmax: lk.argmax(xs, static_cast<int32_t*>(a.data) + from, n, cols); break;
      case kTopK:
        lk.top_k(xs, static_cast<int32_t*>(a.data) + from * k, static_cast<T*>(b.data) + from * k, n, cols, k, t, valuesKind);
        break;
      case kCrossEntropy:
        lk.cross_entropy(xs, static_cast<const int32_t*>(a.data) + from, a.type == napi_uint32_array, hasIgnore,
                         static_cast<long long>(ignore), static_cast<T*>(b.data) + from, n, cols, t);
        break;
      case kSample: {
        static thread_local std::vector<unsigned char> scratch;
        const size_t bytes = (cols + kSampleSlack) * (2 * sizeof(T) + sizeof(int32_t));
        if (scratch.size() < bytes) scratch.resize(bytes);
        lk.sample(xs, static_cast<const double*>(a.data) + from, static_cast<int32_t*>(b.data) + from, n, cols, t,
                  topK, topP, minP, scratch.data());
        break;
      }
    }
  }
  void run(const KernelTable& table, size_t from, size_t to) const {
    if (to <= from) return;
    if (x.type == napi_float64_array) runAs<double>(table.logits64, from, to);
    else runAs<float>(table.logits32, from, to);
  }
};

bool fail(Napi::Env env, bool range, const std::string& what) {
  const std::string message = "sigmax native: " + what;
  if (range) Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  else Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return false;
}

bool typedArray(const Napi::CallbackInfo& info, size_t i, View* v) {
  if (napi_get_typedarray_info(info.Env(), info[i], &v->type, &v->length, &v->data, nullptr, nullptr) != napi_ok) {
    return fail(info.Env(), false, "argument " + std::to_string(i) + " must be a typed array");
  }
  return true;
}

bool number(const Napi::CallbackInfo& info, size_t i, double* v) {
  if (!info[i].IsNumber()) return fail(info.Env(), false, "argument " + std::to_string(i) + " must be a number");
  *v = info[i].As<Napi::Number>().DoubleValue();
  return true;
}

bool isCount(double v) { return v >= 1 && v <= 9007199254740992.0 && v == static_cast<double>(static_cast<size_t>(v)); }

/** Reads and checks the arguments of `kind`; the index of the first argument after them in *next. */
bool readCall(const Napi::CallbackInfo& info, LogitsCall::Kind kind, LogitsCall* c, size_t* next) {
  Napi::Env env = info.Env();
  c->kind = kind;
  double cols = 0;
  if (!typedArray(info, 0, &c->x) || !typedArray(info, 1, &c->a)) return false;
  if (c->x.type != napi_float32_array && c->x.type != napi_float64_array) return fail(env, false, "x must be a Float32Array or Float64Array");
  const size_t colsAt = kind == LogitsCall::kArgmax ? 2 : 3;
  if (kind != LogitsCall::kArgmax && !typedArray(info, 2, &c->b)) return false;
  if (!number(info, colsAt, &cols) || !isCount(cols) || c->x.length % static_cast<size_t>(cols) != 0) {
    return fail(env, true, "cols must be a positive integer dividing the input length");
  }
  c->cols = static_cast<size_t>(cols);
  c->rows = c->x.length / c->cols;
  *next = colsAt + 1;
  auto temperature = [&](size_t i) {
    if (!number(info, i, &c->t)) return false;
    return c->t > 0 && c->t - c->t == 0 ? true : fail(env, true, "temperature must be finite and > 0");
  };
  switch (kind) {
    case LogitsCall::kArgmax:
      if (c->a.type != napi_int32_array || c->a.length != c->rows) return fail(env, true, "out must be an Int32Array of one per row");
      return true;
    case LogitsCall::kTopK: {
      double k = 0, kindValue = 0;
      if (!number(info, 4, &k) || !temperature(5) || !number(info, 6, &kindValue)) return false;
      if (!isCount(k) || k > cols) return fail(env, true, "k must be an integer in [1, cols]");
      c->k = static_cast<size_t>(k);
      c->valuesKind = kindValue == 1 ? 1 : kindValue == 2 ? 2 : 0;
      if (c->a.type != napi_int32_array || c->a.length != c->rows * c->k || c->b.type != c->x.type || c->b.length != c->rows * c->k) {
        return fail(env, true, "indices and values must hold k per row");
      }
      *next = 7;
      return true;
    }
    case LogitsCall::kCrossEntropy: {
      if (!temperature(4) || !number(info, 5, &c->ignore)) return false;
      if ((c->a.type != napi_int32_array && c->a.type != napi_uint32_array) || c->a.length != c->rows || c->b.type != c->x.type ||
          c->b.length != c->rows) {
        return fail(env, true, "target and out must hold one per row");
      }
      // An ignore index outside any target's range matches none: as none.
      c->hasIgnore = c->ignore >= -2147483648.0 && c->ignore <= 4294967295.0 && c->ignore == static_cast<double>(static_cast<long long>(c->ignore));
      // The kernel reads x at every target: count the rows out of range (a loop the compiler vectorises),
      // and find the first only if there is one.
      const bool isUnsigned = c->a.type == napi_uint32_array;
      const uint32_t* target = static_cast<const uint32_t*>(c->a.data);
      const uint32_t limit = static_cast<uint32_t>(c->cols < 0xffffffffu ? c->cols : 0xffffffffu);
      const uint32_t ignored = c->hasIgnore ? static_cast<uint32_t>(static_cast<long long>(c->ignore)) : 0;
      const bool ignoreFits = c->hasIgnore && (isUnsigned ? c->ignore >= 0 : c->ignore < 2147483648.0);
      size_t bad = 0;
      for (size_t r = 0; r < c->rows; ++r) {
        // an int32 target below 0 reads as 2^31 or more: out of range like one ≥ cols
        bad += static_cast<size_t>(target[r] >= limit && !(ignoreFits && target[r] == ignored));
      }
      for (size_t r = 0; bad > 0 && r < c->rows; ++r) {
        if (target[r] >= limit && !(ignoreFits && target[r] == ignored)) return fail(env, true, "target[" + std::to_string(r) + "] is out of range");
      }
      *next = 6;
      return true;
    }
    case LogitsCall::kSample: {
      double topK = 0;
      if (!temperature(4) || !number(info, 5, &topK) || !number(info, 6, &c->topP) || !number(info, 7, &c->minP)) return false;
      if (!(topK >= 0 && topK < cols) || topK != static_cast<double>(static_cast<size_t>(topK))) return fail(env, true, "topK must be an integer in [0, cols)");
      c->topK = static_cast<size_t>(topK);
      if (c->a.type != napi_float64_array || c->a.length != c->rows || c->b.type != napi_int32_array || c->b.length != c->rows) {
        return fail(env, true, "u and out must hold one per row");
      }
      *next = 8;
      return true;
    }
  }
  return false;
}

/** The async call: blocks of rows on a libuv pool thread, the arrays referenced until it settles. */
class LogitsWorker : public Napi::AsyncWorker {
 public:
  LogitsWorker(Napi::Env env, const KernelTable& table, const LogitsCall& call, const int32_t* abort)
      : Napi::AsyncWorker(env), table_(table), call_(call), abort_(abort), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() const { return deferred_.Promise(); }
  void keep(Napi::Value v) {
    if (v.IsObject()) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }
  void Execute() override {
    const size_t perBlock = call_.cols >= (size_t{1} << 16) ? 1 : (size_t{1} << 16) / call_.cols;
    for (size_t from = 0; from < call_.rows; from += perBlock) {
      if (abort_ != nullptr && __atomic_load_n(abort_, __ATOMIC_RELAXED) != 0) return;
      call_.run(table_, from, from + perBlock < call_.rows ? from + perBlock : call_.rows);
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  const KernelTable& table_;
  LogitsCall call_;
  const int32_t* abort_;
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::ObjectReference> refs_;
};

template <LogitsCall::Kind kKind>
Napi::Value callSync(const Napi::CallbackInfo& info) {
  const KernelTable* table = *static_cast<const KernelTable* const*>(info.Data());
  if (table == nullptr) {
    Napi::Error::New(info.Env(), "sigmax native: select() must be called first").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  LogitsCall c;
  size_t next = 0;
  if (readCall(info, kKind, &c, &next)) c.run(*table, 0, c.rows);
  return info.Env().Undefined();
}

template <LogitsCall::Kind kKind>
Napi::Value callAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelTable* table = *static_cast<const KernelTable* const*>(info.Data());
  if (table == nullptr) {
    Napi::Error::New(env, "sigmax native: select() must be called first").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  LogitsCall c;
  size_t next = 0;
  if (!readCall(info, kKind, &c, &next)) return env.Undefined();
  const int32_t* abort = nullptr;
  if (info.Length() > next + 1 && info[next + 1].IsTypedArray()) {
    View v;
    if (!typedArray(info, next + 1, &v) || v.type != napi_int32_array || v.length < 1) {
      fail(env, false, "abort must be an Int32Array");
      return env.Undefined();
    }
    abort = static_cast<const int32_t*>(v.data);
  }
  LogitsWorker* worker = new LogitsWorker(env, *table, c, abort);
  for (size_t i = 0; i < info.Length(); ++i) worker->keep(info[i]);
  const Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

template <LogitsCall::Kind kKind>
void exportPair(Napi::Env env, Napi::Object exports, const KernelTable* const* table, const char* name) {
  void* data = const_cast<KernelTable**>(table);
  exports.Set(name, Napi::Function::New(env, callSync<kKind>, name, data));
  const std::string asyncName = std::string(name) + "Async";
  exports.Set(asyncName, Napi::Function::New(env, callAsync<kKind>, asyncName, data));
}

}  // namespace

void exportLogits(Napi::Env env, Napi::Object exports, const KernelTable* const* table) {
  exportPair<LogitsCall::kArgmax>(env, exports, table, "argmax");
  exportPair<LogitsCall::kTopK>(env, exports, table, "topK");
  exportPair<LogitsCall::kCrossEntropy>(env, exports, table, "crossEntropy");
  exportPair<LogitsCall::kSample>(env, exports, table, "sample");
}

}  // namespace sigmax
