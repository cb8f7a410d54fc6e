// The binding of the logits toolkit (native/logits_body.inc): argmax, topK, crossEntropy and sample,
// each as `name(...)` on the calling thread and `nameAsync(..., threads, abort)` returning a Promise,
// run by the same Schedule and async calls as the other functions (native/schedule.h, async_call.h).
// The messages users see come from lib/validate.ts; this layer re-checks what memory safety needs
// (array types, lengths, cols, k, the targets' range) and never copies data.
//   argmax(x, out: Int32Array, cols)
//   topK(x, indices: Int32Array, values, cols, k, temperature, kind)   kind: 0 probs, 1 logprobs, 2 logits
//   crossEntropy(x, target: Int32Array | Uint32Array, out, cols, temperature, ignoreIndex)   NaN: none
//   sample(x, u: Float64Array, out: Int32Array, cols, temperature, topK, topP, minP)   topK 0: off
#include "logits_binding.h"

#include <string>

namespace sigmax {
namespace {

struct View {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
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

/**
 * crossEntropy's targets: every one in [0, cols) or equal to the ignore index, since the kernel reads x
 * at each. Counts the rows out of range in a loop the compiler vectorises, and finds the first only if
 * there is one.
 */
bool checkTargets(Napi::Env env, const View& target, size_t cols, const LogitsArgs& a) {
  const uint32_t* t = static_cast<const uint32_t*>(target.data);
  const uint32_t limit = static_cast<uint32_t>(cols < 0xffffffffu ? cols : 0xffffffffu);
  // an int32 target below 0 reads as 2^31 or more: out of range like one ≥ cols
  const bool ignoreFits = a.hasIgnore && (a.unsignedTarget ? a.ignore >= 0 : a.ignore < 2147483648LL);
  const uint32_t ignored = static_cast<uint32_t>(a.ignore);
  size_t bad = 0;
  for (size_t r = 0; r < target.length; ++r) bad += static_cast<size_t>(t[r] >= limit && !(ignoreFits && t[r] == ignored));
  for (size_t r = 0; bad > 0 && r < target.length; ++r) {
    if (t[r] >= limit && !(ignoreFits && t[r] == ignored)) return fail(env, true, "target[" + std::to_string(r) + "] is out of range");
  }
  return true;
}

/** Reads and checks the arguments of `op` into *w; the index of the first argument after them in *next. */
bool readCall(const Napi::CallbackInfo& info, Op op, Work* w, size_t* next) {
  Napi::Env env = info.Env();
  View x, a, b;
  double cols = 0;
  if (!typedArray(info, 0, &x) || !typedArray(info, 1, &a)) return false;
  if (x.type != napi_float32_array && x.type != napi_float64_array) return fail(env, false, "x must be a Float32Array or Float64Array");
  const size_t colsAt = op == Op::kArgmax ? 2 : 3;
  if (op != Op::kArgmax && !typedArray(info, 2, &b)) return false;
  if (!number(info, colsAt, &cols) || !isCount(cols) || x.length % static_cast<size_t>(cols) != 0) {
    return fail(env, true, "cols must be a positive integer dividing the input length");
  }
  w->op = op;
  w->f64 = x.type == napi_float64_array;
  w->in = x.data;
  w->length = x.length;
  w->cols = static_cast<size_t>(cols);
  const size_t rows = x.length / w->cols;
  LogitsArgs& l = w->logits;
  *next = colsAt + 1;
  auto temperature = [&](size_t i) {
    if (!number(info, i, &w->temperature)) return false;
    return w->temperature > 0 && w->temperature - w->temperature == 0 ? true : fail(env, true, "temperature must be finite and > 0");
  };
  switch (op) {
    case Op::kArgmax:
      if (a.type != napi_int32_array || a.length != rows) return fail(env, true, "out must be an Int32Array of one per row");
      l.index = static_cast<int32_t*>(a.data);
      return true;
    case Op::kTopK: {
      double k = 0, kind = 0;
      if (!number(info, 4, &k) || !temperature(5) || !number(info, 6, &kind)) return false;
      if (!isCount(k) || k > cols) return fail(env, true, "k must be an integer in [1, cols]");
      l.k = static_cast<size_t>(k);
      l.valuesKind = kind == 1 ? 1 : kind == 2 ? 2 : 0;
      if (a.type != napi_int32_array || a.length != rows * l.k || b.type != x.type || b.length != rows * l.k) {
        return fail(env, true, "indices and values must hold k per row");
      }
      l.index = static_cast<int32_t*>(a.data);
      l.values = b.data;
      *next = 7;
      return true;
    }
    case Op::kCrossEntropy: {
      double ignore = 0;
      if (!temperature(4) || !number(info, 5, &ignore)) return false;
      if ((a.type != napi_int32_array && a.type != napi_uint32_array) || a.length != rows || b.type != x.type || b.length != rows) {
        return fail(env, true, "target and out must hold one per row");
      }
      // An ignore index outside any target's range matches none: as none.
      l.hasIgnore = ignore >= -2147483648.0 && ignore <= 4294967295.0 && ignore == static_cast<double>(static_cast<long long>(ignore));
      l.ignore = l.hasIgnore ? static_cast<long long>(ignore) : 0;
      l.unsignedTarget = a.type == napi_uint32_array;
      l.target = static_cast<const int32_t*>(a.data);
      l.values = b.data;
      *next = 6;
      return checkTargets(env, a, w->cols, l);
    }
    case Op::kSample: {
      double topK = 0;
      if (!temperature(4) || !number(info, 5, &topK) || !number(info, 6, &l.topP) || !number(info, 7, &l.minP)) return false;
      if (!(topK >= 0 && topK < cols) || topK != static_cast<double>(static_cast<size_t>(topK))) return fail(env, true, "topK must be an integer in [0, cols)");
      l.topK = static_cast<size_t>(topK);
      if (a.type != napi_float64_array || a.length != rows || b.type != napi_int32_array || b.length != rows) {
        return fail(env, true, "u and out must hold one per row");
      }
      l.u = static_cast<const double*>(a.data);
      l.index = static_cast<int32_t*>(b.data);
      *next = 8;
      return true;
    }
    default:
      return false;
  }
}

const KernelTable* tableOf(const Napi::CallbackInfo& info) {
  const KernelTable* table = static_cast<const Instance*>(info.Data())->table;
  if (table == nullptr) Napi::Error::New(info.Env(), "sigmax native: select() must be called first").ThrowAsJavaScriptException();
  return table;
}

template <Op kOp>
Napi::Value callSync(const Napi::CallbackInfo& info) {
  const KernelTable* table = tableOf(info);
  Work w;
  size_t next = 0;
  if (table != nullptr && readCall(info, kOp, &w, &next)) runWork(*table, w);
  return info.Env().Undefined();
}

// nameAsync(...arguments of name, threads, abort): threads a positive integer (undefined: 1), abort an
// Int32Array whose first element the caller sets to stop the work, or null/undefined.
template <Op kOp>
Napi::Value callAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelTable* table = tableOf(info);
  Work w;
  size_t next = 0;
  if (table == nullptr || !readCall(info, kOp, &w, &next)) return env.Undefined();
  double threads = 1;
  if (!info[next].IsUndefined() && (!number(info, next, &threads) || !isCount(threads))) {
    fail(env, true, "threads must be a positive integer");
    return env.Undefined();
  }
  const int32_t* abort = nullptr;
  if (!info[next + 1].IsUndefined() && !info[next + 1].IsNull()) {
    View v;
    if (!typedArray(info, next + 1, &v) || v.type != napi_int32_array || v.length < 1) {
      fail(env, false, "abort must be an Int32Array");
      return env.Undefined();
    }
    abort = static_cast<const int32_t*>(v.data);
  }
  napi_value keep[3] = {info[0], info[1], info[2]};
  const napi_value promise = startAsyncCall(env, static_cast<const Instance*>(info.Data())->calls, *table, w,
                                            static_cast<size_t>(threads < 4096 ? threads : 4096), abort, keep, 3);
  return promise == nullptr ? env.Undefined() : Napi::Value(env, promise);
}

template <Op kOp>
void exportPair(Napi::Env env, Napi::Object exports, Instance* instance, const char* name) {
  exports.Set(name, Napi::Function::New(env, callSync<kOp>, name, instance));
  const std::string asyncName = std::string(name) + "Async";
  exports.Set(asyncName, Napi::Function::New(env, callAsync<kOp>, asyncName, instance));
}

}  // namespace

void exportLogits(Napi::Env env, Napi::Object exports, Instance* instance) {
  exportPair<Op::kArgmax>(env, exports, instance, "argmax");
  exportPair<Op::kTopK>(env, exports, instance, "topK");
  exportPair<Op::kCrossEntropy>(env, exports, instance, "crossEntropy");
  exportPair<Op::kSample>(env, exports, instance, "sample");
}

}  // namespace sigmax
