// Checks of the logits kernels (native/logits_body.inc: argmax, top_k, cross_entropy, sample) on one
// kernel table, shared by kernel_test.cc and fuzz_kernels.cc. Include after kernel_check.h.
//
// Per input matrix x (rows × cols) and temperature t, on a table:
//  - argmax: the first NaN, else the lowest index of the max (a plain loop);
//  - top_k, k ∈ {1, min(5, cols), cols when cols ≤ 64, 50 when cols ≥ 100}, values probs / logprobs /
//    logits: indices equal to a full sort by (value desc, index asc, NaN last); logits bit-identical to x; probs and logprobs
//    against a long double softmax within the softmax / log bounds (special rows: the NaN/0/−∞ rules);
//  - cross_entropy (int32 and uint32 targets, one row ignored): against long double logSumExp(x/t) −
//    x[target]/t within the log bound, special values exactly;
//  - sample, three settings of (topK, topP, minP) with draws from the seed: −1 exactly for rows that are
//    not finite; otherwise the index must be the scalar table's (the scalar table itself: always the
//    SPEC check), or one SPEC allows: a candidate of the long double evaluation of steps 1–4 with the
//    cuts relaxed by the bound (and every entry within the bound of the least kept probability, which
//    may swap in at a cut), whose cumulative range holds u·Σ within the bound plus the probability of
//    those extra candidates; the same again with the probabilities rounded to T (near-ties become
//    ties, taken by index, as in the kernels).
// Every output sits between sentinel guards that must stay intact.
#ifndef SIGMAX_TEST_LOGITS_CHECK_H
#define SIGMAX_TEST_LOGITS_CHECK_H

#include <math.h>
#include <stdint.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

/** A 64-bit hash of (seed, i) (SplitMix64's finaliser): targets and draws derived from the case's seed. */
inline uint64_t drawFor(uint64_t seed, uint64_t i) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (i + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

template <class T> const sigmax::LogitsKernels<T>& logitsOf(const KernelTable* table);
template <> const sigmax::LogitsKernels<float>& logitsOf<float>(const KernelTable* table) { return table->logits32; }
template <> const sigmax::LogitsKernels<double>& logitsOf<double>(const KernelTable* table) { return table->logits64; }

/** An output of n elements between guards of sentinels. */
template <class E>
struct Guarded {
  static constexpr size_t kGuard = 19;
  std::vector<E> buf;
  E sentinel;
  Guarded(size_t n, E s) : buf(n + 2 * kGuard, s), sentinel(s) {}
  E* data() { return buf.data() + kGuard; }
  bool intact() const {
    for (size_t i = 0; i < kGuard; ++i) {
      if (memcmp(&buf[i], &sentinel, sizeof(E)) != 0 || memcmp(&buf[buf.size() - 1 - i], &sentinel, sizeof(E)) != 0) return false;
    }
    return true;
  }
};

/** Row order of SPEC: larger first, equal by lower index, NaN last. */
template <class T>
std::vector<size_t> rankOrder(const T* x, size_t n) {
  std::vector<size_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    if (isNan(x[a]) || isNan(x[b])) return !isNan(x[a]) && isNan(x[b]);
    return x[a] > x[b];
  });
  return idx;
}

/** softmax(x/t) and logSoftmax(x/t) of one row in long double; `special` when its max is not finite
 * (then both follow the rules: NaN, or NaN at +∞ and 0 / −∞ elsewhere). */
template <class T>
struct RowRef {
  std::vector<LD> p, logp;
  bool special = false;
  RowRef(const T* x, size_t n, T t) : p(n), logp(n) {
    LD m = -INFINITY;
    bool nan = false;
    for (size_t i = 0; i < n; ++i) {
      if (isNan(x[i])) nan = true;
      else m = std::max(m, static_cast<LD>(x[i]));
    }
    special = nan || isinf(m);
    if (special) {
      for (size_t i = 0; i < n; ++i) {
        const bool bad = nan || m < 0 || x[i] == inf<T>();
        p[i] = bad ? NAN : 0;
        logp[i] = bad ? NAN : -INFINITY;
      }
      return;
    }
    LD s = 0;
    for (size_t i = 0; i < n; ++i) s += p[i] = expl((static_cast<LD>(x[i]) - m) / t);
    const LD logS = logl(s);
    for (size_t i = 0; i < n; ++i) p[i] /= s, logp[i] = (static_cast<LD>(x[i]) - m) / t - logS;
  }
};

struct LogitsCheck {
  long checks = 0, failed = 0;
  std::string first;  // the first failure of each kernel
  void expect(bool ok, const std::string& what) {
    ++checks, ++totalPassed;
    if (ok) return;
    --totalPassed, ++totalFailed, ++failed;
    const std::string kernel = what.substr(0, what.find_first_of(" ("));
    if (first.find(kernel) == std::string::npos) first += (first.empty() ? "" : "\n    ") + what;
  }
};

template <class T>
bool closeProb(T got, LD want) {
  if (isnan(want)) return isNan(got);
  const LD err = fabsl(static_cast<LD>(got) - want);
  return want >= FT<T>::kSoftMin ? err <= FT<T>::kSoftRel * want : err <= FT<T>::kSoftAbs;
}

template <class T>
bool closeLog(T got, LD want) {
  if (isnan(want)) return isNan(got);
  // Beyond T's range: ±∞, or the largest finite value of that sign (logSoftmax's own edge, kernel_body.inc)
  if (fabsl(want) > static_cast<LD>(maxFinite<T>())) return fabsl(static_cast<LD>(got)) >= static_cast<LD>(maxFinite<T>()) && (got > 0) == (want > 0);
  return fabsl(static_cast<LD>(got) - want) <= FT<T>::kLogAbs * std::max<LD>(1, fabsl(want));
}

/** SPEC's steps 1–3 in long double with the cuts moved by `slack` (relative): the candidates, ascending. */
std::vector<size_t> sampleCandidates(const std::vector<LD>& p, size_t topK, double topP, double minP, LD slack) {
  std::vector<size_t> cand(p.size());
  for (size_t i = 0; i < p.size(); ++i) cand[i] = i;
  std::stable_sort(cand.begin(), cand.end(), [&](size_t a, size_t b) { return p[a] > p[b]; });
  if (topK > 0) cand.resize(std::min(topK, cand.size()));
  if (topP < 1) {
    LD total = 0, cum = 0;
    for (size_t i : cand) total += p[i];
    size_t keep = 0;
    while (keep < cand.size()) {
      cum += p[cand[keep++]];
      if (cum >= (topP + slack) * total) break;
    }
    cand.resize(std::max<size_t>(1, keep));
  }
  if (minP > 0) {
    const LD floor = (minP - slack) * p[cand[0]];
    cand.erase(std::remove_if(cand.begin(), cand.end(), [&](size_t i) { return p[i] < floor; }), cand.end());
  }
  std::sort(cand.begin(), cand.end());
  return cand;
}

/** Whether `got` takes draw u among `cand` (ascending): its cumulative range holds u·Σ within `slack`·Σ. */
bool drawsTo(const std::vector<LD>& p, const std::vector<size_t>& cand, double u, long got, LD slack) {
  LD total = 0, before = -1, through = 0;
  for (size_t i : cand) {
    if (static_cast<long>(i) == got) before = total, through = total + p[i];
    total += p[i];
  }
  return before >= 0 && before <= u * total + slack * total && through > u * total - slack * total;
}

/**
 * Whether `got` is an index SPEC allows for draw u: it draws u (within the bound) among the candidates
 * of steps 1–3 with their cuts moved by −tol, 0 or +tol (a cumulative sum within the bound of
 * topP·Σ, or a probability within the bound of minP·max, may fall either way), or among those with
 * every entry within the bound of the least kept probability added (it may swap in at a cut; the
 * slack then grows by their probability).
 */
bool sampleAllowed(const std::vector<LD>& p, size_t topK, double topP, double minP, double u, long got, LD tol) {
  for (LD shift : {-tol, LD(0), tol}) {
    if (drawsTo(p, sampleCandidates(p, topK, topP, minP, shift), u, got, tol)) return true;
  }
  std::vector<size_t> loose = sampleCandidates(p, topK, topP, minP, tol);
  LD least = INFINITY, extra = 0, total = 0;
  for (size_t i : loose) least = std::min(least, p[i]), total += p[i];
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] < least * (1 - tol) || std::binary_search(loose.begin(), loose.end(), i)) continue;
    loose.insert(std::upper_bound(loose.begin(), loose.end(), i), i);
    extra += p[i];
  }
  return drawsTo(p, loose, u, got, tol + extra / total);
}

/** Runs every logits kernel of `table` on x and checks it (see the top of this file). */
template <class T>
void checkLogits(const TableEntry& te, const std::vector<T>& input, size_t rows, size_t cols, T t, uint64_t seed,
                 LogitsCheck& c) {
  if (rows == 0 || cols == 0) return;
  std::vector<T> placed(input.size() + 16);  // x at 0..15 elements past the vector's alignment
  const size_t offset = seed % 16;
  std::copy(input.begin(), input.end(), placed.begin() + offset);
  struct View {
    const T* p;
    size_t n;
    const T* data() const { return p; }
    size_t size() const { return n; }
  } x{placed.data() + offset, input.size()};
  std::vector<RowRef<T>> refs;
  std::vector<std::vector<size_t>> orders;
  for (size_t r = 0; r < rows; ++r) refs.emplace_back(x.data() + r * cols, cols, t), orders.push_back(rankOrder(x.data() + r * cols, cols));
  const sigmax::LogitsKernels<T>& k = logitsOf<T>(te.table);
  const sigmax::LogitsKernels<T>& ref = logitsOf<T>(&sigmax::kScalarKernels);
  const std::vector<T> before(x.data(), x.data() + x.size());
  const T sentinelT = fromBits<T>(FT<T>::kSentinelOut);
  const std::string where = fmt("%s %s %zux%zu t=%s seed 0x%llx", te.name, FT<T>::name(), rows, cols, show(t).c_str(),
                                static_cast<unsigned long long>(seed));
  // argmax
  {
    Guarded<int32_t> out(rows, -7);
    k.argmax(x.data(), out.data(), rows, cols);
    for (size_t r = 0; r < rows; ++r) {
      const T* xr = x.data() + r * cols;
      size_t want = 0;
      bool nan = false;
      for (size_t i = 0; i < cols && !nan; ++i) {
        if (isNan(xr[i])) want = i, nan = true;
        else if (xr[i] > xr[want]) want = i;
      }
      c.expect(out.data()[r] == static_cast<int32_t>(want), fmt("argmax %s row %zu: %d, want %zu", where.c_str(), r, out.data()[r], want));
    }
    c.expect(out.intact(), "argmax wrote outside its output: " + where);
  }
  // top_k
  std::vector<size_t> ks = {1, std::min<size_t>(5, cols)};
  if (cols <= 64) ks.push_back(cols);
  if (cols >= 100) ks.push_back(50);  // a floor from several vectors of lane maxima; many entries may reach it
  for (size_t kk : ks) {
    for (int kind = 0; kind < 3; ++kind) {
      Guarded<int32_t> idx(rows * kk, -7);
      Guarded<T> val(rows * kk, sentinelT);
      k.top_k(x.data(), idx.data(), val.data(), rows, cols, kk, t, kind);
      for (size_t r = 0; r < rows; ++r) {
        const T* xr = x.data() + r * cols;
        const std::vector<size_t>& order = orders[r];
        const RowRef<T>& rr = refs[r];
        for (size_t j = 0; j < kk; ++j) {
          const int32_t got = idx.data()[r * kk + j];
          const T v = val.data()[r * kk + j];
          const std::string what = fmt("top_k(k=%zu, kind %d) %s row %zu #%zu", kk, kind, where.c_str(), r, j);
          c.expect(got == static_cast<int32_t>(order[j]), what + fmt(": index %d, want %zu", got, order[j]));
          if (got != static_cast<int32_t>(order[j])) continue;
          const bool ok = kind == 2 ? memcmp(&v, &xr[order[j]], sizeof(T)) == 0
                          : kind == 0 ? closeProb(v, rr.p[order[j]])
                                      : closeLog(v, rr.logp[order[j]]);
          c.expect(ok, what + ": value " + show(v));
        }
      }
      c.expect(idx.intact() && val.intact(), fmt("top_k(k=%zu) wrote outside its outputs: ", kk) + where);
    }
  }
  // cross_entropy
  for (int uns = 0; uns < 2; ++uns) {
    std::vector<int32_t> target(rows);
    for (size_t r = 0; r < rows; ++r) target[r] = static_cast<int32_t>(drawFor(seed, r) % cols);
    const long long ignore = rows > 1 ? -100 : 0;
    if (rows > 1) target[1] = -100;
    if (uns && rows > 1) target[1] = static_cast<int32_t>(cols - 1);  // uint32: no ignored row
    Guarded<T> out(rows, sentinelT);
    k.cross_entropy(x.data(), target.data(), uns != 0, !uns && rows > 1, ignore, out.data(), rows, cols, t);
    for (size_t r = 0; r < rows; ++r) {
      const T got = out.data()[r];
      const std::string what = fmt("cross_entropy %s row %zu target %d", where.c_str(), r, target[r]);
      if (!uns && rows > 1 && r == 1) {
        c.expect(got == T(0), what + ": ignored row gives " + show(got));
        continue;
      }
      const RowRef<T>& rr = refs[r];
      c.expect(closeLog(got, -rr.logp[static_cast<size_t>(target[r])]), what + ": " + show(got));
    }
    c.expect(out.intact(), "cross_entropy wrote outside its output: " + where);
  }
  // sample
  struct Setting { size_t topK; double topP, minP; };
  const Setting settings[] = {{0, 1, 0}, {std::min<size_t>(7, cols - 1), 0.7, 0.05}, {0, 0.5, 0.02}};
  std::vector<unsigned char> scratch((cols + sigmax::kSampleSlack) * (2 * sizeof(T) + 4) + 64);
  std::vector<double> u(rows);
  for (size_t r = 0; r < rows; ++r) u[r] = static_cast<double>(drawFor(seed, r + 7) >> 11) * 0x1p-53;
  for (const Setting& s : settings) {
    Guarded<int32_t> out(rows, -7), scalarOut(rows, -7);
    k.sample(x.data(), u.data(), out.data(), rows, cols, t, s.topK, s.topP, s.minP, scratch.data() + 16);
    ref.sample(x.data(), u.data(), scalarOut.data(), rows, cols, t, s.topK, s.topP, s.minP, scratch.data() + 16);
    for (size_t r = 0; r < rows; ++r) {
      const int32_t got = out.data()[r];
      const RowRef<T>& rr = refs[r];
      const std::string what = fmt("sample(topK %zu, topP %g, minP %g) %s row %zu u %.17g: %d (scalar %d)", s.topK, s.topP,
                                   s.minP, where.c_str(), r, u[r], got, scalarOut.data()[r]);
      if (rr.special) {
        c.expect(got == -1, what);
        continue;
      }
      std::string row;
      for (size_t i = 0; i < std::min<size_t>(cols, 16); ++i) row += " " + show(x.data()[r * cols + i]);
      const bool scalar = te.table == &sigmax::kScalarKernels;  // the reference table answers to SPEC alone
      // The probabilities as the kernels hold them (rounded to T, so that near-ties become ties by index), also allowed.
      std::vector<LD> rounded(rr.p.size());
      for (size_t i = 0; i < cols; ++i) rounded[i] = static_cast<T>(rr.p[i]);
      const LD tol = 4 * FT<T>::kSoftRel;
      c.expect((!scalar && got == scalarOut.data()[r]) || sampleAllowed(rr.p, s.topK, s.topP, s.minP, u[r], got, tol) ||
                   sampleAllowed(rounded, s.topK, s.topP, s.minP, u[r], got, tol),
               what + "; row" + row);
    }
    c.expect(out.intact(), "sample wrote outside its output: " + where);
    if (s.topK > 0) continue;
    // sample_terms (a split row's draw) from the row's terms: the index sample gave
    const auto& tk = typed<T>(*te.table);
    std::vector<T> w(cols);
    for (size_t r = 0; r < rows; ++r) {
      const T* xr = x.data() + r * cols;
      const T m = tk.row_max(xr, cols);
      if (refs[r].special || !(m == m) || m == inf<T>()) continue;
      const double total = tk.exp_sum(xr, w.data(), cols, m, t);
      if (total != total) continue;
      const int32_t got = k.sample_terms(w.data(), cols, total, u[r], s.topP, s.minP, scratch.data() + 16);
      c.expect(got == out.data()[r], fmt("sample_terms(topP %g, minP %g) %s row %zu: %d, sample %d", s.topP, s.minP,
                                         where.c_str(), r, got, out.data()[r]));
    }
  }
  c.expect(memcmp(before.data(), x.data(), x.size() * sizeof(T)) == 0, "a logits kernel changed its input: " + where);
}

}  // namespace

#endif
