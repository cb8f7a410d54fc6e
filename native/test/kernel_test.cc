// Differential test of the native kernel tables (no Node): every kernel of every table compiled in is
// compared with kScalarKernels (the reference implementation) and, where the contract (SPEC.md,
// "Numerics") gives a bound against the exact value, with a long double reference computed here.
//
// Built by scripts/test-kernels.sh together with the kernel .cc files. Which tables exist is declared
// with -D macros (the tables are extern in kernels.h): SIGMAX_TEST_SSE2, SIGMAX_TEST_AVX2,
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
//  - shapes: 1×n for n = 0..70, 1000, 4099, 100000, and 3×17, 100×37, 7×1, 1×1, 0×7; element-wise
//    kernels and the row pieces see the same buffers as one vector of rows·cols elements; the
//    Jacobian takes k ≤ 128 and k = 1000;
//  - placement: input and output pointers 0..15 elements past a 64-byte boundary (offsets 0, 3, 13 and
//    four of the input kinds for the 100000-element row, to bound the run time) inside larger buffers
//    whose other elements hold sentinel NaNs: nothing outside the output may change (masked/partial
//    tails), inputs must stay bit-identical, and a sentinel read into a reduction would poison the row;
//    out-of-place, in place (out == x), and for the backward kernels also dx == dy;
//  - inputs (seeded PRNG): uniform, small, log-uniform over the whole range (subnormal to huge), sparse
//    and dense special values (±0, ±inf, NaN, subnormals, huge, the exp clamp thresholds), values a few
//    ulps around the kernels' edges, per-row patterns (constant, all −inf, NaN, +inf, [1000, 0…], large
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

#include "kernels.h"

#if defined(SIGMAX_TEST_SIMDE_SELFCHECK)
int sigmaxSimdeSelfCheck();
#endif
#if !defined(SIGMAX_TEST_AVX512_MODE)
#define SIGMAX_TEST_AVX512_MODE "hardware"
#endif

namespace {

using sigmax::KernelTable;
using sigmax::TypedKernels;
typedef long double LD;

// ------------------------------------------------------------------------------------------------
// Options, PRNG, float traits

struct Options {
  std::vector<std::string> tables;  // empty: all
  uint64_t seed = 0x5167'6d61'7800'0001ull;
  unsigned sweepStep = 64;  // f32 sweep: one input per `sweepStep` bit patterns; 0 = no sweeps
  size_t f64Samples = size_t(1) << 21;
  unsigned threads = 0;
  int maxPrint = 6;  // failure details printed per (table, type, kernel)
  bool quick = false;
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

template <class T> struct FT;
template <> struct FT<float> {
  using U = uint32_t;
  static const char* name() { return "f32"; }
  static constexpr int kDigits = 24, kMinExp = -125;  // frexp convention: FLT_MIN = 0.5·2^-125
  static constexpr U kSentinelIn = 0x7fc0a5a5u, kSentinelOut = 0xffc05a5au;
  static constexpr double kSoftRel = 1e-5, kSoftMin = 1e-30, kSoftAbs = 1e-35, kLogAbs = 4e-6, kBwdTol = 1e-5;
  static constexpr double kHuge = 1e30;  // large finite value that no reduction over 1e5 terms overflows
  static constexpr double kMaxLog = 88.0, kExpLo = -104.0, kExpHi = 89.0;
  static constexpr int kMaxExp2 = 127, kMinExp2 = -149;
};
template <> struct FT<double> {
  using U = uint64_t;
  static const char* name() { return "f64"; }
  static constexpr int kDigits = 53, kMinExp = -1021;
  static constexpr U kSentinelIn = 0x7ff8a5a5a5a5a5a5ull, kSentinelOut = 0xfff85a5a5a5a5a5aull;
  static constexpr double kSoftRel = 1e-13, kSoftMin = 1e-200, kSoftAbs = 1e-213, kLogAbs = 1e-13, kBwdTol = 1e-13;
  static constexpr double kHuge = 1e300;
  static constexpr double kMaxLog = 709.0, kExpLo = -746.0, kExpHi = 710.0;
  static constexpr int kMaxExp2 = 1023, kMinExp2 = -1074;
};

template <class T> typename FT<T>::U toBits(T v) {
  typename FT<T>::U u;
  memcpy(&u, &v, sizeof u);
  return u;
}
template <class T> T fromBits(typename FT<T>::U u) {
  T v;
  memcpy(&v, &u, sizeof v);
  return v;
}
template <class T> bool isNan(T v) { return v != v; }
template <class T> bool isInf(T v) { return v == v && v - v != v - v; }
template <class T> T inf() { return static_cast<T>(__builtin_inf()); }
template <class T> T qnan() { return static_cast<T>(__builtin_nan("")); }
template <class T> T denormMin() { return fromBits<T>(1); }
template <class T> T minNormal() { return static_cast<T>(ldexp(1.0, FT<T>::kMinExp - 1)); }
template <class T> T maxFinite() { return fromBits<T>(toBits<T>(inf<T>()) - 1); }

/** Distance in representable values (±0 are the same point); callers handle NaN. */
template <class T> double ulpDistance(T a, T b) {
  using U = typename FT<T>::U;
  const U sign = U(1) << (sizeof(U) * 8 - 1);
  auto ord = [&](T v) -> __int128 {
    const U u = toBits(v);
    return (u & sign) ? -static_cast<__int128>(u & ~sign) : static_cast<__int128>(u);
  };
  __int128 d = ord(a) - ord(b);
  return static_cast<double>(d < 0 ? -d : d);
}

/** The spacing of T at the magnitude of r (subnormal spacing below the normal range). */
template <class T> LD ulpOf(LD r) {
  int e = FT<T>::kMinExp;
  if (r != 0) frexpl(fabsl(r), &e);
  return ldexpl(1.0L, std::max(e, FT<T>::kMinExp) - FT<T>::kDigits);
}

/** Error of `got` in ulps of T against the exact value `ref`. */
template <class T> double ulpError(T got, LD ref) { return static_cast<double>(fabsl(static_cast<LD>(got) - ref) / ulpOf<T>(ref)); }

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}
template <class T> std::string show(T v) {
  if (v != v) return fmt("NaN (bits 0x%llx)", static_cast<unsigned long long>(toBits(v)));
  return fmt("%a (%.*g)", static_cast<double>(v), sizeof(T) == 4 ? 9 : 17, static_cast<double>(v));
}
std::string showLD(LD v) { return fmt("%.21Lg", v); }

// ------------------------------------------------------------------------------------------------
// Tables

struct TableEntry {
  const char* name;
  const KernelTable* table;
  std::string mode;  // how it runs here
  bool runnable;
  bool selfcheck;
};

std::vector<TableEntry> allTables() {
  std::vector<TableEntry> t;
  t.push_back({"scalar", &sigmax::kScalarKernels, "portable C++", true, false});
#if defined(SIGMAX_TEST_SSE2)
  t.push_back({"sse2", &sigmax::kSse2Kernels, "hardware", true, false});
#endif
#if defined(SIGMAX_TEST_AVX2)
  {
    const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    t.push_back({"avx2", &sigmax::kAvx2Kernels, ok ? "hardware" : "skipped: this CPU lacks AVX2/FMA", ok, false});
  }
#endif
#if defined(SIGMAX_TEST_AVX512)
  {
    const std::string mode = SIGMAX_TEST_AVX512_MODE;
    const bool emulated = mode != "hardware";
    const bool ok = emulated || __builtin_cpu_supports("avx512f");
    t.push_back({"avx512", &sigmax::kAvx512Kernels, ok ? mode : "skipped: this CPU lacks AVX-512F", ok,
#if defined(SIGMAX_TEST_SIMDE_SELFCHECK)
                 ok
#else
                 false
#endif
    });
  }
#endif
#if defined(SIGMAX_TEST_NEON)
  t.push_back({"neon", &sigmax::kNeonKernels, "hardware", true, false});
#endif
  return t;
}

// ------------------------------------------------------------------------------------------------
// Kernels under test and their statistics

enum Fn {
  kSigmoid, kDeriv, kSigBwd, kSoftmax1, kSoftmaxT, kLogSoftmax1, kLogSoftmaxT, kLse, kSoftBwd, kLogSoftBwd, kJac, kJacPart,
  // the pieces of one row (the async path splits long rows into them)
  kRowMax, kExpSumStore, kExpSumT, kScale, kLogSoftmaxFinish, kDot, kSum, kSoftBwdFinish, kLogSoftBwdFinish,
  kFnCount
};
enum class Cmp { kUlp, kExact, kSoftmax, kLog, kScaled };
struct FnInfo {
  const char* name;
  Cmp cmp;
  bool ref;       // also against the long double reference
  bool inplaceA;  // out == first input allowed
  bool inplaceB;  // has a second input (dy), and out == it is allowed
};
const FnInfo kFn[kFnCount] = {
    {"sigmoid", Cmp::kUlp, true, true, false},
    {"sigmoid_derivative", Cmp::kUlp, true, true, false},
    {"sigmoid_backward", Cmp::kUlp, false, true, true},
    {"softmax(t=1)", Cmp::kSoftmax, true, true, false},
    {"softmax(t!=1)", Cmp::kSoftmax, true, true, false},
    {"log_softmax(t=1)", Cmp::kLog, true, true, false},
    {"log_softmax(t!=1)", Cmp::kLog, true, true, false},
    {"logsumexp", Cmp::kLog, true, true, false},
    {"softmax_backward", Cmp::kScaled, false, true, true},
    {"log_softmax_backward", Cmp::kScaled, false, true, true},
    {"jacobian_rows(all)", Cmp::kUlp, false, false, false},
    {"jacobian_rows(part)", Cmp::kUlp, false, false, false},
    {"row_max", Cmp::kExact, false, true, false},
    {"exp_sum(t=1,store)", Cmp::kScaled, false, true, false},
    {"exp_sum(t!=1)", Cmp::kScaled, false, true, false},
    {"scale", Cmp::kUlp, false, true, false},
    {"log_softmax_finish", Cmp::kLog, false, true, false},
    {"dot", Cmp::kScaled, false, true, true},
    {"sum", Cmp::kScaled, false, true, false},
    {"softmax_bwd_finish", Cmp::kUlp, false, true, true},
    {"log_softmax_bwd_finish", Cmp::kScaled, false, true, true},
};

struct Stat {
  long checks = 0, failed = 0, badElements = 0;
  long failScalar = 0, failRef = 0, failMemory = 0;  // checks failing for each reason
  double worstScalar = 0, worstRef = 0;  // ulp (Cmp::kUlp) or fraction of the bound
  int printed = 0;
};
struct SweepStat {
  long inputs = 0, overRef = 0, overScalar = 0, classMismatch = 0;
  double maxRef = 0, maxScalar = 0;
  double argRef = 0, argScalar = 0;
  double gotAtMax = 0;
  LD refAtMax = 0;
};
struct TableStats {
  Stat fn[2][kFnCount];
  SweepStat sweep[2][2];  // [type][sigmoid, derivative]
  bool sweepRan[2] = {false, false};
  long checks = 0, failed = 0;
  int selfcheckFailures = -1;
};

long totalPassed = 0, totalFailed = 0;

// ------------------------------------------------------------------------------------------------
// Buffers with sentinels

constexpr size_t kPre = 16, kPost = 48, kMaxOff = 15;

template <class T> struct Arena {
  T* p = nullptr;
  size_t cap = 0;
  ~Arena() { free(p); }
  T* get(size_t n) {
    if (n > cap) {
      free(p);
      const size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
      p = static_cast<T*>(aligned_alloc(64, bytes));
      if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
      }
      cap = n;
    }
    return p;
  }
};

/** A buffer window: kPre + off sentinels, `len` elements, kPost sentinels. */
template <class T> struct Window {
  T* base;
  size_t off, len, total;
  T* at() const { return base + kPre + off; }
};

template <class T> Window<T> layout(Arena<T>& arena, size_t off, const T* vals, size_t n, size_t len,
                                    typename FT<T>::U sentinel) {
  Window<T> w{nullptr, off, len, kPre + off + len + kPost};
  w.base = arena.get(w.total);
  const T s = fromBits<T>(sentinel);
  for (size_t i = 0; i < w.total; ++i) w.base[i] = s;
  if (vals) memcpy(w.at(), vals, n * sizeof(T));
  return w;
}

// ------------------------------------------------------------------------------------------------
// Long double references

template <class T> LD refSigmoid(T x) {
  if (isNan(x)) return qnan<LD>();
  const LD e = expl(-fabsl(static_cast<LD>(x)));
  const LD f = e / (1 + e);
  return x > 0 ? 1 - f : f;
}
template <class T> LD refDerivative(T x) {
  if (isNan(x)) return qnan<LD>();
  const LD e = expl(-fabsl(static_cast<LD>(x)));
  return e / ((1 + e) * (1 + e));
}

/** softmax / log-softmax / logsumexp of one row by the contract (SPEC "Numerics"), in long double. */
template <class T> void refRow(const T* x, size_t n, LD t, int what /*0 softmax, 1 log, 2 lse*/, LD* out) {
  bool nan = false;
  LD m = -inf<LD>();
  for (size_t i = 0; i < n; ++i) {
    if (isNan(x[i])) nan = true;
    else m = std::max(m, static_cast<LD>(x[i]));
  }
  if (what == 2) {
    if (nan) { out[0] = qnan<LD>(); return; }
    if (isInf(m)) { out[0] = m; return; }
  } else if (nan || isInf(m)) {
    for (size_t i = 0; i < n; ++i)
      out[i] = (nan || m < 0 || (isInf(x[i]) && x[i] > 0)) ? qnan<LD>() : (what == 1 ? -inf<LD>() : 0.0L);
    return;
  }
  LD s = 0;
  for (size_t i = 0; i < n; ++i) s += expl((static_cast<LD>(x[i]) - m) / t);
  if (what == 2) { out[0] = m + logl(s); return; }
  const LD ls = logl(s);
  for (size_t i = 0; i < n; ++i) {
    const LD z = (static_cast<LD>(x[i]) - m) / t;
    out[i] = what == 1 ? z - ls : expl(z) / s;
  }
}

// ------------------------------------------------------------------------------------------------
// Comparison of one element: the measure (ulps, or the fraction of the bound) and whether it passes.

template <class T> bool sameClass(T got, T want) {
  if (isNan(want) || isNan(got)) return isNan(want) && isNan(got);
  if (isInf(want) || isInf(got)) return got == want;
  return true;
}

template <class T> double measure(Cmp cmp, T got, T want, LD scale) {
  const LD d = fabsl(static_cast<LD>(got) - static_cast<LD>(want));
  switch (cmp) {
    case Cmp::kUlp: case Cmp::kExact: return ulpDistance(got, want);
    case Cmp::kSoftmax: {
      const LD w = fabsl(static_cast<LD>(want));
      const LD bound = w >= FT<T>::kSoftMin ? FT<T>::kSoftRel * w : FT<T>::kSoftAbs;
      return static_cast<double>(d / bound);
    }
    case Cmp::kLog: return static_cast<double>(d / (FT<T>::kLogAbs * std::max<LD>(1, fabsl(static_cast<LD>(want)))));
    case Cmp::kScaled: {
      const LD bound = FT<T>::kBwdTol * scale + 4 * static_cast<LD>(denormMin<T>());
      if (isNan(bound)) return 0;  // NaN terms: only the NaN/inf pattern is compared
      return static_cast<double>(d / bound);
    }
  }
  return 0;
}
double limitOf(Cmp cmp) { return cmp == Cmp::kUlp ? 2.0 : cmp == Cmp::kExact ? 0.0 : 1.0; }
bool inUlps(Cmp cmp) { return cmp == Cmp::kUlp || cmp == Cmp::kExact; }

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
  const size_t p = r.below(10);
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
// One kernel call, its inputs, the expected (scalar) output and the long double reference

template <class T> struct Job {
  Fn fn;
  size_t rows, cols;
  std::vector<T> a, b;  // inputs (b empty for unary)
  size_t nOut;
  std::function<void(const TypedKernels<T>&, const T*, const T*, T*)> call;
  std::vector<T> want;
  std::vector<LD> ref;    // empty: no reference comparison
  std::vector<LD> scale;  // Cmp::kScaled
  std::string input;      // what the inputs are
  bool skipValues = false;  // only the memory checks (row_max of a row with a NaN: unspecified)
  size_t aux = 0;           // jacobian_rows: the first row
};

template <class T> const TypedKernels<T>& typed(const KernelTable& t);
template <> const TypedKernels<float>& typed<float>(const KernelTable& t) { return t.f32; }
template <> const TypedKernels<double>& typed<double>(const KernelTable& t) { return t.f64; }

template <class T> void describeFailure(Stat& st, const std::string& where, const std::string& what) {
  if (st.printed < opt.maxPrint) printf("FAIL %s\n     %s\n", where.c_str(), what.c_str());
  else if (st.printed == opt.maxPrint) printf("FAIL %s\n     (further failures of this kernel on this table not shown)\n", where.c_str());
  ++st.printed;
}

template <class T> std::string elementInputs(const Job<T>& job, size_t i) {
  auto at = [&](const std::vector<T>& v, size_t k) { return k < v.size() ? show(v[k]) : std::string("-"); };
  switch (job.fn) {
    case kSigmoid: case kDeriv: return "x=" + at(job.a, i);
    case kSigBwd: return "y=" + at(job.a, i) + " dy=" + at(job.b, i);
    case kSoftBwd: case kLogSoftBwd: return "y=" + at(job.a, i) + " dy=" + at(job.b, i) + fmt(" (row %zu col %zu)", i / std::max<size_t>(job.cols, 1), i % std::max<size_t>(job.cols, 1));
    case kLse: {
      std::string s = fmt("row %zu of %zu cols", i, job.cols);
      if (job.cols <= 6) for (size_t k = 0; k < job.cols; ++k) s += " " + at(job.a, i * job.cols + k);
      return s;
    }
    case kJac: case kJacPart: {
      const size_t k = std::max<size_t>(job.a.size(), 1), r = job.aux + i / k, c = i % k;
      return fmt("J[%zu][%zu]: y_i=", r, c) + at(job.a, r) + " y_j=" + at(job.a, c);
    }
    case kRowMax: case kDot: case kSum: case kExpSumT: {
      std::string s = fmt("the result over all %zu elements", job.a.size());
      if (job.a.size() <= 6) for (size_t k = 0; k < job.a.size(); ++k) s += " " + at(job.a, k);
      return s;
    }
    case kExpSumStore:
      return i < job.a.size() ? "x=" + at(job.a, i) : fmt("the returned sum over %zu elements", job.a.size());
    case kScale: case kLogSoftmaxFinish: return "x=" + at(job.a, i);
    case kSoftBwdFinish: case kLogSoftBwdFinish: return "y=" + at(job.a, i) + " dy=" + at(job.b, i);
    default: {
      std::string s = "x=" + at(job.a, i) + fmt(" (row %zu col %zu)", i / std::max<size_t>(job.cols, 1), i % std::max<size_t>(job.cols, 1));
      if (job.cols <= 6) {
        s += "; row:";
        const size_t r0 = i / std::max<size_t>(job.cols, 1) * job.cols;
        for (size_t k = 0; k < job.cols; ++k) s += " " + at(job.a, r0 + k);
      }
      return s;
    }
  }
}

/** Runs one job on one table in one placement; returns true when everything matched. */
template <class T> bool runPlacement(const TableEntry& te, TableStats& ts, Job<T>& job, int placement, size_t off,
                                     Arena<T>& arA, Arena<T>& arB, Arena<T>& arO) {
  using F = FT<T>;
  using U = typename F::U;
  const int ti = sizeof(T) == 4 ? 0 : 1;
  Stat& st = ts.fn[ti][job.fn];
  const FnInfo& info = kFn[job.fn];
  const size_t nA = job.a.size(), nB = job.b.size(), nOut = job.nOut;
  const size_t offA = off, offB = (off + 9) & kMaxOff, offO = placement == 0 ? (off + 5) & kMaxOff : off;

  Window<T> wA = layout(arA, offA, job.a.data(), nA, placement == 1 ? std::max(nA, nOut) : nA, F::kSentinelIn);
  Window<T> wB{nullptr, 0, 0, 0};
  if (info.inplaceB) wB = layout(arB, offB, job.b.data(), nB, placement == 2 ? std::max(nB, nOut) : nB, F::kSentinelIn);
  Window<T> wO = placement == 0 ? layout<T>(arO, offO, nullptr, 0, nOut, F::kSentinelOut) : placement == 1 ? wA : wB;
  // What memory must hold afterwards, outside the output range: a snapshot of every window.
  std::vector<U> snapA(wA.total), snapB(wB.total), snapO(placement == 0 ? wO.total : 0);
  memcpy(snapA.data(), wA.base, wA.total * sizeof(T));
  if (wB.base) memcpy(snapB.data(), wB.base, wB.total * sizeof(T));
  if (placement == 0) memcpy(snapO.data(), wO.base, wO.total * sizeof(T));

  job.call(typed<T>(*te.table), wA.at(), wB.base ? wB.at() : nullptr, wO.at());

  const char* pname[] = {"out-of-place", "in place (out == x)", "in place (out == dy)"};
  const std::string where = fmt("%s %s %s: shape %zux%zu, %s, input at +%zu%s, output at +%zu, input %s", te.name,
                                F::name(), info.name, job.rows, job.cols, pname[placement], offA,
                                info.inplaceB ? fmt(", dy at +%zu", offB).c_str() : "", offO, job.input.c_str());
  bool memoryOk = true;
  // Memory outside the output range, and the inputs that are not the output, must be unchanged.
  auto checkWindow = [&](const Window<T>& w, const std::vector<U>& snap, bool isOut, const char* label) {
    const size_t lo = kPre + w.off, hi = lo + (isOut ? nOut : 0);
    for (size_t i = 0; i < w.total; ++i) {
      if (i >= lo && i < hi) continue;
      U now;
      memcpy(&now, w.base + i, sizeof now);
      if (now != snap[i]) {
        memoryOk = false;
        describeFailure<T>(st, where, fmt("%s buffer element %td (relative to the %s pointer) changed: was %s, now %s", label,
                                          static_cast<ptrdiff_t>(i) - static_cast<ptrdiff_t>(lo), label,
                                          show(fromBits<T>(snap[i])).c_str(), show(fromBits<T>(now)).c_str()));
        return;
      }
    }
  };
  checkWindow(wA, snapA, placement == 1, placement == 1 ? "x/out" : "x");
  if (wB.base) checkWindow(wB, snapB, placement == 2, placement == 2 ? "dy/out" : "dy");
  if (placement == 0) checkWindow(wO, snapO, true, "out");

  // The values: against the scalar table's output, and against the long double reference.
  const T* got = wO.at();
  long badS = 0, badR = 0, bad = 0;
  size_t firstBad = 0;
  double firstMeasure = -1, firstRef = -1;
  bool firstClassS = false, firstClassR = false;
  const double lim = limitOf(info.cmp);
  for (size_t i = 0; i < (job.skipValues ? 0 : nOut); ++i) {
    const T g = got[i], w = job.want[i];
    bool goodS = sameClass(g, w), goodR = true;
    double m = -1, mr = -1;
    if (goodS && !isNan(w) && !isInf(w)) {
      m = measure(info.cmp, g, w, job.scale.empty() ? 0 : job.scale[i]);
      st.worstScalar = std::max(st.worstScalar, m);
      goodS = m <= lim;
    }
    bool classR = true;
    if (!job.ref.empty()) {
      const LD r = job.ref[i];
      const T rt = static_cast<T>(r);
      classR = sameClass(g, rt);
      if (!classR) goodR = false;
      else if (!isNan(rt) && !isInf(rt)) {
        mr = info.cmp == Cmp::kUlp ? ulpError(g, r) : measure(info.cmp, g, rt, 0);
        st.worstRef = std::max(st.worstRef, mr);
        goodR = mr <= lim;
      }
    }
    if (!goodS || !goodR) {
      if (bad == 0) firstBad = i, firstMeasure = m, firstRef = mr, firstClassS = !sameClass(g, w), firstClassR = !classR;
      ++bad;
      badS += !goodS;
      badR += !goodR;
    }
  }
  if (bad) {
    st.badElements += bad;
    const size_t i = firstBad;
    std::string what = fmt("%ld of %zu outputs wrong (%ld vs scalar, %ld vs reference); first [%zu]: ", bad, nOut, badS, badR, i) +
                       elementInputs(job, i) + "; expected (scalar) " + show(job.want[i]) + ", got " + show(got[i]);
    if (!job.ref.empty()) what += ", reference " + showLD(job.ref[i]);
    const char* unit = inUlps(info.cmp) ? " ulp" : " x bound";
    what += firstClassS ? "; NaN/inf pattern differs from scalar"
            : firstMeasure < 0 ? "; same as scalar" : fmt("; vs scalar %.3g%s", firstMeasure, unit);
    if (!job.ref.empty()) what += firstClassR ? "; NaN/inf pattern differs from reference" : fmt(", vs reference %.3g%s", firstRef, unit);
    describeFailure<T>(st, where, what);
  }
  const bool ok = memoryOk && bad == 0;
  st.failScalar += badS != 0;
  st.failRef += badR != 0;
  st.failMemory += !memoryOk;
  ++st.checks;
  ++ts.checks;
  if (!ok) ++st.failed, ++ts.failed, ++totalFailed;
  else ++totalPassed;
  return ok;
}

template <class T> void computeExpected(Job<T>& job) {
  job.want.assign(job.nOut, T(0));
  job.call(typed<T>(sigmax::kScalarKernels), job.a.data(), job.b.empty() ? nullptr : job.b.data(), job.want.data());
}

/** The magnitude each Cmp::kScaled output is measured against (the terms it is computed from). */
template <class T> void computeScale(Job<T>& job, size_t rows, size_t cols) {
  const size_t n = job.a.size();
  auto A = [&](size_t i) { return static_cast<LD>(job.a[i]); };
  auto B = [&](size_t i) { return static_cast<LD>(job.b[i]); };
  switch (job.fn) {
    case kSoftBwd: case kLogSoftBwd:
      job.scale.resize(n);
      for (size_t row = 0; row < rows; ++row) {
        const size_t r0 = row * cols;
        LD s = 0;
        for (size_t c = 0; c < cols; ++c) s += job.fn == kSoftBwd ? fabsl(A(r0 + c) * B(r0 + c)) : fabsl(B(r0 + c));
        for (size_t c = 0; c < cols; ++c)
          job.scale[r0 + c] = job.fn == kSoftBwd ? fabsl(A(r0 + c)) * (fabsl(B(r0 + c)) + s) : fabsl(B(r0 + c)) + expl(A(r0 + c)) * s;
      }
      break;
    case kExpSumStore: case kExpSumT:  // terms: the softmax bound; the sum of positive terms: relative
      job.scale.resize(job.nOut);
      for (size_t i = 0; i < job.nOut; ++i) {
        const LD w = fabsl(static_cast<LD>(job.want[i]));
        job.scale[i] = i + 1 < job.nOut ? std::max<LD>(w, FT<T>::kSoftMin) : w;
      }
      break;
    case kDot: case kSum: {
      LD s = 0;
      for (size_t i = 0; i < n; ++i) s += job.fn == kDot ? fabsl(A(i) * B(i)) : fabsl(A(i));
      job.scale.assign(1, s);
      break;
    }
    case kLogSoftBwdFinish: {
      // total is the T-rounded sum of dy; dx_i = dy_i − e^(y_i)·total
      LD s = 0;
      for (size_t i = 0; i < n; ++i) s += fabsl(B(i));
      job.scale.resize(n);
      for (size_t i = 0; i < n; ++i) job.scale[i] = fabsl(B(i)) + expl(A(i)) * s;
      break;
    }
    default: break;
  }
}

// ------------------------------------------------------------------------------------------------
// The case loop

struct Shape {
  size_t rows, cols;
};

template <class T> void runType(std::vector<TableEntry>& tables, std::vector<TableStats>& stats) {
  std::vector<Shape> shapes;
  for (size_t n = 0; n <= 70; ++n) shapes.push_back({1, n});
  for (size_t n : {size_t(1000), size_t(4099), size_t(100000)}) shapes.push_back({1, n});
  shapes.push_back({3, 17});
  shapes.push_back({100, 37});
  shapes.push_back({7, 1});
  shapes.push_back({1, 1});
  shapes.push_back({0, 7});
  Arena<T> arA, arB, arO;
  const T temps[] = {T(0.37), T(2.5), T(0.01), T(100)};

  for (size_t si = 0; si < shapes.size(); ++si) {
    const Shape sh = shapes[si];
    const size_t n = sh.rows * sh.cols;
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
      // The scalar table's outputs, used as realistic inputs of the backward kernels.
      const auto& sk = typed<T>(sigmax::kScalarKernels);
      std::vector<T> ySig(n), ySm(n), yLsm(n);
      sk.sigmoid(x.data(), ySig.data(), n);
      sk.softmax(x.data(), ySm.data(), rows, cols, T(1));
      sk.log_softmax(x.data(), yLsm.data(), rows, cols, T(1));
      const bool realistic = kind == kUniform || kind == kSmall || kind == kRowPatterns;

      std::vector<Job<T>> jobs;
      auto add = [&](Fn fn, std::vector<T> a, std::vector<T> b, size_t nOut,
                     std::function<void(const TypedKernels<T>&, const T*, const T*, T*)> call, std::string what) {
        Job<T> j;
        j.fn = fn;
        j.rows = rows;
        j.cols = cols;
        j.a = std::move(a);
        j.b = std::move(b);
        j.nOut = nOut;
        j.call = std::move(call);
        j.input = std::move(what);
        jobs.push_back(std::move(j));
      };
      add(kSigmoid, x, {}, n, [=](const TypedKernels<T>& k, const T* a, const T*, T* o) { k.sigmoid(a, o, n); }, input);
      add(kDeriv, x, {}, n, [=](const TypedKernels<T>& k, const T* a, const T*, T* o) { k.sigmoid_derivative(a, o, n); }, input);
      add(kSigBwd, realistic ? ySig : x, dy, n,
          [=](const TypedKernels<T>& k, const T* a, const T* b, T* o) { k.sigmoid_backward(a, b, o, n); },
          (realistic ? "y = sigmoid(" + input + ")" : "y = " + input) + ", dy random");
      add(kSoftmax1, x, {}, n, [=](const TypedKernels<T>& k, const T* a, const T*, T* o) { k.softmax(a, o, rows, cols, T(1)); }, input);
      add(kSoftmaxT, x, {}, n, [=](const TypedKernels<T>& k, const T* a, const T*, T* o) { k.softmax(a, o, rows, cols, t); },
          input + fmt(", t=%g", static_cast<double>(t)));
      add(kLogSoftmax1, x, {}, n, [=](const TypedKernels<T>& k, const T* a, const T*, T* o) { k.log_softmax(a, o, rows, cols, T(1)); }, input);
      add(kLogSoftmaxT, x, {}, n, [=](const TypedKernels<T>& k, const T* a, const T*, T* o) { k.log_softmax(a, o, rows, cols, t); },
          input + fmt(", t=%g", static_cast<double>(t)));
      add(kLse, x, {}, rows, [=](const TypedKernels<T>& k, const T* a, const T*, T* o) { k.logsumexp(a, o, rows, cols); }, input);
      add(kSoftBwd, ySm, dy, n,
          [=](const TypedKernels<T>& k, const T* a, const T* b, T* o) { k.softmax_backward(a, b, o, rows, cols); },
          "y = softmax(" + input + "), dy random");
      const bool rawLog = kind == kEdges;  // e^y near overflow: y straight from the edge values
      add(kLogSoftBwd, rawLog ? x : yLsm, dy, n,
          [=](const TypedKernels<T>& k, const T* a, const T* b, T* o) { k.log_softmax_backward(a, b, o, rows, cols); },
          (rawLog ? "y = " + input : "y = log_softmax(" + input + ")") + ", dy random");
      // The Jacobian of the whole buffer as one y of length k: all rows, and rows [k/3, k/3 + cnt).
      const size_t k = n;
      const bool jac = k <= 128 || (k == 1000 && (kind == kUniform || kind == kSpecial || kind == kRowPatterns));
      const std::string yJac = realistic ? "y = softmax(" + input + ")" : "y = " + input;
      if (jac) {
        add(kJac, realistic ? ySm : x, {}, k * k,
            [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { kt.softmax_jacobian_rows(a, k, 0, k, o); }, yJac);
        const size_t first = k / 3, cnt = (k - first + 1) / 2;
        add(kJacPart, realistic ? ySm : x, {}, cnt * k,
            [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { kt.softmax_jacobian_rows(a, k, first, cnt, o); },
            yJac + fmt(", rows %zu..%zu", first, first + cnt));
        jobs.back().aux = first;
      }

      // The pieces of one row (how the async path splits a long row across threads), on the whole
      // buffer as one row: m is its largest finite element (exp_sum's callers pass a finite m ≥ max).
      bool hasNaN = false;
      T mFin = -inf<T>();
      for (T v : x) {
        if (isNan(v)) hasNaN = true;
        else if (!isInf(v)) mFin = std::max(mFin, v);
      }
      if (isInf(mFin)) mFin = T(0);
      const T mUp = static_cast<T>(mFin + T(0.75));
      const std::string mDesc = fmt(", m=%.9g", static_cast<double>(mFin));
      add(kRowMax, x, {}, 1, [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { o[0] = kt.row_max(a, n); }, input);
      jobs.back().skipValues = hasNaN;
      add(kExpSumStore, x, {}, n + 1,
          [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { o[n] = static_cast<T>(kt.exp_sum(a, o, n, mFin, T(1))); },
          input + mDesc + " (output n = the returned sum)");
      add(kExpSumT, x, {}, 1,
          [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { o[0] = static_cast<T>(kt.exp_sum(a, nullptr, n, mUp, t)); },
          input + fmt(", m=%.9g (above the max), t=%g, y null", static_cast<double>(mUp), static_cast<double>(t)));
      const T factor = static_cast<T>(0.0123456789);
      add(kScale, x, {}, n,
          [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) {
            if (o != a) memcpy(o, a, n * sizeof(T));  // scale works in place: copy first when out-of-place
            kt.scale(o, n, factor);
          },
          input + ", s=0.0123456789");
      const T logSum = static_cast<T>(log(sk.exp_sum(x.data(), nullptr, n, mFin, t)));
      add(kLogSoftmaxFinish, x, {}, n,
          [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { kt.log_softmax_finish(a, o, n, mFin, t, logSum); },
          input + mDesc + fmt(", t=%g, log_sum=%.9g", static_cast<double>(t), static_cast<double>(logSum)));
      add(kDot, ySm, dy, 1, [=](const TypedKernels<T>& kt, const T* a, const T* b, T* o) { o[0] = static_cast<T>(kt.dot(a, b, n)); },
          "a = softmax(" + input + "), b random");
      add(kSum, dy, {}, 1, [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { o[0] = static_cast<T>(kt.sum(a, n)); },
          "random, as dy of " + input);
      const T dotv = static_cast<T>(sk.dot(ySm.data(), dy.data(), n)), total = static_cast<T>(sk.sum(dy.data(), n));
      add(kSoftBwdFinish, ySm, dy, n,
          [=](const TypedKernels<T>& kt, const T* a, const T* b, T* o) { kt.softmax_backward_finish(a, b, o, n, dotv); },
          "y = softmax(" + input + "), dy random" + fmt(", dot=%.9g", static_cast<double>(dotv)));
      add(kLogSoftBwdFinish, rawLog ? x : yLsm, dy, n,
          [=](const TypedKernels<T>& kt, const T* a, const T* b, T* o) { kt.log_softmax_backward_finish(a, b, o, n, total); },
          (rawLog ? "y = " + input : "y = log_softmax(" + input + ")") + ", dy random" + fmt(", total=%.9g", static_cast<double>(total)));

      for (Job<T>& job : jobs) {
        computeExpected(job);
        const FnInfo& info = kFn[job.fn];
        if (info.ref) {
          job.ref.resize(job.nOut);
          if (job.fn == kSigmoid || job.fn == kDeriv)
            for (size_t i = 0; i < n; ++i) job.ref[i] = job.fn == kSigmoid ? refSigmoid(x[i]) : refDerivative(x[i]);
          else
            for (size_t row = 0; row < rows; ++row) {
              const LD tt = (job.fn == kSoftmaxT || job.fn == kLogSoftmaxT) ? static_cast<LD>(t) : 1.0L;
              const int what = job.fn == kLse ? 2 : (job.fn == kLogSoftmax1 || job.fn == kLogSoftmaxT) ? 1 : 0;
              refRow(x.data() + row * cols, cols, tt, what, job.ref.data() + (what == 2 ? row : row * cols));
            }
        }
        computeScale(job, rows, cols);
        std::vector<size_t> offs = offsets;
        if ((job.fn == kJac || job.fn == kJacPart) && k >= 1000) offs = {0, 7};
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
         "                   [--f64-samples=N] [--threads=N] [--max-print=N] [--quick]\n");
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
    else if (const char* v = val("--max-print=")) opt.maxPrint = atoi(v);
    else if (a == "--quick") opt.quick = true;
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
  runType<float>(tables, stats);
  printf("kernel_test: f32 cases done (%.1f s)\n", elapsed());
  fflush(stdout);
  runType<double>(tables, stats);
  printf("kernel_test: f64 cases done (%.1f s)\n", elapsed());
  fflush(stdout);
  runSweeps(tables, stats);
  printf("kernel_test: sweeps done (%.1f s)\n", elapsed());
  printSummary(tables, stats);
  printf("\n%ld passed, %ld failed\n", totalPassed, totalFailed);
  return totalFailed ? 1 : 0;
}
