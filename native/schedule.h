// What one call computes (a Work), and how an async call cuts it into chunks and phases (a Schedule).
// No Node-API here: native/binding.cc fills a Work from JavaScript values, native/async_call.cc runs a
// Schedule's chunks on pool threads.
#ifndef SIGMAX_SCHEDULE_H
#define SIGMAX_SCHEDULE_H

#include <stddef.h>

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
  double temperature = 1;    // softmax and logSoftmax
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
 * An async call's work in phases of chunks. The chunks of a phase may run on any threads, each once;
 * after the last one, one thread calls nextPhase() before any chunk of the next phase runs.
 *
 * Element-wise work is cut by ranges, row-wise work by blocks of whole rows (results bit for bit
 * those of runWork), except rows longer than a chunk, or fewer rows than threads: those run one at a
 * time, each as a reduction over parts of the row (max, then Σ e^((x − m)/t); Σ y·dy or Σ dy for the
 * backward passes) followed by a pass over the parts that uses its result.
 */
class Schedule {
 public:
  Schedule(const KernelTable& table, const Work& work, size_t threads);

  /** Chunks of the current phase. */
  size_t chunks() const { return chunks_; }
  /** Threads worth running on the current phase: at most the chunks. */
  size_t threads() const { return chunks_ < threads_ ? (chunks_ > 0 ? chunks_ : 1) : threads_; }
  void runChunk(size_t chunk);
  /** Sets up the next phase; false when the work is done. */
  bool nextPhase();

 private:
  enum class Phase { kUnits, kMax, kSum, kFinish, kNaNScan, kSpecial };
  template <class T> void runChunkAs(const TypedKernels<T>& k, size_t from, size_t to);
  void cut(size_t units, size_t unitElements);
  void startRow();
  void storeRowValue(double v);

  const KernelTable& table_;
  Work work_;
  size_t threads_;
  Phase phase_ = Phase::kUnits;
  size_t units_ = 0, chunkUnits_ = 1, chunks_ = 0;
  size_t row_ = 0, rows_ = 0;  // the long row in progress
  double max_ = 0;             // its max (NaN once a NaN is known to be in it)
  double total_ = 0;           // what its last pass needs of the reduction: 1/Σ, log Σ, or the sum
  std::vector<double> results_;  // per chunk of a reduction
};

}  // namespace sigmax

#endif
