// The kernel table: one per instruction set, each a set of plain functions over raw buffers.
// Nothing here knows about Node-API; native/addon.cc adapts JavaScript values to these calls.
#ifndef SIGMAX_KERNELS_H
#define SIGMAX_KERNELS_H

#include <stddef.h>

namespace sigmax {

// All lengths are element counts. Outputs may equal an input exactly (in place); they never
// partially overlap one (the JavaScript layer rejects that). Row-wise kernels take a row-major
// rows×cols matrix.
template <typename T>
struct TypedKernels {
  void (*sigmoid)(const T* x, T* y, size_t n);
  void (*sigmoid_derivative)(const T* x, T* y, size_t n);
  void (*sigmoid_backward)(const T* y, const T* dy, T* dx, size_t n);
  void (*softmax)(const T* x, T* y, size_t rows, size_t cols, T temperature);
  void (*log_softmax)(const T* x, T* y, size_t rows, size_t cols, T temperature);
  void (*logsumexp)(const T* x, T* out, size_t rows, size_t cols);  // out: one value per row
  void (*softmax_backward)(const T* y, const T* dy, T* dx, size_t rows, size_t cols);
  void (*log_softmax_backward)(const T* y, const T* dy, T* dx, size_t rows, size_t cols);
  void (*softmax_jacobian)(const T* y, T* jacobian, size_t k);  // jacobian: k×k, row-major
};

struct KernelTable {
  const char* isa;
  TypedKernels<float> f32;
  TypedKernels<double> f64;
};

// Defined in the per-ISA translation units (each compiled with only its own ISA flags).
extern const KernelTable kScalarKernels;
#if defined(__x86_64__) || defined(_M_X64)
extern const KernelTable kSse2Kernels;
extern const KernelTable kAvx2Kernels;
extern const KernelTable kAvx512Kernels;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
extern const KernelTable kNeonKernels;
#endif

}  // namespace sigmax

#endif
