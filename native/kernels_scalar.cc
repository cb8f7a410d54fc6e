// Scalar kernels: one lane, portable C++ with no ISA flags. The reference every SIMD path is
// tested against, and the path on CPUs without a SIMD kernel. Built on every platform.
#include "kernels.h"

namespace sigmax {
namespace {

template <class T> struct Bits;
// kTableBits: the size of the exp tables (ExpTables<T>::kBits), all of whose entries the scalar kernels read.
template <> struct Bits<float> { using U = unsigned int; static constexpr int kMantissa = 23, kBias = 127, kTableBits = 5; };
template <> struct Bits<double> { using U = unsigned long long; static constexpr int kMantissa = 52, kBias = 1023, kTableBits = 4; };

template <class T>
inline T fromBits(typename Bits<T>::U u) {
  T v;
  __builtin_memcpy(&v, &u, sizeof v);
  return v;
}

template <class T>
inline typename Bits<T>::U toBits(T v) {
  typename Bits<T>::U u;
  __builtin_memcpy(&u, &v, sizeof u);
  return u;
}

/** 2^k for an exponent k in the normal range. */
template <class T>
inline T pow2(int k) {
  return fromBits<T>(static_cast<typename Bits<T>::U>(k + Bits<T>::kBias) << Bits<T>::kMantissa);
}

/** The rounding error of a·b (Dekker's TwoProduct with Veltkamp splitting, no FMA needed). */
inline double productError(double a, double b, double p) {
  const double split = 134217729.0;  // 2^27 + 1
  double t = split * a;
  const double ah = t - (t - a), al = a - ah;
  t = split * b;
  const double bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

template <class Element>
struct Scalar {
  using T = Element;
  using R = T;
  static constexpr size_t N = 1;
  static R load(const T* p) { return *p; }
  static void store(T* p, R v) { *p = v; }
  static R loadPartial(const T*, size_t, T fill) { return fill; }  // never called: n < N = 1 means n = 0
  static void storePartial(T*, R, size_t) {}
  static R keepFirst(R v, size_t) { return v; }  // never called: n < N = 1 means n = 0
  static R set1(T v) { return v; }
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R div(R a, R b) { return a / b; }
  static R madd(R a, R b, R c) { return a * b + c; }  // unfused: built with -ffp-contract=off
  static R residual(R c, R a, R b);
  static R max(R a, R b) { return a > b ? a : b; }
  static R clamp(R z, R lo, R hi) { return z < lo ? lo : z > hi ? hi : z; }  // NaN passes through
  static R negAbs(R x) { return x > 0 ? -x : x == 0 ? -T(0) : x; }
  static R selectPositive(R x, R a, R b) { return x > 0 ? a : b; }
  static R zeroNaN(R v) { return v == v ? v : T(0); }
  static R round(R v) {  // to nearest, ties to even; |v| is far below 2^22 after clamping
    const T magic = T(3) * pow2<T>(Bits<T>::kMantissa - 1);
    return v != v ? v : (v + magic) - magic;
  }
  static R pow2Scale(R p, R n) {  // two exact-or-once-rounded steps reach the subnormal range
    if (n != n) return n;
    const int k = static_cast<int>(n), h = k >> 1;
    return (p * pow2<T>(h)) * pow2<T>(k - h);
  }
  static constexpr int kTableBits = Bits<T>::kTableBits;
  static R lookup(const T* table, R index) { return table[toBits(index) & ((1u << kTableBits) - 1)]; }
  static R addExponent(R s, R v) {
    return fromBits<T>(toBits(s) + (toBits(v) << (Bits<T>::kMantissa - kTableBits)));
  }
  static bool allAtLeast(R v, R lo) { return v >= lo; }
  static R zeroWhereBelow(R v, R z, R lo) { return z < lo ? T(0) : v; }
  static R recip(R v) { return T(1) / v; }
  static constexpr bool kQuotientByRecip = false;
  static constexpr int kMapLockstep = 4;
  static T reduceAdd(R v) { return v; }
  static T reduceMax(R v) { return v; }
  static unsigned long long atLeastMask(R a, R b) { return a >= b ? 1 : 0; }
  static R addWhereAtLeast(R s, R v, R lo) { return v >= lo ? s + v : s; }
  static constexpr bool kCompress = false;
  static constexpr bool kRealign = false;
};

// float: a·b is exact in double, so c − a·b rounds once.
template <> inline float Scalar<float>::residual(float c, float a, float b) {
  return static_cast<float>(static_cast<double>(c) - static_cast<double>(a) * b);
}
template <> inline double Scalar<double>::residual(double c, double a, double b) {
  const double p = a * b;
  return (c - p) - productError(a, b, p);
}

using F32 = Scalar<float>;
using F64 = Scalar<double>;

}  // namespace
}  // namespace sigmax

#include "kernel_body.inc"
#include "logits_body.inc"

namespace sigmax {
size_t gTwoPassRowBytes = size_t(8) << 20;  // for a 32 MiB last-level cache, until configureKernels knows better
const KernelTable kScalarKernels = {"scalar", typedKernels<F32>(), typedKernels<F64>(), logitsKernels<F32>(), logitsKernels<F64>()};
}
