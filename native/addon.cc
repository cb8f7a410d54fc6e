// The Node-API binding: adapts JavaScript typed arrays to the kernel table chosen at load.
// Argument validation with user-facing messages lives in TypeScript (lib/validate.ts); this layer
// re-checks only what memory safety needs (array types and lengths), cheaply, and never copies data.
#include <napi.h>

#include <string>

#include "dispatch.h"
#include "kernels.h"

namespace {

using sigmax::KernelTable;
using sigmax::TypedKernels;

struct Instance {
  const KernelTable* table = nullptr;
};

struct FloatView {
  napi_typedarray_type type;
  size_t length;
  void* data;
};

void throwType(Napi::Env env, const std::string& what) {
  Napi::TypeError::New(env, "sigmax native: " + what).ThrowAsJavaScriptException();
}

void throwRange(Napi::Env env, const std::string& what) {
  Napi::RangeError::New(env, "sigmax native: " + what).ThrowAsJavaScriptException();
}

/** info[0..count) as float typed arrays of one element type; false (with a pending exception) if not. */
bool readArrays(const Napi::CallbackInfo& info, size_t count, FloatView* views) {
  for (size_t i = 0; i < count; ++i) {
    FloatView& v = views[i];
    if (napi_get_typedarray_info(info.Env(), info[i], &v.type, &v.length, &v.data, nullptr, nullptr) != napi_ok ||
        (v.type != napi_float32_array && v.type != napi_float64_array) || v.type != views[0].type) {
      throwType(info.Env(), "argument " + std::to_string(i) + " must be a Float32Array or Float64Array like argument 0");
      return false;
    }
  }
  return true;
}

bool readCount(const Napi::CallbackInfo& info, size_t index, size_t* out) {
  double v = -1;
  if (napi_get_value_double(info.Env(), info[index], &v) != napi_ok || !(v >= 1) || v != static_cast<double>(static_cast<size_t>(v))) {
    throwRange(info.Env(), "argument " + std::to_string(index) + " must be a positive integer");
    return false;
  }
  *out = static_cast<size_t>(v);
  return true;
}

const KernelTable* tableOf(const Napi::CallbackInfo& info) {
  const Instance* instance = info.Env().GetInstanceData<Instance>();
  if (instance == nullptr || instance->table == nullptr) {
    Napi::Error::New(info.Env(), "sigmax native: select() must be called first").ThrowAsJavaScriptException();
    return nullptr;
  }
  return instance->table;
}

template <typename T>
const TypedKernels<T>& typed(const KernelTable* table);
template <>
const TypedKernels<float>& typed<float>(const KernelTable* table) { return table->f32; }
template <>
const TypedKernels<double>& typed<double>(const KernelTable* table) { return table->f64; }

/** Runs `call` with the element type of the arrays (float or double). */
template <typename Call>
void withType(const FloatView& v, const Call& call) {
  if (v.type == napi_float32_array) {
    call(float{});
  } else {
    call(double{});
  }
}

// sigmoid(x, out), sigmoidDerivative(x, out)
template <template <typename> class Pick>
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const KernelTable* table = tableOf(info);
  FloatView v[2];
  if (table == nullptr || !readArrays(info, 2, v)) return info.Env().Undefined();
  if (v[1].length != v[0].length) {
    throwRange(info.Env(), "out must have the length of x");
    return info.Env().Undefined();
  }
  if (v[0].length == 0) return info.Env().Undefined();
  withType(v[0], [&](auto zero) {
    using T = decltype(zero);
    Pick<T>::get(typed<T>(table))(static_cast<const T*>(v[0].data), static_cast<T*>(v[1].data), v[0].length);
  });
  return info.Env().Undefined();
}

template <typename T> struct PickSigmoid { static auto get(const TypedKernels<T>& k) { return k.sigmoid; } };
template <typename T> struct PickSigmoidDerivative { static auto get(const TypedKernels<T>& k) { return k.sigmoid_derivative; } };

Napi::Value SigmoidBackward(const Napi::CallbackInfo& info) {
  const KernelTable* table = tableOf(info);
  FloatView v[3];
  if (table == nullptr || !readArrays(info, 3, v)) return info.Env().Undefined();
  if (v[1].length != v[0].length || v[2].length != v[0].length) {
    throwRange(info.Env(), "y, dy and out must have one length");
    return info.Env().Undefined();
  }
  if (v[0].length == 0) return info.Env().Undefined();
  withType(v[0], [&](auto zero) {
    using T = decltype(zero);
    typed<T>(table).sigmoid_backward(static_cast<const T*>(v[0].data), static_cast<const T*>(v[1].data),
                                     static_cast<T*>(v[2].data), v[0].length);
  });
  return info.Env().Undefined();
}

/** Checks that `cols` divides x's length; rows through `rows`. */
bool readShape(const Napi::CallbackInfo& info, size_t colsIndex, const FloatView& x, size_t* rows, size_t* cols) {
  if (!readCount(info, colsIndex, cols)) return false;
  if (x.length % *cols != 0) {
    throwRange(info.Env(), "cols must divide the input length");
    return false;
  }
  *rows = x.length / *cols;
  return true;
}

// softmax(x, out, cols, temperature), logSoftmax(...)
template <bool kLog>
Napi::Value SoftmaxLike(const Napi::CallbackInfo& info) {
  const KernelTable* table = tableOf(info);
  FloatView v[2];
  size_t rows = 0, cols = 0;
  if (table == nullptr || !readArrays(info, 2, v) || !readShape(info, 2, v[0], &rows, &cols)) return info.Env().Undefined();
  double temperature = 0;
  napi_get_value_double(info.Env(), info[3], &temperature);
  if (v[1].length != v[0].length || !(temperature > 0) || temperature - temperature != 0) {
    throwRange(info.Env(), "out must have the length of x and temperature must be finite and > 0");
    return info.Env().Undefined();
  }
  withType(v[0], [&](auto zero) {
    using T = decltype(zero);
    const auto kernel = kLog ? typed<T>(table).log_softmax : typed<T>(table).softmax;
    kernel(static_cast<const T*>(v[0].data), static_cast<T*>(v[1].data), rows, cols, static_cast<T>(temperature));
  });
  return info.Env().Undefined();
}

// logSumExp(x, out, cols): out has one element per row
Napi::Value LogSumExp(const Napi::CallbackInfo& info) {
  const KernelTable* table = tableOf(info);
  FloatView v[2];
  size_t rows = 0, cols = 0;
  if (table == nullptr || !readArrays(info, 2, v) || !readShape(info, 2, v[0], &rows, &cols)) return info.Env().Undefined();
  if (v[1].length != rows) {
    throwRange(info.Env(), "out must have one element per row");
    return info.Env().Undefined();
  }
  withType(v[0], [&](auto zero) {
    using T = decltype(zero);
    typed<T>(table).logsumexp(static_cast<const T*>(v[0].data), static_cast<T*>(v[1].data), rows, cols);
  });
  return info.Env().Undefined();
}

// softmaxBackward(y, dy, out, cols), logSoftmaxBackward(...)
template <bool kLog>
Napi::Value BackwardLike(const Napi::CallbackInfo& info) {
  const KernelTable* table = tableOf(info);
  FloatView v[3];
  size_t rows = 0, cols = 0;
  if (table == nullptr || !readArrays(info, 3, v) || !readShape(info, 3, v[0], &rows, &cols)) return info.Env().Undefined();
  if (v[1].length != v[0].length || v[2].length != v[0].length) {
    throwRange(info.Env(), "y, dy and out must have one length");
    return info.Env().Undefined();
  }
  withType(v[0], [&](auto zero) {
    using T = decltype(zero);
    const auto kernel = kLog ? typed<T>(table).log_softmax_backward : typed<T>(table).softmax_backward;
    kernel(static_cast<const T*>(v[0].data), static_cast<const T*>(v[1].data), static_cast<T*>(v[2].data), rows, cols);
  });
  return info.Env().Undefined();
}

// softmaxJacobian(y, out): out is k×k
Napi::Value SoftmaxJacobian(const Napi::CallbackInfo& info) {
  const KernelTable* table = tableOf(info);
  FloatView v[2];
  if (table == nullptr || !readArrays(info, 2, v)) return info.Env().Undefined();
  const size_t k = v[0].length;
  if (k != 0 && (v[1].length / k != k || v[1].length % k != 0)) {
    throwRange(info.Env(), "out must have y.length squared elements");
    return info.Env().Undefined();
  }
  if (k == 0) return info.Env().Undefined();
  withType(v[0], [&](auto zero) {
    using T = decltype(zero);
    typed<T>(table).softmax_jacobian(static_cast<const T*>(v[0].data), static_cast<T*>(v[1].data), k);
  });
  return info.Env().Undefined();
}

// select(cap): picks the best available ISA, or `cap` itself when given ('' = no cap).
// Returns { isa, isas }; throws when the cap is unknown or not available on this CPU/build.
Napi::Value Select(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string cap = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new Instance());
  exports.Set("select", Napi::Function::New(env, Select, "select"));
  exports.Set("sigmoid", Napi::Function::New(env, Unary<PickSigmoid>, "sigmoid"));
  exports.Set("sigmoidDerivative", Napi::Function::New(env, Unary<PickSigmoidDerivative>, "sigmoidDerivative"));
  exports.Set("sigmoidBackward", Napi::Function::New(env, SigmoidBackward, "sigmoidBackward"));
  exports.Set("softmax", Napi::Function::New(env, SoftmaxLike<false>, "softmax"));
  exports.Set("logSoftmax", Napi::Function::New(env, SoftmaxLike<true>, "logSoftmax"));
  exports.Set("logSumExp", Napi::Function::New(env, LogSumExp, "logSumExp"));
  exports.Set("softmaxBackward", Napi::Function::New(env, BackwardLike<false>, "softmaxBackward"));
  exports.Set("logSoftmaxBackward", Napi::Function::New(env, BackwardLike<true>, "logSoftmaxBackward"));
  exports.Set("softmaxJacobian", Napi::Function::New(env, SoftmaxJacobian, "softmaxJacobian"));
  return exports;
}

}  // namespace

NODE_API_MODULE(sigmax, Init)
