// What one call computes (a Work), and how an async call cuts it into chunks and phases (a Schedule).
// No Node-API here: native/binding.cc fills a Work from JavaScript values, native/async_call.cc runs a
// Schedule's chunks on pool threads.
#ifndef SIGMAX_SCHEDULE_H
#define SIGMAX_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "kernels.h"

namespace sigmax {

enum class Op {
  kSigmoid,
  kSigmoidDerivative,
  kSigmoidBackward,
  kSoftmax,
  kLogSoftmax,
  kLogSumExp,
  kSoftmaxBackward,
  kLogSoftmaxBackward,
  kSoftmaxJacobian,
  // the logits toolkit (native/logits_body.inc)
  kArgmax,
  kTopK,
  kCrossEntropy,
  kSample,
};

/** The logits toolkit's arguments besides `in` and `cols` (their arrays checked by the binding). */
struct LogitsArgs {
  int32_t* index = nullptr;       // argmax, sample: out; topK: indices
  const int32_t* target = nullptr;  // crossEntropy: int32, or uint32 when unsignedTarget
  void* values = nullptr;         // topK: values; crossEntropy: out (the element type of `in`)
  const double* u = nullptr;      // sample: one draw per row
  size_t k = 1;                   // topK
  int valuesKind = 0;             // topK: 0 probs, 1 logprobs, 2 logits
  bool unsignedTarget = false, hasIgnore = false;
  long long ignore = 0;           // crossEntropy: the target value that gives 0, when hasIgnore
  size_t topK = 0;                // sample: 0 off, else < cols
  double topP = 1, minP = 0;
};

/** The checked arguments of one call; every array has the element type of `in`. */
struct Work {
  Op op = Op::kSigmoid;
  bool f64 = false;
  const void* in = nullptr;  // x; y for the backward passes and the Jacobian
  const void* dy = nullptr;  // the second input of the backward passes
  void* out = nullptr;
  size_t length = 0;         // elements of `in`
  size_t cols = 1;           // row length (the Jacobian's k); `length` for the element-wise ops
  double temperature = 1;    // softmax, logSoftmax and the logits toolkit
  LogitsArgs logits;         // the logits toolkit (out unused)
};

/** The whole call on this thread. */
void runWork(const KernelTable& table, const Work& work);

/**
 * Chunks hold at most kMaxChunkElements elements (about a millisecond of work), so an abort or the
 * teardown of the environment waits for one chunk at most; a thread gets at least kMinChunkElements
 * of work, below which a second thread costs more than it saves.
 */
constexpr size_t kMaxChunkElements = size_t{1} << 20;
constexpr size_t kMinChunkElements = size_t{1} << 15;

/**
 * sample splits a row without topK from this length on (its max, then its terms in parts; the draw
 * from the terms in one chunk); shorter rows run whole, in one chunk. Measured on Zen 5 (2 threads):
 * the split took 0.81–0.88× the time of the whole row at 2^20 and 2^21 elements, 0.84–1.04× at 2^19,
 * and gained nothing at 2^18 and below (one more hand-off between pool threads costs tens of µs).
 */
constexpr size_t kSampleSplitFrom = size_t{1} << 20;

/**
 * An async call's work in phases of chunks. The chunks of a phase may run on any threads, each once;
 * after the last one, one thread calls nextPhase() before any chunk of the next phase runs.
 *
 * Element-wise work is cut by ranges, row-wise work by blocks of whole rows (results bit for bit
 * those of runWork), except rows longer than a chunk, or fewer rows than threads: those run one at a
 * time, each as a reduction over parts of the row (max, then Σ e^((x − m)/t); Σ y·dy or Σ dy for the
 * backward passes) followed by a pass over the parts that uses its result. The logits toolkit splits
 * such rows too: argmax and crossEntropy as reductions, topK as each part's k best merged after the
 * parts' sums; sample as its max, then its terms, then the draw in one chunk (rows without topK
 * from kSampleSplitFrom on; other sample rows run whole), rows whose max is not finite run whole.
 */
class Schedule {
 public:
  Schedule(const KernelTable& table, const Work& work, size_t threads);
  ~Schedule();
  Schedule(const Schedule&) = delete;
  Schedule& operator=(const Schedule&) = delete;

  /** Chunks of the current phase. */
  size_t chunks() const { return chunks_; }
  /** Threads worth running on the current phase: at most the chunks. */
  size_t threads() const { return chunks_ < threads_ ? (chunks_ > 0 ? chunks_ : 1) : threads_; }
  void runChunk(size_t chunk);
  /** Sets up the next phase; false when the work is done. */
  bool nextPhase();

 private:
  enum class Phase { kUnits, kMax, kSum, kFinish, kNaNScan, kSpecial, kArgmaxParts, kTopKParts, kWholeRow, kSampleDraw };
  template <class T> void runChunkAs(const TypedKernels<T>& k, size_t from, size_t to);
  void cut(size_t units, size_t unitElements);
  void startRow();
  bool finishRow();
  void storeRowValue(double v);
  template <class T> void mergeTopK(const TypedKernels<T>& k);

  const KernelTable& table_;
  Work work_;
  size_t threads_;
  Phase phase_ = Phase::kUnits;
  size_t units_ = 0, chunkUnits_ = 1, chunks_ = 0;
  size_t row_ = 0, rows_ = 0;  // the long row in progress
  double max_ = 0;             // its max (NaN once a NaN is known to be in it)
  double total_ = 0;           // what its last pass needs of the reduction: 1/Σ, log Σ, or the sum
  std::vector<double> results_;  // per chunk of a reduction
  std::vector<double> partValues_;   // topK: each part's k best values (as doubles), then
  std::vector<int32_t> partIndices_;  // their indices in the row
  std::vector<unsigned char> terms_;  // sample: the long row's terms e^((x − m)/t)
  template <class T> T* terms() { return reinterpret_cast<T*>(terms_.data()); }
};

}  // namespace sigmax

#endif
