// Differential test of the native kernel tables (no Node): every kernel of every table compiled in is
// compared with kScalarKernels (the reference implementation) and, where the contract (SPEC.md,
// "Numerics") gives a bound against the exact value, with a long double reference computed here.
//
// Built by scripts/test-kernels.sh together with the kernel .cc files. The checking machinery (tables,
// sentinel buffers, references, the comparison, the jobs) is in kernel_check.h, shared with the libFuzzer
// target fuzz_kernels.cc. Which tables exist is declared with -D macros (the tables are extern in
// kernels.h): SIGMAX_TEST_SSE2, SIGMAX_TEST_AVX2,
// SIGMAX_TEST_AVX512, SIGMAX_TEST_NEON; the scalar table is always there. SIGMAX_TEST_AVX512_MODE names
// how the AVX-512 table was built ("hardware" or "emulated via SIMDe"); in the emulated build the table
// runs without a CPU check, otherwise a table whose ISA this CPU lacks is reported as skipped.
// SIGMAX_TEST_SIMDE_SELFCHECK links native/test/simde_selfcheck.cc, run first for the AVX-512 table.
//
// What is checked, per kernel, f32 and f64:
//  - the kernels: sigmoid, sigmoid_derivative, sigmoid_backward, softmax and log_softmax (t = 1 and
//    t ≠ 1), logsumexp, softmax_backward, log_softmax_backward, softmax_jacobian_rows (all rows, and a
//    slice of rows), and the pieces of a row the async path composes: row_max, exp_sum (storing the
//    terms, and not), scale, log_softmax_finish, dot, sum, softmax_backward_finish,
//    log_softmax_backward_finish;
//  - shapes: 1×n for n = 0..70, 1000, 4099, 100000 (two-pass), and 3×17, 100×37, 6×100, 4×1500, 24×22001 (float), 7×1, 1×1, 0×7; element-wise
//    kernels and the row pieces see the same buffers as one vector of rows·cols elements; the
//    Jacobian takes k ≤ 128 and k = 1000;
//  - placement: input and output pointers 0..15 elements past a 64-byte boundary (offsets 0, 3, 13 and
//    four of the input kinds for the 100000-element row, to bound the run time) inside larger buffers
//    whose other elements hold sentinel NaNs: nothing outside the output may change (masked/partial
//    tails), inputs must stay bit-identical, and a sentinel read into a reduction would poison the row;
//    out-of-place, in place (out == x), and for the backward kernels also dx == dy;
//  - inputs (seeded PRNG): uniform, small, log-uniform over the whole range (subnormal to huge), sparse
//    and dense special values (±0, ±inf, NaN, subnormals, huge, the exp clamp thresholds), values a few
//    ulps around the kernels' edges, per-row patterns (constant, all −inf, −inf or NaN but a few entries, NaN, +inf, [1000, 0…], large
//    shift), random bit patterns;
//  - comparison with the scalar table's output, element by element, NaN/inf pattern identical:
//      sigmoid, sigmoidDerivative, sigmoidBackward, Jacobian, scale, softmax_backward_finish: ≤ 2 ulp;
//      row_max: identical (unchecked when the row holds a NaN: the contract leaves that open)
//      softmax: |Δ| ≤ rel·|y| where |y| ≥ ymin, ≤ abs below; f32 rel 1e-5, ymin 1e-30, abs 1e-35 (SPEC);
//               f64 rel 1e-13 (SPEC), ymin 1e-200, abs 1e-213 (SPEC gives no floor for f64: below
//               ~e^-450 the rounding of the inputs' difference x − m alone exceeds 1e-13 relative)
//      logSoftmax, logSumExp, log_softmax_finish: |Δ| ≤ 4e-6·max(1, |y|) (f32), 1e-13·max(1, |y|) (f64)
//      softmaxBackward: |Δ| ≤ tol·|y_i|·(|dy_i| + Σ|y_j·dy_j|); logSoftmaxBackward: |Δ| ≤ tol·(|dy_i| +
//               e^y_i·Σ|dy_j|); tol = 1e-5 (f32), 1e-13 (f64): the contract is silent, this is the
//               softmax bound applied to the magnitude of the terms (the results cancel); the same
//               for log_softmax_backward_finish, and for dot and sum (tol·Σ|terms|); exp_sum: each
//               stored term as softmax, the returned sum within tol relative
//  - comparison with the long double reference (expl/logl on the exact inputs): sigmoid and
//    sigmoidDerivative ≤ 2 ulp; softmax, logSoftmax, logSumExp within the bounds above;
//  - the logits kernels (argmax, top_k, cross_entropy, sample) on every shape and input kind: see
//    logits_check.h;
//  - a dense f32 sweep of sigmoid/sigmoidDerivative (one input in every 64 bit patterns, all of the
//    2^32 range, 2^26 inputs; --sweep-step) and a sampled f64 sweep (2^21 inputs; --f64-samples), against
//    the long double reference (and the scalar table), max ulp printed.
// Prints a summary per table and a final "N passed, M failed"; exits 1 on any failure.
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "kernel_check.h"
#include "logits_check.h"

#if defined(SIGMAX_TEST_SIMDE_SELFCHECK)
int sigmaxSimdeSelfCheck();
#endif

namespace {

// ------------------------------------------------------------------------------------------------
// Options, PRNG

struct Options {
  std::vector<std::string> tables;  // empty: all
  uint64_t seed = 0x5167'6d61'7800'0001ull;
  unsigned sweepStep = 64;  // f32 sweep: one input per `sweepStep` bit patterns; 0 = no sweeps
  size_t f64Samples = size_t(1) << 21;
  unsigned threads = 0;
  bool quick = false;
  size_t maxN = ~size_t(0);  // skip shapes of more elements (--max-n; the cross-compiled run under qemu)
};
Options opt;

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {  // splitmix64
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }
  double range(double a, double b) { return a + (b - a) * uniform(); }
  bool chance(double p) { return uniform() < p; }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

uint64_t mix(uint64_t a, uint64_t b) {
  Rng r(a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull));
  return r.next();
}

// (float traits, tables, buffers, references, comparison, jobs: kernel_check.h)

// ------------------------------------------------------------------------------------------------
// Inputs

enum Kind { kUniform, kSmall, kWide, kSpecial, kDenseSpecial, kEdges, kRowPatterns, kRandomBits, kNegSpecial, kKindCount };
const char* const kKindName[kKindCount] = {
    "uniform[-30,30]", "small[-3,3]", "log-uniform(subnormal..huge)", "specials 10%", "specials 60%",
    "edges(+-ulps)", "row patterns", "random bits", "specials without NaN/+inf"};

template <class T> std::vector<T> edgeValues() {
  using F = FT<T>;
  std::vector<double> base = {0, 1, -1, 0.5, 2, 9, -9, 16.6, -16.6, 17.33, -17.33, 20, -20, 36.7, -36.7, 37.5, -37.5,
                              F::kExpLo, F::kExpHi, F::kMaxLog, -F::kMaxLog, F::kExpLo + 0.5, F::kExpHi - 0.5,
                              log(static_cast<double>(maxFinite<T>())), -log(static_cast<double>(maxFinite<T>())),
                              log(static_cast<double>(minNormal<T>())), log(static_cast<double>(denormMin<T>())),
                              log(static_cast<double>(denormMin<T>())) - 0.7, 1e-8, -1e-8, 0.6931471805599453,
                              -0.34657359027997264, 0.34657359027997264, 100, -100, 1000, -1000};
  std::vector<T> v;
  for (double b : base) {
    T x = static_cast<T>(b);
    v.push_back(x);
    T up = x, down = x;
    for (int k = 0; k < 3; ++k) {
      up = nextafter(up, inf<T>());
      down = nextafter(down, -inf<T>());
      v.push_back(up);
      v.push_back(down);
    }
  }
  return v;
}

template <class T> T specialA(Rng& r, double huge) {  // no NaN, no +inf
  switch (r.below(14)) {
    case 0: return T(0);
    case 1: return -T(0);
    case 2: return -inf<T>();
    case 3: return denormMin<T>();
    case 4: return -denormMin<T>();
    case 5: return fromBits<T>(static_cast<typename FT<T>::U>(r.next() % toBits(minNormal<T>())));  // subnormal
    case 6: return -fromBits<T>(static_cast<typename FT<T>::U>(r.next() % toBits(minNormal<T>())));
    case 7: return minNormal<T>();
    case 8: return static_cast<T>(huge * r.range(0.5, 1));
    case 9: return static_cast<T>(-huge * r.range(0.5, 1));
    case 10: return static_cast<T>(FT<T>::kExpLo - r.uniform());
    case 11: return static_cast<T>(FT<T>::kExpHi + r.uniform());
    case 12: return static_cast<T>(r.chance(0.5) ? 1e-30 : -1e-30);
    default: return static_cast<T>(r.range(-1e6, 1e6));
  }
}
template <class T> T specialB(Rng& r) { return r.chance(0.5) ? qnan<T>() : inf<T>(); }

template <class T> T wideValue(Rng& r) {
  const double e = r.range(FT<T>::kMinExp2, FT<T>::kMaxExp2 + 1);
  const T v = static_cast<T>(ldexp(r.range(1, 2), static_cast<int>(floor(e))));
  return r.chance(0.5) ? -v : v;
}

template <class T> void fillRowPattern(Rng& r, T* x, size_t n) {
  const size_t p = r.below(12);
  for (size_t i = 0; i < n; ++i) x[i] = static_cast<T>(r.range(-30, 30));
  if (n == 0) return;
  switch (p) {
    case 0: { const T c = static_cast<T>(r.range(-50, 50)); for (size_t i = 0; i < n; ++i) x[i] = c; break; }
    case 1: for (size_t i = 0; i < n; ++i) x[i] = -inf<T>(); break;
    case 2: x[r.below(n)] = qnan<T>(); break;
    case 3: x[r.below(n)] = inf<T>(); break;
    case 4: x[r.below(n)] = inf<T>(); x[r.below(n)] = inf<T>(); x[r.below(n)] = -inf<T>(); break;
    case 5: for (size_t i = 0; i < n; ++i) x[i] = i == 0 ? T(1000) : T(0); break;
    case 6: { const T s = static_cast<T>(sizeof(T) == 4 ? 1e4 : 1e12); for (size_t i = 0; i < n; ++i) x[i] += s; break; }
    case 7: for (size_t i = 0; i < n; ++i) if (r.chance(0.5)) x[i] = -inf<T>(); break;
    case 8: for (size_t i = 0; i < n; ++i) x[i] = i == n / 2 ? T(0) : static_cast<T>(-FT<T>::kHuge); break;
    case 9:  // masked logits: −∞ but for a few entries (fewer than topK's k, often)
      for (size_t i = 0; i < n; ++i) x[i] = -inf<T>();
      for (size_t j = 1 + r.below(3); j > 0; --j) x[r.below(n)] = static_cast<T>(r.range(-30, 30));
      break;
    case 10:  // NaN but for a few entries
      for (size_t i = 0; i < n; ++i) x[i] = qnan<T>();
      for (size_t j = 1 + r.below(3); j > 0; --j) x[r.below(n)] = static_cast<T>(r.range(-30, 30));
      break;
    default: for (size_t i = 0; i < n; ++i) x[i] = i == 0 ? T(0) : T(-1000); break;
  }
}

template <class T> void genInput(Kind kind, Rng& r, T* x, size_t rows, size_t cols) {
  const size_t n = rows * cols;
  static const std::vector<T> edges = edgeValues<T>();
  using U = typename FT<T>::U;
  for (size_t i = 0; i < n; ++i) {
    T& v = x[i];
    switch (kind) {
      case kUniform: v = static_cast<T>(r.range(-30, 30)); break;
      case kSmall: v = static_cast<T>(r.range(-3, 3)); break;
      case kWide: v = wideValue<T>(r); break;
      case kSpecial:
        v = r.chance(0.01) ? specialB<T>(r) : r.chance(0.1) ? specialA<T>(r, maxFinite<T>()) : static_cast<T>(r.range(-30, 30));
        break;
      case kDenseSpecial:
        v = r.chance(0.1) ? specialB<T>(r) : r.chance(0.6) ? specialA<T>(r, maxFinite<T>()) : wideValue<T>(r);
        break;
      case kEdges: v = r.chance(0.8) ? edges[r.below(edges.size())] : static_cast<T>(r.range(-110, 95)); break;
      case kRandomBits: v = fromBits<T>(static_cast<U>(r.next())); break;
      case kNegSpecial: v = r.chance(0.1) ? specialA<T>(r, FT<T>::kHuge) : static_cast<T>(r.range(-30, 30)); break;
      default: v = 0; break;
    }
  }
  if (kind == kRowPatterns)
    for (size_t row = 0; row < rows; ++row) fillRowPattern(r, x + row * cols, cols);
}

/** dy for the backward kernels: moderate values, with specials (no finite value large enough that the
 *  order of a 1e5-term sum decides between overflow and a finite result). */
template <class T> void genDy(Kind kind, Rng& r, T* dy, size_t n) {
  const bool specials = kind == kSpecial || kind == kDenseSpecial || kind == kRandomBits || kind == kNegSpecial;
  for (size_t i = 0; i < n; ++i) {
    T v = static_cast<T>(r.range(-2, 2));
    if (kind == kEdges) v = static_cast<T>(r.range(-1e-3, 1e-3));
    if (specials && r.chance(0.1)) {
      switch (r.below(8)) {
        case 0: v = T(0); break;
        case 1: v = -T(0); break;
        case 2: v = r.chance(0.5) ? inf<T>() : -inf<T>(); break;
        case 3: v = qnan<T>(); break;
        case 4: v = denormMin<T>(); break;
        case 5: v = static_cast<T>(r.chance(0.5) ? FT<T>::kHuge : -FT<T>::kHuge); break;
        case 6: v = static_cast<T>(1e-30); break;
        default: v = wideValue<T>(r); if (fabs(static_cast<double>(v)) > FT<T>::kHuge) v = T(3); break;
      }
    }
    dy[i] = v;
  }
}

// ------------------------------------------------------------------------------------------------
// The case loop

struct Shape {
  size_t rows, cols;
};

std::vector<LogitsCheck> gLogits;  // per table: the logits kernels (logits_check.h)

template <class T> void runType(std::vector<TableEntry>& tables, std::vector<TableStats>& stats) {
  std::vector<Shape> shapes;
  for (size_t n = 0; n <= 70; ++n) shapes.push_back({1, n});
  for (size_t n : {size_t(1000), size_t(4099), size_t(100000)}) shapes.push_back({1, n});
  shapes.push_back({3, 17});
  shapes.push_back({100, 37});
  shapes.push_back({6, 100});   // rows past the short-row kernels: each row's max found during the previous row
  shapes.push_back({4, 1500});
  // a float batch past L2 (the realigned softmax terms, float only), every row at another offset
  if (sizeof(T) == sizeof(float)) shapes.push_back({24, 22001});
  shapes.push_back({7, 1});
  shapes.push_back({1, 1});
  shapes.push_back({0, 7});
  Arena<T> arA, arB, arO;
  const T temps[] = {T(0.37), T(2.5), T(0.01), T(100)};

  for (size_t si = 0; si < shapes.size(); ++si) {
    const Shape sh = shapes[si];
    const size_t n = sh.rows * sh.cols;
    if (n > opt.maxN) continue;
    std::vector<Kind> kinds;
    std::vector<size_t> offsets;
    if (n <= 4099) {
      for (int k = 0; k < kKindCount; ++k) kinds.push_back(static_cast<Kind>(k));
      for (size_t o = 0; o <= kMaxOff; ++o) offsets.push_back(o);
    } else {
      for (Kind k : {kUniform, kWide, kNegSpecial, kRowPatterns}) kinds.push_back(k);
      for (size_t o : {0, 3, 13}) offsets.push_back(o);
    }
    if (opt.quick) {  // a smoke run: the first three kinds, four offsets
      while (kinds.size() > 3) kinds.pop_back();
      if (offsets.size() > 4) {
        offsets.clear();
        for (size_t o : {0, 1, 7, 15}) offsets.push_back(o);
      }
    }
    for (Kind kind : kinds) {
      const uint64_t seed = mix(opt.seed, (si * 131 + kind) * 2 + (sizeof(T) == 8));
      Rng rng(seed);
      std::vector<T> x(n), dy(n);
      genInput(kind, rng, x.data(), sh.rows, sh.cols);
      genDy(kind, rng, dy.data(), n);
      const T t = temps[seed % 4];
      const std::string input = fmt("%s (seed 0x%016llx)", kKindName[kind], static_cast<unsigned long long>(seed));
      const size_t rows = sh.rows, cols = sh.cols;
      const bool realistic = kind == kUniform || kind == kSmall || kind == kRowPatterns;
      const bool rawLog = kind == kEdges;  // e^y near overflow: y straight from the edge values
      const bool jac = n <= 128 || (n == 1000 && (kind == kUniform || kind == kSpecial || kind == kRowPatterns));
      for (size_t ti = 0; ti < tables.size(); ++ti) {
        if (tables[ti].runnable) checkLogits(tables[ti], x, rows, cols, t, seed, gLogits[ti]);
      }
      std::vector<Job<T>> jobs = makeJobs(x, dy, rows, cols, t, realistic, rawLog, jac, input);
      for (Job<T>& job : jobs) {
        const FnInfo& info = kFn[job.fn];
        std::vector<size_t> offs = offsets;
        if ((job.fn == kJac || job.fn == kJacPart) && n >= 1000) offs = {0, 7};
        for (size_t ti = 0; ti < tables.size(); ++ti) {
          if (!tables[ti].runnable) continue;
          for (size_t off : offs) {
            runPlacement(tables[ti], stats[ti], job, 0, off, arA, arB, arO);
            if (info.inplaceA) runPlacement(tables[ti], stats[ti], job, 1, off, arA, arB, arO);
            if (info.inplaceB) runPlacement(tables[ti], stats[ti], job, 2, off, arA, arB, arO);
          }
        }
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Sweeps of sigmoid and sigmoidDerivative against the long double reference

template <class T> void sweepCompare(SweepStat& s, const T* x, const T* got, const T* scal, const LD* ref, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    ++s.inputs;
    const T g = got[i], r = static_cast<T>(ref[i]);
    if (!sameClass(g, r) || !sameClass(g, scal[i])) {
      ++s.classMismatch;
      continue;
    }
    if (isNan(r) || isInf(r)) continue;
    const double e = ulpError(g, ref[i]), d = ulpDistance(g, scal[i]);
    if (e > s.maxRef) s.maxRef = e, s.argRef = static_cast<double>(x[i]), s.gotAtMax = static_cast<double>(g), s.refAtMax = ref[i];
    if (d > s.maxScalar) s.maxScalar = d, s.argScalar = static_cast<double>(x[i]);
    if (e > 2) ++s.overRef;
    if (d > 2) ++s.overScalar;
  }
}

void mergeSweep(SweepStat& into, const SweepStat& s) {
  into.inputs += s.inputs;
  into.overRef += s.overRef;
  into.overScalar += s.overScalar;
  into.classMismatch += s.classMismatch;
  if (s.maxRef > into.maxRef) into.maxRef = s.maxRef, into.argRef = s.argRef, into.gotAtMax = s.gotAtMax, into.refAtMax = s.refAtMax;
  if (s.maxScalar > into.maxScalar) into.maxScalar = s.maxScalar, into.argScalar = s.argScalar;
}

/** Runs `gen(chunk, x)` chunks on worker threads; every runnable table is compared on each chunk. */
template <class T> void sweep(std::vector<TableEntry>& tables, std::vector<TableStats>& stats, size_t chunks, size_t chunkSize,
                              const std::function<void(size_t, T*)>& gen) {
  const int ti = sizeof(T) == 4 ? 0 : 1;
  unsigned nThreads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<size_t> nextChunk(0);
  std::vector<std::vector<SweepStat>> local(nThreads, std::vector<SweepStat>(tables.size() * 2));
  auto worker = [&](unsigned w) {
    std::vector<T> x(chunkSize), scal(chunkSize), scalD(chunkSize), got(chunkSize);
    std::vector<LD> refS(chunkSize), refD(chunkSize);
    for (size_t c; (c = nextChunk.fetch_add(1)) < chunks;) {
      gen(c, x.data());
      for (size_t i = 0; i < chunkSize; ++i) {
        if (isNan(x[i])) { refS[i] = refD[i] = qnan<LD>(); continue; }
        const LD e = expl(-fabsl(static_cast<LD>(x[i]))), f = e / (1 + e);
        refS[i] = x[i] > 0 ? 1 - f : f;
        refD[i] = e / ((1 + e) * (1 + e));
      }
      typed<T>(sigmax::kScalarKernels).sigmoid(x.data(), scal.data(), chunkSize);
      typed<T>(sigmax::kScalarKernels).sigmoid_derivative(x.data(), scalD.data(), chunkSize);
      for (size_t t = 0; t < tables.size(); ++t) {
        if (!tables[t].runnable) continue;
        typed<T>(*tables[t].table).sigmoid(x.data(), got.data(), chunkSize);
        sweepCompare(local[w][t * 2], x.data(), got.data(), scal.data(), refS.data(), chunkSize);
        typed<T>(*tables[t].table).sigmoid_derivative(x.data(), got.data(), chunkSize);
        sweepCompare(local[w][t * 2 + 1], x.data(), got.data(), scalD.data(), refD.data(), chunkSize);
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < nThreads; ++w) pool.emplace_back(worker, w);
  for (auto& th : pool) th.join();
  for (size_t t = 0; t < tables.size(); ++t) {
    if (!tables[t].runnable) continue;
    stats[t].sweepRan[ti] = true;
    for (int f = 0; f < 2; ++f) {
      SweepStat& s = stats[t].sweep[ti][f];
      for (unsigned w = 0; w < nThreads; ++w) mergeSweep(s, local[w][t * 2 + f]);
      const bool ok = s.overRef == 0 && s.overScalar == 0 && s.classMismatch == 0;
      ++stats[t].checks;
      if (ok) ++totalPassed;
      else {
        ++totalFailed, ++stats[t].failed;
        printf("FAIL %s %s %s sweep: %ld of %ld inputs over 2 ulp vs reference, %ld over 2 ulp vs scalar, %ld NaN/inf "
               "mismatches; worst x=%s: got %s, reference %s (%.3f ulp)\n",
               tables[t].name, FT<T>::name(), f ? "sigmoid_derivative" : "sigmoid", s.overRef, s.inputs, s.overScalar,
               s.classMismatch, show(static_cast<T>(s.argRef)).c_str(), show(static_cast<T>(s.gotAtMax)).c_str(),
               showLD(s.refAtMax).c_str(), s.maxRef);
      }
    }
  }
}

void runSweeps(std::vector<TableEntry>& tables, std::vector<TableStats>& stats) {
  if (opt.sweepStep == 0) return;
  // f32: one input in every `step` bit patterns over all 2^32, at a pseudo-random position inside each
  // block of `step` (patterns whose low bits are all zero would over-sample short mantissas).
  const uint64_t step = opt.sweepStep, count = (uint64_t(1) << 32) / step;
  const size_t chunkSize = 1 << 16;
  const size_t chunks = static_cast<size_t>((count + chunkSize - 1) / chunkSize);
  sweep<float>(tables, stats, chunks, chunkSize, [=](size_t c, float* x) {
    for (size_t i = 0; i < chunkSize; ++i) {
      const uint64_t k = (c * chunkSize + i) % count;
      const uint64_t jitter = (k * 0x9e3779b1ull >> 7) % step;
      x[i] = fromBits<float>(static_cast<uint32_t>(k * step + jitter));
    }
  });
  // f64: sampled — dense in [-40, 40] (where the rounding is decided), the whole exp range, edges,
  // random bit patterns.
  const std::vector<double> edges = edgeValues<double>();
  const size_t chunks64 = (opt.f64Samples + chunkSize - 1) / chunkSize;
  sweep<double>(tables, stats, chunks64, chunkSize, [=, &edges](size_t c, double* x) {
    Rng r(mix(opt.seed, 0xf64000 + c));
    for (size_t i = 0; i < chunkSize; ++i) {
      switch (r.below(8)) {
        case 0: case 1: case 2: x[i] = r.range(-40, 40); break;
        case 3: x[i] = r.range(-750, 750); break;
        case 4: x[i] = edges[r.below(edges.size())]; break;
        case 5: x[i] = wideValue<double>(r); break;
        case 6: x[i] = r.range(-3, 3); break;
        default: x[i] = fromBits<double>(r.next()); break;
      }
    }
  });
}

// ------------------------------------------------------------------------------------------------

void printSummary(const std::vector<TableEntry>& tables, const std::vector<TableStats>& stats) {
  printf("\n================ summary ================\n");
  for (size_t t = 0; t < tables.size(); ++t) {
    const TableEntry& te = tables[t];
    const TableStats& ts = stats[t];
    printf("\n[%s] %s\n", te.name, te.mode.c_str());
    if (!te.runnable) continue;
    if (ts.selfcheckFailures >= 0)
      printf("  AVX-512 primitive self-check (native/test/simde_selfcheck.cc): %s\n", ts.selfcheckFailures == 0 ? "ok" : fmt("%d FAILED", ts.selfcheckFailures).c_str());
    printf("  %-4s %-22s %7s %6s %-17s %-18s %s\n", "type", "kernel", "checks", "failed", " (scalar/ref/mem)",
           "worst vs scalar", "worst vs reference");
    for (int ty = 0; ty < 2; ++ty)
      for (int f = 0; f < kFnCount; ++f) {
        const Stat& s = ts.fn[ty][f];
        if (s.checks == 0) continue;
        const bool ulp = inUlps(kFn[f].cmp);
        const std::string ws = ulp ? fmt("%.0f ulp", s.worstScalar) : fmt("%.3g of bound", s.worstScalar);
        const std::string wr = !kFn[f].ref ? "-" : ulp ? fmt("%.3f ulp", s.worstRef) : fmt("%.3g of bound", s.worstRef);
        const std::string why = s.failed ? fmt("(%ld/%ld/%ld)", s.failScalar, s.failRef, s.failMemory) : "";
        printf("  %-4s %-22s %7ld %6ld %-17s %-18s %s\n", ty ? "f64" : "f32", kFn[f].name, s.checks, s.failed, why.c_str(),
               ws.c_str(), wr.c_str());
      }
    for (int ty = 0; ty < 2; ++ty) {
      if (!ts.sweepRan[ty]) continue;
      for (int f = 0; f < 2; ++f) {
        const SweepStat& s = ts.sweep[ty][f];
        printf("  sweep %s %-18s %10ld inputs: max %.3f ulp vs reference (x=%.9g), max %.0f ulp vs scalar; %ld over 2 ulp, %ld NaN/inf mismatches\n",
               ty ? "f64" : "f32", f ? "sigmoid_derivative" : "sigmoid", s.inputs, s.maxRef, s.argRef, s.maxScalar,
               s.overRef + s.overScalar, s.classMismatch);
      }
    }
    printf("  => %ld checks, %ld failed\n", ts.checks, ts.failed);
  }
}

void usage() {
  printf("usage: kernel_test [--tables=scalar,sse2,avx2,avx512,neon] [--seed=N] [--sweep-step=N (0: no sweeps)]\n"
         "                   [--f64-samples=N] [--threads=N] [--max-print=N] [--quick] [--max-n=N]\n");
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char* key) -> const char* {
      const size_t l = strlen(key);
      return a.compare(0, l, key) == 0 ? a.c_str() + l : nullptr;
    };
    if (const char* v = val("--tables=")) {
      std::string s = v;
      for (size_t p = 0; p <= s.size();) {
        size_t q = s.find(',', p);
        if (q == std::string::npos) q = s.size();
        if (q > p) opt.tables.push_back(s.substr(p, q - p));
        p = q + 1;
      }
    } else if (const char* v = val("--seed=")) opt.seed = strtoull(v, nullptr, 0);
    else if (const char* v = val("--sweep-step=")) opt.sweepStep = static_cast<unsigned>(strtoul(v, nullptr, 0));
    else if (const char* v = val("--f64-samples=")) opt.f64Samples = strtoull(v, nullptr, 0);
    else if (const char* v = val("--threads=")) opt.threads = static_cast<unsigned>(strtoul(v, nullptr, 0));
    else if (const char* v = val("--max-print=")) checkMaxPrint = atoi(v);
    else if (a == "--quick") opt.quick = true;
    else if (const char* v = val("--max-n=")) opt.maxN = strtoull(v, nullptr, 0);
    else {
      usage();
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  if (opt.sweepStep && ((opt.sweepStep & (opt.sweepStep - 1)) != 0)) {
    fprintf(stderr, "--sweep-step must be a power of two\n");
    return 2;
  }

  std::vector<TableEntry> tables;
  for (const TableEntry& t : allTables()) {
    bool want = opt.tables.empty();
    for (const std::string& n : opt.tables) want = want || n == t.name;
    if (want) tables.push_back(t);
  }
  for (const std::string& n : opt.tables) {
    bool found = false;
    for (const TableEntry& t : tables) found = found || n == t.name;
    if (!found) {
      fprintf(stderr, "kernel_test: table '%s' is not compiled into this build\n", n.c_str());
      return 2;
    }
  }
  std::vector<TableStats> stats(tables.size());
  printf("kernel_test: seed 0x%016llx, tables:", static_cast<unsigned long long>(opt.seed));
  for (const TableEntry& t : tables) printf(" %s (%s)", t.name, t.mode.c_str());
  printf("\n");
  fflush(stdout);

  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
#if defined(SIGMAX_TEST_SIMDE_SELFCHECK)
  for (size_t t = 0; t < tables.size(); ++t) {
    if (!tables[t].selfcheck) continue;
    stats[t].selfcheckFailures = sigmaxSimdeSelfCheck();
    ++stats[t].checks;
    if (stats[t].selfcheckFailures) ++stats[t].failed, ++totalFailed;
    else ++totalPassed;
  }
#endif
  gLogits.assign(tables.size(), LogitsCheck());
  sigmax::gTwoPassRowBytes = size_t(256) << 10;  // the 100000-element rows take the two-pass path, the others three
  runType<float>(tables, stats);
  printf("kernel_test: f32 cases done (%.1f s)\n", elapsed());
  fflush(stdout);
  runType<double>(tables, stats);
  printf("kernel_test: f64 cases done (%.1f s)\n", elapsed());
  fflush(stdout);
  runSweeps(tables, stats);
  printf("kernel_test: sweeps done (%.1f s)\n", elapsed());
  printSummary(tables, stats);
  for (size_t ti = 0; ti < tables.size(); ++ti) {
    printf("logits kernels (argmax, top_k, cross_entropy, sample) on %s: %ld checks, %ld failed%s%s\n", tables[ti].name,
           gLogits[ti].checks, gLogits[ti].failed, gLogits[ti].first.empty() ? "" : "; first: ", gLogits[ti].first.c_str());
  }
  printf("\n%ld passed, %ld failed\n", totalPassed, totalFailed);
  return totalFailed ? 1 : 0;
}
