#include "schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

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
    default: return;  // the logits toolkit: runLogits
  }
}

bool isLogits(Op op) { return op == Op::kArgmax || op == Op::kTopK || op == Op::kCrossEntropy || op == Op::kSample; }

template <class T> const LogitsKernels<T>& logitsOf(const KernelTable& table);
template <> const LogitsKernels<float>& logitsOf<float>(const KernelTable& table) { return table.logits32; }
template <> const LogitsKernels<double>& logitsOf<double>(const KernelTable& table) { return table.logits64; }

/** This thread's scratch for sample, at least `bytes` long (kept: a row's pages stay mapped). */
void* sampleScratch(size_t bytes) {
  static thread_local std::vector<unsigned char> scratch;
  if (scratch.size() < bytes) scratch.resize(bytes);
  return scratch.data();
}

/**
 * The terms of sample's split rows, kept from one call to the next: a fresh buffer per call costs
 * its page faults (an 8 MB one more than splitting a 2^21 row saved). One call at a time holds it.
 * Never freed, so that no call outlives it at exit.
 */
struct SpareTerms {
  std::mutex mutex;
  std::vector<unsigned char> buffer;
};

SpareTerms& spareTerms() {
  static SpareTerms* spare = new SpareTerms();
  return *spare;
}

std::vector<unsigned char> takeTerms(size_t bytes) {
  std::vector<unsigned char> terms;
  {
    SpareTerms& spare = spareTerms();
    std::lock_guard<std::mutex> lock(spare.mutex);
    terms.swap(spare.buffer);
  }
  if (terms.size() < bytes) terms = std::vector<unsigned char>(bytes);
  return terms;
}

void keepTerms(std::vector<unsigned char>&& terms) {
  SpareTerms& spare = spareTerms();
  std::lock_guard<std::mutex> lock(spare.mutex);
  if (terms.size() > spare.buffer.size()) spare.buffer.swap(terms);
}

/** The logits kernel of `w` on rows [from, to). */
template <class T>
void runLogitsAs(const LogitsKernels<T>& lk, const Work& w, size_t from, size_t to) {
  const size_t cols = w.cols, n = to - from;
  const LogitsArgs& a = w.logits;
  const T* x = static_cast<const T*>(w.in) + from * cols;
  if (n == 0) return;
  switch (w.op) {
    case Op::kArgmax: return lk.argmax(x, a.index + from, n, cols);
    case Op::kTopK:
      return lk.top_k(x, a.index + from * a.k, static_cast<T*>(a.values) + from * a.k, n, cols, a.k, w.temperature, a.valuesKind);
    case Op::kCrossEntropy:
      return lk.cross_entropy(x, a.target + from, a.unsignedTarget, a.hasIgnore, a.ignore, static_cast<T*>(a.values) + from, n,
                              cols, w.temperature);
    case Op::kSample:
      return lk.sample(x, a.u + from, a.index + from, n, cols, w.temperature, a.topK, a.topP, a.minP,
                       sampleScratch((cols + kSampleSlack) * (2 * sizeof(T) + sizeof(int32_t))));
    default: return;
  }
}

void runLogits(const KernelTable& table, const Work& w, size_t from, size_t to) {
  if (w.f64) runLogitsAs(table.logits64, w, from, to);
  else runLogitsAs(table.logits32, w, from, to);
}

/** (m − xt)/t without a spurious overflow of m − xt when t > 1 (then halves: exact), as the kernels. */
double scaledGap(double m, double xt, double t) { return t > 1 ? (m * 0.5 - xt * 0.5) / (t * 0.5) : (m - xt) / t; }

/** Whether (av, ai) ranks above (bv, bi) in topK's order: larger first, equal by lower index, NaN last. */
bool ranksAbove(double av, int32_t ai, double bv, int32_t bi) {
  if (av != av) return bv != bv && ai < bi;
  if (bv != bv) return true;
  return av > bv || (av == bv && ai < bi);
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
  if (isLogits(work.op)) runLogits(table, work, 0, work.length / work.cols);
  else if (work.f64) runAs(table.f64, work);
  else runAs(table.f32, work);
}

Schedule::~Schedule() {
  if (!terms_.empty()) keepTerms(std::move(terms_));
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
    startRow();  // cuts the row into parts
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
  cut(work_.cols, 1);
  const LogitsArgs& a = work_.logits;
  bool ignored = false;
  if (work_.op == Op::kCrossEntropy && a.hasIgnore) {
    const long long target = a.unsignedTarget ? static_cast<long long>(static_cast<uint32_t>(a.target[row_])) : a.target[row_];
    ignored = target == a.ignore;
  }
  const bool sampleWhole = work_.op == Op::kSample && (a.topK > 0 || work_.cols < kSampleSplitFrom);
  if (sampleWhole || ignored) {
    phase_ = Phase::kWholeRow;
    chunks_ = 1;
  } else {
    if (work_.op == Op::kSample && terms_.empty()) terms_ = takeTerms(work_.cols * (work_.f64 ? sizeof(double) : sizeof(float)));
    phase_ = isBackward(work_.op) ? Phase::kSum : work_.op == Op::kArgmax ? Phase::kArgmaxParts : Phase::kMax;
  }
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
    if (isLogits(work_.op)) return runLogits(table_, work_, from, to);
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
  T* out = work_.out == nullptr ? nullptr : static_cast<T*>(work_.out) + (work_.op == Op::kLogSumExp ? 0 : offset);
  const size_t part = from / chunkUnits_;
  double& result = results_[part];
  const double t = work_.temperature;
  switch (phase_) {
    case Phase::kMax:
      result = static_cast<double>(k.row_max(x, n));
      return;
    case Phase::kSum:
      if (work_.op == Op::kSoftmaxBackward) result = k.dot(x, dy, n);
      else if (work_.op == Op::kLogSoftmaxBackward) result = k.sum(dy, n);
      else result = k.exp_sum(x, work_.op == Op::kSoftmax ? out : work_.op == Op::kSample ? terms<T>() + from : nullptr, n,
                              static_cast<T>(max_), t);
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
    case Phase::kArgmaxParts: {
      int32_t j = 0;
      logitsOf<T>(table_).argmax(x, &j, 1, n);
      result = static_cast<double>(from + static_cast<size_t>(j));
      return;
    }
    case Phase::kTopKParts: {
      // this part's best (as logits) into its slot, and its Σ e^((x − m)/t)
      const size_t kk = work_.logits.k, kept = std::min(kk, n);
      T* values = reinterpret_cast<T*>(partValues_.data() + part * kk);
      int32_t* indices = partIndices_.data() + part * kk;
      logitsOf<T>(table_).top_k(x, indices, values, 1, n, kept, 1, 2);
      for (size_t j = 0; j < kept; ++j) indices[j] += static_cast<int32_t>(from);
      if (work_.logits.valuesKind != 2) result = k.exp_sum(x, nullptr, n, static_cast<T>(max_), work_.temperature);
      return;
    }
    case Phase::kWholeRow:
      runLogits(table_, work_, row_, row_ + 1);
      return;
    case Phase::kSampleDraw: {
      const LogitsArgs& a = work_.logits;
      void* scratch = sampleScratch((work_.cols + kSampleSlack) * sizeof(T));
      a.index[row_] = logitsOf<T>(table_).sample_terms(terms<T>(), work_.cols, total_, a.u[row_], a.topP, a.minP, scratch);
      return;
    }
    case Phase::kUnits:
      return;
  }
}

/** topK of the long row in progress: the parts' best merged into the row's k best, and their values. */
template <class T>
void Schedule::mergeTopK(const TypedKernels<T>& k) {
  const LogitsArgs& a = work_.logits;
  const size_t kk = a.k;
  std::vector<std::pair<double, int32_t>> candidates;
  for (size_t part = 0; part < chunks_; ++part) {
    const size_t from = part * chunkUnits_, kept = std::min(kk, std::min(units_, from + chunkUnits_) - from);
    const T* values = reinterpret_cast<const T*>(partValues_.data() + part * kk);
    for (size_t j = 0; j < kept; ++j) candidates.emplace_back(static_cast<double>(values[j]), partIndices_[part * kk + j]);
  }
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(kk), candidates.end(),
                    [](const std::pair<double, int32_t>& p, const std::pair<double, int32_t>& q) {
                      return ranksAbove(p.first, p.second, q.first, q.second);
                    });
  T* values = static_cast<T*>(a.values) + row_ * kk;
  int32_t* indices = a.index + row_ * kk;
  for (size_t j = 0; j < kk; ++j) values[j] = static_cast<T>(candidates[j].first), indices[j] = candidates[j].second;
  if (a.valuesKind == 2) return;
  const double s = table_.f64.sum(results_.data(), results_.size());
  const T m = static_cast<T>(max_);
  if (a.valuesKind == 1) {
    k.log_softmax_finish(values, values, kk, m, work_.temperature, static_cast<T>(std::log(s)));
  } else {
    k.exp_sum(values, values, kk, m, work_.temperature);
    k.scale(values, kk, static_cast<T>(1 / s));
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
      if (isLogits(work_.op)) {  // a row whose max is not finite runs whole, by the kernel's own rules
        phase_ = !std::isfinite(m) ? Phase::kWholeRow : work_.op == Op::kTopK ? Phase::kTopKParts : Phase::kSum;
        if (phase_ == Phase::kWholeRow) chunks_ = 1;
        if (phase_ == Phase::kTopKParts) {
          partValues_.assign(chunks_ * work_.logits.k, 0.0);
          partIndices_.assign(chunks_ * work_.logits.k, 0);
        }
        return true;
      }
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
      if (work_.op == Op::kCrossEntropy) {
        if (s != s) {  // a NaN that the max let through
          phase_ = Phase::kWholeRow;
          chunks_ = 1;
          return true;
        }
        const LogitsArgs& a = work_.logits;
        const size_t target = a.unsignedTarget ? static_cast<uint32_t>(a.target[row_]) : static_cast<size_t>(a.target[row_]);
        const size_t at = row_ * work_.cols + target;
        const double xt = work_.f64 ? static_cast<const double*>(work_.in)[at] : static_cast<const float*>(work_.in)[at];
        const double v = std::log(s) + scaledGap(max_, xt, work_.temperature);
        if (work_.f64) static_cast<double*>(a.values)[row_] = v;
        else static_cast<float*>(a.values)[row_] = static_cast<float>(v);
        break;
      }
      if (work_.op == Op::kSample) {  // the draw from the terms in one chunk, or the whole row for a NaN
        phase_ = s != s ? Phase::kWholeRow : Phase::kSampleDraw;
        chunks_ = 1;
        total_ = s;
        return true;
      }
      phase_ = Phase::kFinish;
      if (work_.op == Op::kLogSumExp) {
        storeRowValue(max_ + std::log(s));
        break;
      }
      total_ = work_.op == Op::kSoftmax ? 1 / s : work_.op == Op::kLogSoftmax ? std::log(s) : s;
      return true;
    }
    case Phase::kArgmaxParts: {
      // the parts in order: the first NaN found, else the largest value, the earliest part on ties
      const size_t base = row_ * work_.cols;
      auto at = [&](double j) {
        const size_t i = base + static_cast<size_t>(j);
        return work_.f64 ? static_cast<const double*>(work_.in)[i] : static_cast<double>(static_cast<const float*>(work_.in)[i]);
      };
      double best = results_[0];
      for (const double j : results_) {
        if (at(best) != at(best)) break;
        if (at(j) != at(j) || at(j) > at(best)) best = j;
      }
      work_.logits.index[row_] = static_cast<int32_t>(best);
      break;
    }
    case Phase::kTopKParts: {
      const double s = table_.f64.sum(results_.data(), results_.size());
      if (work_.logits.valuesKind != 2 && s != s) {  // a NaN that the max let through
        phase_ = Phase::kWholeRow;
        chunks_ = 1;
        return true;
      }
      if (work_.f64) mergeTopK(table_.f64);
      else mergeTopK(table_.f32);
      break;
    }
    case Phase::kFinish:
    case Phase::kSpecial:
    case Phase::kWholeRow:
    case Phase::kSampleDraw:
      break;
  }
  // The row is done (logSumExp of a special row: its value is the max, or NaN).
  if (work_.op == Op::kLogSumExp && phase_ == Phase::kSpecial) storeRowValue(max_);
  if (++row_ >= rows_) return false;
  startRow();
  return true;
}

}  // namespace sigmax
