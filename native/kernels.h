// The kernel table: one per instruction set, each a set of plain functions over raw buffers.
// Nothing here knows about Node-API; native/binding.cc adapts JavaScript values to these calls.
#ifndef SIGMAX_KERNELS_H
#define SIGMAX_KERNELS_H

#include <stddef.h>
#include <stdint.h>

namespace sigmax {

// All lengths are element counts. Outputs may equal an input exactly (in place); they never
// partially overlap one (the JavaScript layer rejects that). Row-wise kernels take a row-major
// rows×cols matrix. The temperature is a double for both element types: a valid one may lie outside
// float's range.
template <typename T>
struct TypedKernels {
  void (*sigmoid)(const T* x, T* y, size_t n);
  void (*sigmoid_derivative)(const T* x, T* y, size_t n);
  void (*sigmoid_backward)(const T* y, const T* dy, T* dx, size_t n);
  void (*softmax)(const T* x, T* y, size_t rows, size_t cols, double temperature);
  void (*log_softmax)(const T* x, T* y, size_t rows, size_t cols, double temperature);
  void (*logsumexp)(const T* x, T* out, size_t rows, size_t cols);  // out: one value per row
  void (*softmax_backward)(const T* y, const T* dy, T* dx, size_t rows, size_t cols);
  void (*log_softmax_backward)(const T* y, const T* dy, T* dx, size_t rows, size_t cols);
  // Rows [first_row, first_row + rows) of the k×k Jacobian of y, written to out (rows·k elements).
  void (*softmax_jacobian_rows)(const T* y, size_t k, size_t first_row, size_t rows, T* out);

  // Pieces of one row, so that a long row can be split across threads: the row-wise kernels above
  // are these, composed. Sums come back in double (blocked, compensated).
  T (*row_max)(const T* x, size_t n);  // a NaN in x may or may not make the result NaN
  double (*exp_sum)(const T* x, T* y, size_t n, T m, double temperature);  // Σ e^((x−m)/t); stores the terms unless y is null
  void (*scale)(T* y, size_t n, T s);                                 // y ·= s
  void (*log_softmax_finish)(const T* x, T* y, size_t n, T m, double temperature, T log_sum);
  double (*dot)(const T* a, const T* b, size_t n);
  double (*sum)(const T* a, size_t n);
  void (*softmax_backward_finish)(const T* y, const T* dy, T* dx, size_t n, T dot);
  void (*log_softmax_backward_finish)(const T* y, const T* dy, T* dx, size_t n, T total);
  // A row whose max m is not finite (NaN when the row holds a NaN): the special-value rules.
  void (*special_row)(const T* x, T* y, size_t n, T m, bool log_space);
};

// Rows of at least this many bytes take the two-pass softmax family (one read of x fewer, each term
// computed twice): they no longer fit in the last-level cache beside their output. Set once at load from
// the cache size (dispatch.cc, configureKernels), before any kernel runs; tests may set it to reach both paths.
extern size_t gTwoPassRowBytes;

// The logits toolkit (native/logits_body.inc). Index arrays are int32; rows of cols elements.
// sample's scratch arrays hold kSampleSlack slots past cols, for whole-vector writes.
constexpr size_t kSampleSlack = 64;
template <typename T>
struct LogitsKernels {
  void (*argmax)(const T* x, int32_t* out, size_t rows, size_t cols);
  // k best per row, best first, into indices and values (kind: 0 probs, 1 logprobs, 2 logits)
  void (*top_k)(const T* x, int32_t* indices, T* values, size_t rows, size_t cols, size_t k, double temperature, int kind);
  // target: int32, or uint32 when unsigned_target; every target in [0, cols) unless it equals ignore
  void (*cross_entropy)(const T* x, const int32_t* target, bool unsigned_target, bool has_ignore, long long ignore, T* out,
                        size_t rows, size_t cols, double temperature);
  // u: one draw per row; top_k 0 (off) or < cols; scratch: (cols + kSampleSlack)·(2·sizeof(T) + 4) bytes
  void (*sample)(const T* x, const double* u, int32_t* out, size_t rows, size_t cols, double temperature, size_t top_k,
                 double top_p, double min_p, void* scratch);
  // sample's draw without top_k from one row's terms w = e^((x − m)/t) and their Σw (a long row split
  // across threads computes those in parts); scratch: cols + kSampleSlack values
  int32_t (*sample_terms)(const T* w, size_t cols, double total, double u, double top_p, double min_p, void* scratch);
};

struct KernelTable {
  const char* isa;
  TypedKernels<float> f32;
  TypedKernels<double> f64;
  LogitsKernels<float> logits32;
  LogitsKernels<double> logits64;
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
