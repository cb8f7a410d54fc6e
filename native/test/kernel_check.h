// The checking machinery shared by the kernel tests (native/test/kernel_test.cc, the differential test
// run by scripts/test-kernels.sh, and native/test/fuzz_kernels.cc, the libFuzzer target run by
// scripts/fuzz-kernels.sh): float traits and ulp distances, the kernel tables compiled in, buffers with
// sentinels, the long double references, the comparison of one output against the scalar table and the
// reference within the SPEC bounds (see the top of kernel_test.cc for the bounds), and the jobs: one
// kernel call with its inputs and expected output, run on one table in one placement (runPlacement).
//
// Everything here is in an anonymous namespace: include it from exactly one translation unit of a
// program. Which tables exist is declared with the -D macros described in kernel_test.cc.
#ifndef SIGMAX_TEST_KERNEL_CHECK_H
#define SIGMAX_TEST_KERNEL_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "kernels.h"

#if !defined(SIGMAX_TEST_AVX512_MODE)
#define SIGMAX_TEST_AVX512_MODE "hardware"
#endif

namespace {

using sigmax::KernelTable;
using sigmax::TypedKernels;
typedef long double LD;

int checkMaxPrint = 6;  // failure details printed per (table, type, kernel)
long totalPassed = 0, totalFailed = 0;

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

inline std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
inline std::string fmt(const char* f, ...) {
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
inline std::string showLD(LD v) { return fmt("%.21Lg", v); }

// ------------------------------------------------------------------------------------------------
// Tables

struct TableEntry {
  const char* name;
  const KernelTable* table;
  std::string mode;  // how it runs here
  bool runnable;
  bool selfcheck;
};

inline std::vector<TableEntry> allTables() {
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
inline double limitOf(Cmp cmp) { return cmp == Cmp::kUlp ? 2.0 : cmp == Cmp::kExact ? 0.0 : 1.0; }
inline bool inUlps(Cmp cmp) { return cmp == Cmp::kUlp || cmp == Cmp::kExact; }

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
  if (st.printed < checkMaxPrint) printf("FAIL %s\n     %s\n", where.c_str(), what.c_str());
  else if (st.printed == checkMaxPrint) printf("FAIL %s\n     (further failures of this kernel on this table not shown)\n", where.c_str());
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
// Every kernel on one case

/**
 * The jobs of every kernel on one input: x is a rows×cols matrix (the element-wise kernels and the row
 * pieces take it as one vector of n = rows·cols elements), dy the second input of the backward kernels
 * (n elements), t the temperature of the t ≠ 1 variants. realistic: the backward kernels and the
 * Jacobian take the scalar table's outputs on x as y (else x itself); rawLog: log_softmax_backward and its
 * finish take x itself as y (else log_softmax(x)); jac: include the Jacobian (k = n: k² outputs).
 * Each job comes with its expected (scalar table) output, its long double reference and its scale.
 * only: a bit per Fn, the kernels to make jobs for.
 */
template <class T> std::vector<Job<T>> makeJobs(const std::vector<T>& x, const std::vector<T>& dy, size_t rows, size_t cols, T t,
                                                bool realistic, bool rawLog, bool jac, const std::string& input,
                                                uint32_t only = ~0u) {
  const size_t n = rows * cols;
  const auto& sk = typed<T>(sigmax::kScalarKernels);
  std::vector<T> ySig(n), ySm(n), yLsm(n);
  sk.sigmoid(x.data(), ySig.data(), n);
  sk.softmax(x.data(), ySm.data(), rows, cols, T(1));
  sk.log_softmax(x.data(), yLsm.data(), rows, cols, T(1));

  std::vector<Job<T>> jobs;
  auto add = [&](Fn fn, const std::vector<T>& a, const std::vector<T>& b, size_t nOut,
                 std::function<void(const TypedKernels<T>&, const T*, const T*, T*)> call, std::string what) {
    if (!(only >> fn & 1)) return;  // (before copying the inputs)
    Job<T> j;
    j.fn = fn;
    j.rows = rows;
    j.cols = cols;
    j.a = a;
    j.b = b;
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
  add(kLogSoftBwd, rawLog ? x : yLsm, dy, n,
      [=](const TypedKernels<T>& k, const T* a, const T* b, T* o) { k.log_softmax_backward(a, b, o, rows, cols); },
      (rawLog ? "y = " + input : "y = log_softmax(" + input + ")") + ", dy random");
  // The Jacobian of the whole buffer as one y of length k: all rows, and rows [k/3, k/3 + cnt).
  const size_t k = n;
  const std::string yJac = realistic ? "y = softmax(" + input + ")" : "y = " + input;
  if (jac) {
    add(kJac, realistic ? ySm : x, {}, k * k,
        [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { kt.softmax_jacobian_rows(a, k, 0, k, o); }, yJac);
    const size_t first = k / 3, cnt = (k - first + 1) / 2;
    add(kJacPart, realistic ? ySm : x, {}, cnt * k,
        [=](const TypedKernels<T>& kt, const T* a, const T*, T* o) { kt.softmax_jacobian_rows(a, k, first, cnt, o); },
        yJac + fmt(", rows %zu..%zu", first, first + cnt));
    if (!jobs.empty() && jobs.back().fn == kJacPart) jobs.back().aux = first;
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
  if (!jobs.empty() && jobs.back().fn == kRowMax) jobs.back().skipValues = hasNaN;
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
  }
  return jobs;
}

}  // namespace

#endif
