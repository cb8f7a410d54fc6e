// The Node-API binding: JavaScript arguments → a Work (native/schedule.h), run on the calling thread
// (`name(...)`) or as an async call (`nameAsync(..., threads, abort)`, native/async_call.h). The
// messages users see come from lib/validate.ts; this layer re-checks only what memory safety needs
// (typed arrays of one element size, lengths, cols, temperature), cheaply, and never copies data. One
// check is this layer's alone: whether `out` overlaps an input, by address, which costs nothing here
// and tens of ns in JavaScript; its message is the one lib/validate.ts gives the pure-TS backend. The
// calls are plain napi_callbacks: a short kernel costs less than node-addon-api's per-call
// CallbackInfo would.
#include <napi.h>

#include <string>

#include "async_call.h"
#include "dispatch.h"
#include "kernels.h"
#include "logits_binding.h"
#include "schedule.h"

namespace {

using sigmax::Instance;
using sigmax::Op;
using sigmax::Work;

/**
 * What an operation takes: 2 or 3 arrays (`input`, for the backward passes dy, then out), then
 * `cols`, then `temperature`; whether out may be the input itself.
 */
struct Signature {
  size_t arrays;
  bool cols;
  bool temperature;
  enum Output { kSameLength, kOnePerRow, kSquare } output;
  const char* input;
  bool inPlace;
  constexpr size_t count() const { return arrays + (cols ? 1 : 0) + (temperature ? 1 : 0); }
};

constexpr Signature signatureOf(Op op) {
  switch (op) {
    case Op::kSigmoid:
    case Op::kSigmoidDerivative: return {2, false, false, Signature::kSameLength, "x", true};
    case Op::kSigmoidBackward: return {3, false, false, Signature::kSameLength, "y", true};
    case Op::kSoftmax:
    case Op::kLogSoftmax: return {2, true, true, Signature::kSameLength, "x", true};
    case Op::kLogSumExp: return {2, true, false, Signature::kOnePerRow, "x", true};
    case Op::kSoftmaxBackward:
    case Op::kLogSoftmaxBackward: return {3, true, false, Signature::kSameLength, "y", true};
    case Op::kSoftmaxJacobian: return {2, false, false, Signature::kSquare, "y", false};
    default: break;  // the logits toolkit: native/logits_binding.cc
  }
  return {0, false, false, Signature::kSameLength, "", false};
}

constexpr size_t kMaxArgs = 6;  // (y, dy, out, cols) + (threads, abort)

bool fail(napi_env env, bool range, const char* what) {
  const std::string message = std::string("sigmax native: ") + what;
  if (range) napi_throw_range_error(env, nullptr, message.c_str());
  else napi_throw_type_error(env, nullptr, message.c_str());
  return false;
}

/** Whether [out, out + outBytes) shares memory with [in, in + inBytes), other than exactly when allowed. */
bool overlaps(const void* out, size_t outBytes, const void* in, size_t inBytes, bool inPlace) {
  const char* o = static_cast<const char*>(out);
  const char* i = static_cast<const char*>(in);
  if (outBytes == 0 || inBytes == 0 || o + outBytes <= i || i + inBytes <= o) return false;
  return !(inPlace && o == i && outBytes == inBytes);
}

bool overlapError(napi_env env, const char* input, bool inPlace) {
  const std::string message = std::string("sigmax: out must not overlap ") + input +
                              (inPlace ? " unless it is exactly the same memory (in place)" : "");
  napi_throw_range_error(env, nullptr, message.c_str());
  return false;
}

/** A typed array's elements: where, how many, and of what size (0 when there are none). */
struct ArrayView {
  void* data;
  size_t length;
  size_t elementBytes;
};

/**
 * v as an ArrayView of 4- or 8-byte elements; false when it is not a typed array or has elements of
 * another size. What memory safety needs, not the element type: napi_get_typedarray_info's type query
 * tests the 11 kinds one by one (about 20 ns an array in Node 20, a fifth of a short call), so the size
 * comes from the view's byte length, and lib/ tells a Float32Array from an Int32Array. Where
 * napi_get_buffer_info takes only Buffers and Uint8Arrays (as documented; Node 20 takes any view),
 * the type query decides after all.
 */
bool viewOf(napi_env env, napi_value v, ArrayView* a) {
  a->elementBytes = 0;
  if (napi_get_typedarray_info(env, v, nullptr, &a->length, &a->data, nullptr, nullptr) != napi_ok) return false;
  if (a->length == 0) return true;
  size_t bytes = 0;
  if (napi_get_buffer_info(env, v, nullptr, &bytes) == napi_ok) {
    a->elementBytes = bytes / a->length;
  } else {
    napi_typedarray_type type;
    napi_get_typedarray_info(env, v, &type, nullptr, nullptr, nullptr, nullptr);
    a->elementBytes = type == napi_float32_array ? sizeof(float) : type == napi_float64_array ? sizeof(double) : 0;
  }
  return a->elementBytes == sizeof(float) || a->elementBytes == sizeof(double);
}

bool isCount(double v) { return v >= 1 && v <= 9007199254740992.0 && v == static_cast<double>(static_cast<size_t>(v)); }

/** Reads the arguments of `op` into `w`; false with an exception pending when they do not fit. */
template <Op kOp>
bool readWork(napi_env env, const napi_value* argv, Work* w) {
  constexpr Signature sig = signatureOf(kOp);
  size_t length[3];
  void* data[3];
  size_t elementBytes = 0;  // of every array that has elements
  for (size_t i = 0; i < sig.arrays; ++i) {
    ArrayView a;
    if (!viewOf(env, argv[i], &a) || (a.elementBytes != 0 && elementBytes != 0 && a.elementBytes != elementBytes)) {
      return fail(env, false, "the arrays must be Float32Arrays or Float64Arrays, all of one type");
    }
    if (a.elementBytes != 0) elementBytes = a.elementBytes;
    length[i] = a.length;
    data[i] = a.data;
  }
  w->op = kOp;
  w->f64 = elementBytes == sizeof(double);
  w->in = data[0];
  w->length = length[0];
  w->cols = length[0] > 0 ? length[0] : 1;
  if (sig.arrays == 3) {
    w->dy = data[1];
    if (length[1] != length[0]) return fail(env, true, "the two inputs must have one length");
  }
  w->out = data[sig.arrays - 1];
  if (sig.cols) {
    double cols = 0;
    if (napi_get_value_double(env, argv[sig.arrays], &cols) != napi_ok || !isCount(cols) ||
        w->length % static_cast<size_t>(cols) != 0) {
      return fail(env, true, "cols must be a positive integer dividing the input length");
    }
    w->cols = static_cast<size_t>(cols);
  }
  if (sig.temperature) {
    double t = 0;
    if (napi_get_value_double(env, argv[sig.arrays + 1], &t) != napi_ok || !(t > 0 && t - t == 0)) {
      return fail(env, true, "temperature must be finite and > 0");
    }
    w->temperature = t;
  }
  const size_t n = w->length;
  if (sig.output == Signature::kSquare && n > 0xffffffffu) return fail(env, true, "y is too long");
  const size_t outLength = sig.output == Signature::kSameLength ? n : sig.output == Signature::kOnePerRow ? n / w->cols : n * n;
  if (length[sig.arrays - 1] != outLength) return fail(env, true, "out does not have the length the function writes");
  const size_t size = w->f64 ? sizeof(double) : sizeof(float);
  if (overlaps(w->out, outLength * size, w->in, n * size, sig.inPlace)) return overlapError(env, sig.input, sig.inPlace);
  if (sig.arrays == 3 && overlaps(w->out, outLength * size, w->dy, n * size, sig.inPlace)) return overlapError(env, "dy", sig.inPlace);
  return true;
}

const Instance* instanceOf(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  void* data = nullptr;
  napi_get_cb_info(env, info, argc, argv, nullptr, &data);
  const Instance* instance = static_cast<const Instance*>(data);
  if (instance->table == nullptr) {
    napi_throw_error(env, nullptr, "sigmax native: select() must be called first");
    return nullptr;
  }
  return instance;
}

// name(...arrays, cols?, temperature?): the whole call on this thread.
template <Op kOp>
napi_value callSync(napi_env env, napi_callback_info info) {
  size_t argc = kMaxArgs;
  napi_value argv[kMaxArgs];
  const Instance* instance = instanceOf(env, info, &argc, argv);
  Work w;
  if (instance != nullptr && readWork<kOp>(env, argv, &w)) sigmax::runWork(*instance->table, w);
  return nullptr;
}

// nameAsync(...arguments of name, threads, abort): a promise of undefined. `threads`: a positive
// integer (undefined: 1); `abort`: an Int32Array whose first element the caller sets to stop the
// work, or null/undefined.
template <Op kOp>
napi_value callAsync(napi_env env, napi_callback_info info) {
  constexpr size_t first = signatureOf(kOp).count();
  size_t argc = kMaxArgs;
  napi_value argv[kMaxArgs];
  const Instance* instance = instanceOf(env, info, &argc, argv);
  Work w;
  if (instance == nullptr || !readWork<kOp>(env, argv, &w)) return nullptr;
  napi_valuetype type;
  double threads = 1;
  if (napi_typeof(env, argv[first], &type) == napi_ok && type != napi_undefined &&
      (napi_get_value_double(env, argv[first], &threads) != napi_ok || !isCount(threads))) {
    fail(env, true, "threads must be a positive integer");
    return nullptr;
  }
  const int32_t* abort = nullptr;
  if (napi_typeof(env, argv[first + 1], &type) == napi_ok && type != napi_undefined && type != napi_null) {
    napi_typedarray_type arrayType;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, argv[first + 1], &arrayType, &length, &data, nullptr, nullptr) != napi_ok ||
        arrayType != napi_int32_array || length < 1) {
      fail(env, false, "abort must be an Int32Array");
      return nullptr;
    }
    abort = static_cast<const int32_t*>(data);
  }
  return sigmax::startAsyncCall(env, instance->calls, *instance->table, w, static_cast<size_t>(threads < 4096 ? threads : 4096),
                                abort, argv, first + 2);
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
  const sigmax::KernelTable* table = list.tables[0];
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

/** Exports `name` and `nameAsync`. */
template <Op kOp>
void exportOp(napi_env env, napi_value exports, Instance* instance, const char* name) {
  const std::string asyncName = std::string(name) + "Async";
  napi_value sync, async;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, callSync<kOp>, instance, &sync);
  napi_create_function(env, asyncName.c_str(), NAPI_AUTO_LENGTH, callAsync<kOp>, instance, &async);
  napi_set_named_property(env, exports, name, sync);
  napi_set_named_property(env, exports, asyncName.c_str(), async);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Instance* instance = new Instance();
  env.SetInstanceData(instance);
  instance->calls = sigmax::initAsyncCalls(env);
  if (instance->calls == nullptr) return exports;
  exports.Set("select", Napi::Function::New(env, Select, "select"));
  exportOp<Op::kSigmoid>(env, exports, instance, "sigmoid");
  exportOp<Op::kSigmoidDerivative>(env, exports, instance, "sigmoidDerivative");
  exportOp<Op::kSigmoidBackward>(env, exports, instance, "sigmoidBackward");
  exportOp<Op::kSoftmax>(env, exports, instance, "softmax");
  exportOp<Op::kLogSoftmax>(env, exports, instance, "logSoftmax");
  exportOp<Op::kLogSumExp>(env, exports, instance, "logSumExp");
  exportOp<Op::kSoftmaxBackward>(env, exports, instance, "softmaxBackward");
  exportOp<Op::kLogSoftmaxBackward>(env, exports, instance, "logSoftmaxBackward");
  exportOp<Op::kSoftmaxJacobian>(env, exports, instance, "softmaxJacobian");
  sigmax::exportLogits(env, exports, instance);  // argmax, topK, crossEntropy, sample
  return exports;
}

}  // namespace

NODE_API_MODULE(sigmax, Init)
