#include "schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sigmax {
namespace {

template <class T>
void runAs(const TypedKernels<T>& k, const Work& w) {
  const T* in = static_cast<const T*>(w.in);
  const T* dy = static_cast<const T*>(w.dy);
  T* out = static_cast<T*>(w.out);
  const size_t n = w.length, cols = w.cols, rows = n / cols;
  switch (w.op) {
    case Op::kSigmoid: return k.sigmoid(in, out, n);
    case Op::kSigmoidDerivative: return k.sigmoid_derivative(in, out, n);
    case Op::kSigmoidBackward: return k.sigmoid_backward(in, dy, out, n);
    case Op::kSoftmax: return k.softmax(in, out, rows, cols, w.temperature);
    case Op::kLogSoftmax: return k.log_softmax(in, out, rows, cols, w.temperature);
    case Op::kLogSumExp: return k.logsumexp(in, out, rows, cols);
    case Op::kSoftmaxBackward: return k.softmax_backward(in, dy, out, rows, cols);
    case Op::kLogSoftmaxBackward: return k.log_softmax_backward(in, dy, out, rows, cols);
    case Op::kSoftmaxJacobian: return k.softmax_jacobian_rows(in, n, 0, n, out);
  }
}

bool isElementwise(Op op) { return op == Op::kSigmoid || op == Op::kSigmoidDerivative || op == Op::kSigmoidBackward; }
bool isBackward(Op op) { return op == Op::kSoftmaxBackward || op == Op::kLogSoftmaxBackward; }

/** Split work takes at least this many chunks per thread, so that a thread the host slows down (a
 * shared VM) holds up the others by one small chunk at most. */
constexpr size_t kChunksPerThread = 8;

/** Whether x[0, n) holds a NaN (rowMax may let one pass; rows whose max is not finite only). */
template <class T>
bool hasNaN(const T* x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != x[i]) return true;
  }
  return false;
}

}  // namespace

void runWork(const KernelTable& table, const Work& work) {
  if (work.f64) runAs(table.f64, work);
  else runAs(table.f32, work);
}

Schedule::Schedule(const KernelTable& table, const Work& work, size_t threads) : table_(table), work_(work) {
  threads_ = std::max<size_t>(1, std::min(threads, work.length / kMinChunkElements));
  const size_t rows = work.length / work.cols;
  if (isElementwise(work.op)) {
    cut(work.length, 1);
  } else if (work.op == Op::kSoftmaxJacobian) {
    cut(work.length, work.length);  // rows of k elements
  } else if (rows == 0 || (work.cols <= kMaxChunkElements && rows >= threads_)) {
    cut(rows, work.cols);
  } else {
    rows_ = rows;
    cut(work.cols, 1);
    startRow();
  }
}

/** Cuts `units` of `unitElements` elements each into chunks of whole units, a multiple of 64 elements. */
void Schedule::cut(size_t units, size_t unitElements) {
  const size_t elements = units * unitElements;
  const size_t chunkElements =
      std::min(std::max(elements / (threads_ * kChunksPerThread), kMinChunkElements), kMaxChunkElements);
  size_t per = std::max<size_t>(1, chunkElements / unitElements);
  if (unitElements == 1 && per < units) per = (per + 63) / 64 * 64;  // whole cache lines
  units_ = units;
  chunkUnits_ = std::min(per, std::max<size_t>(1, units));
  chunks_ = (units + chunkUnits_ - 1) / chunkUnits_;
}

/** logSumExp's value of the long row in progress. */
void Schedule::storeRowValue(double v) {
  if (work_.f64) static_cast<double*>(work_.out)[row_] = v;
  else static_cast<float*>(work_.out)[row_] = static_cast<float>(v);
}

void Schedule::startRow() {
  phase_ = isBackward(work_.op) ? Phase::kSum : Phase::kMax;
  results_.assign(chunks_, 0.0);
}

void Schedule::runChunk(size_t chunk) {
  const size_t from = chunk * chunkUnits_, to = std::min(units_, from + chunkUnits_);
  if (work_.f64) runChunkAs(table_.f64, from, to);
  else runChunkAs(table_.f32, from, to);
}

template <class T>
void Schedule::runChunkAs(const TypedKernels<T>& k, size_t from, size_t to) {
  const size_t n = to - from;
  if (phase_ == Phase::kUnits) {
    if (n == 0) return;
    Work part = work_;
    if (work_.op == Op::kSoftmaxJacobian) {
      const size_t kk = work_.length;
      k.softmax_jacobian_rows(static_cast<const T*>(work_.in), kk, from, n, static_cast<T*>(work_.out) + from * kk);
      return;
    }
    const size_t unit = isElementwise(work_.op) ? 1 : work_.cols;
    part.in = static_cast<const T*>(work_.in) + from * unit;
    if (work_.dy != nullptr) part.dy = static_cast<const T*>(work_.dy) + from * unit;
    part.out = static_cast<T*>(work_.out) + (work_.op == Op::kLogSumExp ? from : from * unit);
    part.length = n * unit;
    if (isElementwise(work_.op)) part.cols = part.length;
    return runAs(k, part);
  }
  // A part [from, to) of the long row `row_`.
  const size_t offset = row_ * work_.cols + from;
  const T* x = static_cast<const T*>(work_.in) + offset;
  const T* dy = static_cast<const T*>(work_.dy) + (work_.dy != nullptr ? offset : 0);
  T* out = static_cast<T*>(work_.out) + (work_.op == Op::kLogSumExp ? 0 : offset);
  double& result = results_[from / chunkUnits_];
  const double t = work_.temperature;
  switch (phase_) {
    case Phase::kMax:
      result = static_cast<double>(k.row_max(x, n));
      return;
    case Phase::kSum:
      if (work_.op == Op::kSoftmaxBackward) result = k.dot(x, dy, n);
      else if (work_.op == Op::kLogSoftmaxBackward) result = k.sum(dy, n);
      else result = k.exp_sum(x, work_.op == Op::kSoftmax ? out : nullptr, n, static_cast<T>(max_), t);
      return;
    case Phase::kFinish:
      if (work_.op == Op::kSoftmax) k.scale(out, n, static_cast<T>(total_));
      else if (work_.op == Op::kLogSoftmax) k.log_softmax_finish(x, out, n, static_cast<T>(max_), t, static_cast<T>(total_));
      else if (work_.op == Op::kSoftmaxBackward) k.softmax_backward_finish(x, dy, out, n, static_cast<T>(total_));
      else k.log_softmax_backward_finish(x, dy, out, n, static_cast<T>(total_));
      return;
    case Phase::kNaNScan:
      result = hasNaN(x, n) ? 1 : 0;
      return;
    case Phase::kSpecial:
      k.special_row(x, out, n, static_cast<T>(max_), work_.op == Op::kLogSoftmax);
      return;
    case Phase::kUnits:
      return;
  }
}

bool Schedule::nextPhase() {
  switch (phase_) {
    case Phase::kUnits:
      return false;
    case Phase::kMax: {
      double m = -std::numeric_limits<double>::infinity();
      for (const double v : results_) {
        if (v != v) {
          m = v;
          break;
        }
        if (v > m) m = v;
      }
      max_ = m;
      // NaN, all −∞ or some +∞: the special-value rules, which need to know whether a NaN is there.
      phase_ = std::isfinite(m) ? Phase::kSum : m != m ? Phase::kSpecial : Phase::kNaNScan;
      if (phase_ == Phase::kSpecial && work_.op == Op::kLogSumExp) break;
      return true;
    }
    case Phase::kNaNScan:
      for (const double v : results_) {
        if (v != 0) max_ = std::numeric_limits<double>::quiet_NaN();
      }
      phase_ = Phase::kSpecial;
      if (work_.op == Op::kLogSumExp) break;
      return true;
    case Phase::kSum: {
      // The parts' sums, compensated (the float64 sum kernel over them).
      const double s = table_.f64.sum(results_.data(), results_.size());
      phase_ = Phase::kFinish;
      if (work_.op == Op::kLogSumExp) {
        storeRowValue(max_ + std::log(s));
        break;
      }
      total_ = work_.op == Op::kSoftmax ? 1 / s : work_.op == Op::kLogSoftmax ? std::log(s) : s;
      return true;
    }
    case Phase::kFinish:
    case Phase::kSpecial:
      break;
  }
  // The row is done (logSumExp of a special row: its value is the max, or NaN).
  if (work_.op == Op::kLogSumExp && phase_ == Phase::kSpecial) storeRowValue(max_);
  if (++row_ >= rows_) return false;
  startRow();
  return true;
}

}  // namespace sigmax
