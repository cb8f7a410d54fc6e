// Test-only stand-in for <immintrin.h>: lets native/kernels_avx512.cc compile, unchanged and
// WITHOUT -mavx512f, against SIMDe's portable AVX-512 (Debian libsimde-dev), so the AVX-512 kernels
// can run on a CPU that lacks AVX-512. scripts/test-kernels.sh puts this directory first on the
// include path for that one translation unit only. Never used by the addon build (binding.gyp).
//
// SIMDe is used as is where it matches the hardware; where it does not (or, in SIMDe 0.7.4 as packaged
// by Debian 12, has no function at all), the intrinsic is replaced below by a lane-wise model of what
// the instruction does. Differences from hardware found in SIMDe 0.7.4, and what is done about them:
//
//  * _mm512_fmadd_* / _mm512_fnmadd_*: without native FMA (no -mfma) SIMDe computes a*b + c with TWO
//    roundings. The kernels depend on the fused single rounding (residual(c, a, b) = c − a·b must be
//    exact), so an unfused emulation would make sigmoid wrong for reasons that do not exist on hardware.
//    Replaced by per-lane fmaf/fma (correctly rounded, fused) whatever the flags.
//  * _mm512_scalef_*: SIMDe computes a · exp2(floor(b)). exp2f(128) overflows to +inf and exp2f(-150)
//    rounds to 0, so p·2^128 with p < 1 gives +inf (hardware: finite, e.g. e^88.5 in log_softmax_backward)
//    and p·2^-150 gives 0 (hardware: rounds once, can be 2^-149). It also flushes subnormal a to zero
//    first (hardware does not, DAZ off). Replaced by an exact model: the product a·2^floor(b) is formed
//    exactly in long double and rounded once to float/double, which is what VSCALEFPS/PD do.
//  * _mm512_rcp14_*: missing from SIMDe 0.7.4 (later SIMDe versions compute a full-precision 1/x).
//    Hardware returns an approximation with relative error < 2^-14 (Intel SDM), and a kernel can only
//    rely on that bound, so a full-precision emulation would hide any algorithm that needs more. Modelled
//    here as 1/x truncated to 14 fraction bits (relative error in (−2^-14, 0], i.e. as bad as the SDM
//    allows); -DSIGMAX_EMU_RCP14_EXACT gives a correctly rounded 1/x instead, for comparison. The result is
//    not bit-identical to any real CPU (Intel's exact table is not reproduced here), only to the spec.
//  * _mm512_mask_loadu_* / _mm512_mask_storeu_*: missing from SIMDe 0.7.4. Modelled lane by lane: a
//    masked-out lane is neither read nor written (as on hardware, where it also cannot fault).
//  * _mm512_shuffle_f32x4 / _mm512_shuffle_f64x2: SIMDe 0.7.4 has them only as simde_… (no alias).
//  * _mm512_cmplt_epu32_mask / _mm512_cmplt_epu64_mask: missing from SIMDe 0.7.4; a <u b is the
//    complement of SIMDe's cmpge_epu32/64_mask (a ≥u b), which the self-check compares with the hardware.
//  * __mmask8/__mmask16 and _MM_FROUND_NO_EXC: not defined without native AVX-512 / SSE4.1 headers.
//
// Checked to match hardware as SIMDe does it (native/test/simde_selfcheck.cc verifies each at run time):
// _mm512_max_ps/min_ps (a > b ? a : b, so a NaN in either operand returns the second operand, as
// VMAXPS/VMINPS), _mm512_roundscale_ps(…, TO_NEAREST_INT) ties to even, _mm512_cmp_ps_mask(_CMP_GT_OQ)
// false on NaN, _CMP_ORD_Q, _mm512_mask_blend_ps, _mm512_maskz_mov_ps, the 512↔128 casts, the integer
// OR used for −|x| (and the _pd forms), the exp tables' _mm512_permutexvar_ps and _mm512_permutex2var_pd
// (low 4 index bits), _mm512_permutex2var_ps as concatShift (lanes s … s + 15 of two registers),
// add_epi32/64 with slli_epi32/64, _CMP_NLT_UQ (a NaN compares true) with maskz_mov.
//
// Measured on the kernels (scripts/test-kernels.sh with one override removed at a time): SIMDe's own
// scalef turns log_softmax_backward(y = 88.4999847f) into +inf instead of 4.36e34 (f64: y = 709.78);
// SIMDe's unfused FMA (no -mfma) puts sigmoid/sigmoidDerivative at up to 2.8 ulp (f32) and 3.1 ulp
// (f64); an exact rcp14 hid the f64 sigmoid error of the AVX-512 kernel before commit 2959b7b
// (3.3e7 ulp with this model, 1.4 ulp with an exact 1/x).
#if defined(SIGMAX_SIMDE_SHIM_ACTIVE)
// SIMDe itself asks for the compiler's header when built with -mavx/-mavx2 (native halves): hand it over.
#include_next <immintrin.h>
#else
#define SIGMAX_SIMDE_SHIM_ACTIVE 1

#if !defined(SIMDE_ENABLE_NATIVE_ALIASES)
#define SIMDE_ENABLE_NATIVE_ALIASES
#endif
#include <simde/x86/avx512.h>

#include <math.h>
#include <stdint.h>

// C++ allows redeclaring a typedef to the same type: harmless where the compiler already has them.
typedef simde__mmask8 __mmask8;
typedef simde__mmask16 __mmask16;
#if !defined(_MM_FROUND_NO_EXC)
#define _MM_FROUND_NO_EXC SIMDE_MM_FROUND_NO_EXC
#endif
#if !defined(_MM_FROUND_TO_NEAREST_INT)
#define _MM_FROUND_TO_NEAREST_INT SIMDE_MM_FROUND_TO_NEAREST_INT
#endif

namespace sigmax_simde_emu {

// A register as an array of lanes (plain structs: vector types as template arguments lose attributes).
#define SIGMAX_EMU_LANES(Name, V, T, N)            \
  struct Name {                                    \
    T v[N];                                        \
    explicit Name(V x) { __builtin_memcpy(v, &x, sizeof v); } \
    Name() : v() {}                                \
    V get() const {                                \
      V x;                                         \
      __builtin_memcpy(&x, v, sizeof v);           \
      return x;                                    \
    }                                              \
  };
SIGMAX_EMU_LANES(LF, simde__m512, float, 16)
SIGMAX_EMU_LANES(LD, simde__m512d, double, 8)
#undef SIGMAX_EMU_LANES

inline simde__m512 fmadd_ps(simde__m512 a, simde__m512 b, simde__m512 c) {
  LF x(a), y(b), z(c), r;
  for (int i = 0; i < 16; ++i) r.v[i] = __builtin_fmaf(x.v[i], y.v[i], z.v[i]);
  return r.get();
}
inline simde__m512 fnmadd_ps(simde__m512 a, simde__m512 b, simde__m512 c) {  // −(a·b) + c, one rounding
  LF x(a), y(b), z(c), r;
  for (int i = 0; i < 16; ++i) r.v[i] = __builtin_fmaf(-x.v[i], y.v[i], z.v[i]);
  return r.get();
}
inline simde__m512d fmadd_pd(simde__m512d a, simde__m512d b, simde__m512d c) {
  LD x(a), y(b), z(c), r;
  for (int i = 0; i < 8; ++i) r.v[i] = __builtin_fma(x.v[i], y.v[i], z.v[i]);
  return r.get();
}
inline simde__m512d fnmadd_pd(simde__m512d a, simde__m512d b, simde__m512d c) {
  LD x(a), y(b), z(c), r;
  for (int i = 0; i < 8; ++i) r.v[i] = __builtin_fma(-x.v[i], y.v[i], z.v[i]);
  return r.get();
}

// VSCALEF: a·2^floor(b), rounded once (subnormal results included); NaN in → QNaN out; the ±inf-b rows of
// the SDM's special-case table (0·2^+inf and inf·2^-inf are NaN). The exponent is clamped far past the
// point where every finite a over/underflows, so the long double product stays exact (|e| < 16000).
template <class T>
inline T scalef1(T a, T b) {
  if (a != a) return a + a;
  if (b != b) return b + b;
  if (__builtin_isinf(b)) {
    if (b > 0) return a == 0 ? static_cast<T>(__builtin_nan("")) : a * static_cast<T>(__builtin_inf());
    return __builtin_isinf(a) ? static_cast<T>(__builtin_nan("")) : a * T(0);
  }
  long double e = floorl(static_cast<long double>(b));
  if (e > 4000) e = 4000;
  if (e < -4000) e = -4000;
  return static_cast<T>(ldexpl(static_cast<long double>(a), static_cast<int>(e)));
}
inline simde__m512 scalef_ps(simde__m512 a, simde__m512 b) {
  LF x(a), y(b), r;
  for (int i = 0; i < 16; ++i) r.v[i] = scalef1(x.v[i], y.v[i]);
  return r.get();
}
inline simde__m512d scalef_pd(simde__m512d a, simde__m512d b) {
  LD x(a), y(b), r;
  for (int i = 0; i < 8; ++i) r.v[i] = scalef1(x.v[i], y.v[i]);
  return r.get();
}

// VRCP14: ±0 → ±inf, ±inf → ±0, NaN → QNaN; otherwise 1/x with relative error < 2^-14 (see above).
inline double rcp14_1(double x) {
  if (x != x) return x + x;
  const double r = 1.0 / x;  // correctly rounded; ±inf for ±0 (and for a float subnormal's overflow later)
#if defined(SIGMAX_EMU_RCP14_EXACT)
  return r;
#else
  if (r == 0 || __builtin_isinf(r)) return r;
  uint64_t u;
  __builtin_memcpy(&u, &r, sizeof u);
  u &= ~((uint64_t(1) << (52 - 14)) - 1);  // keep 14 fraction bits: truncation toward zero
  double t;
  __builtin_memcpy(&t, &u, sizeof t);
  return t;
#endif
}
inline simde__m512 rcp14_ps(simde__m512 a) {
  LF x(a), r;
  for (int i = 0; i < 16; ++i) r.v[i] = static_cast<float>(rcp14_1(x.v[i]));  // 15 significant bits: exact
  return r.get();
}
inline simde__m512d rcp14_pd(simde__m512d a) {
  LD x(a), r;
  for (int i = 0; i < 8; ++i) r.v[i] = rcp14_1(x.v[i]);
  return r.get();
}

// Masked unaligned load/store: lanes whose mask bit is clear are never read/written.
inline simde__m512 mask_loadu_ps(simde__m512 src, simde__mmask16 k, const void* p) {
  LF r(src);
  for (int i = 0; i < 16; ++i)
    if ((k >> i) & 1) __builtin_memcpy(&r.v[i], static_cast<const char*>(p) + 4 * i, 4);
  return r.get();
}
inline simde__m512d mask_loadu_pd(simde__m512d src, simde__mmask8 k, const void* p) {
  LD r(src);
  for (int i = 0; i < 8; ++i)
    if ((k >> i) & 1) __builtin_memcpy(&r.v[i], static_cast<const char*>(p) + 8 * i, 8);
  return r.get();
}
inline void mask_storeu_ps(void* p, simde__mmask16 k, simde__m512 a) {
  LF x(a);
  for (int i = 0; i < 16; ++i)
    if ((k >> i) & 1) __builtin_memcpy(static_cast<char*>(p) + 4 * i, &x.v[i], 4);
}
inline void mask_storeu_pd(void* p, simde__mmask8 k, simde__m512d a) {
  LD x(a);
  for (int i = 0; i < 8; ++i)
    if ((k >> i) & 1) __builtin_memcpy(static_cast<char*>(p) + 8 * i, &x.v[i], 8);
}

}  // namespace sigmax_simde_emu

#undef _mm512_fmadd_ps
#undef _mm512_fnmadd_ps
#undef _mm512_fmadd_pd
#undef _mm512_fnmadd_pd
#undef _mm512_scalef_ps
#undef _mm512_scalef_pd
#undef _mm512_rcp14_ps
#undef _mm512_rcp14_pd
#undef _mm512_mask_loadu_ps
#undef _mm512_mask_loadu_pd
#undef _mm512_mask_storeu_ps
#undef _mm512_mask_storeu_pd
#undef _mm512_shuffle_f32x4
#undef _mm512_shuffle_f64x2
#undef _mm512_cmplt_epu32_mask
#undef _mm512_cmplt_epu64_mask
#define _mm512_fmadd_ps(a, b, c) sigmax_simde_emu::fmadd_ps(a, b, c)
#define _mm512_fnmadd_ps(a, b, c) sigmax_simde_emu::fnmadd_ps(a, b, c)
#define _mm512_fmadd_pd(a, b, c) sigmax_simde_emu::fmadd_pd(a, b, c)
#define _mm512_fnmadd_pd(a, b, c) sigmax_simde_emu::fnmadd_pd(a, b, c)
#define _mm512_scalef_ps(a, b) sigmax_simde_emu::scalef_ps(a, b)
#define _mm512_scalef_pd(a, b) sigmax_simde_emu::scalef_pd(a, b)
#define _mm512_rcp14_ps(a) sigmax_simde_emu::rcp14_ps(a)
#define _mm512_rcp14_pd(a) sigmax_simde_emu::rcp14_pd(a)
#define _mm512_mask_loadu_ps(src, k, p) sigmax_simde_emu::mask_loadu_ps(src, k, p)
#define _mm512_mask_loadu_pd(src, k, p) sigmax_simde_emu::mask_loadu_pd(src, k, p)
#define _mm512_mask_storeu_ps(p, k, a) sigmax_simde_emu::mask_storeu_ps(p, k, a)
#define _mm512_mask_storeu_pd(p, k, a) sigmax_simde_emu::mask_storeu_pd(p, k, a)
#define _mm512_shuffle_f32x4(a, b, imm8) simde_mm512_shuffle_f32x4(a, b, imm8)
#define _mm512_shuffle_f64x2(a, b, imm8) simde_mm512_shuffle_f64x2(a, b, imm8)
#define _mm512_cmplt_epu32_mask(a, b) static_cast<__mmask16>(~simde_mm512_cmpge_epu32_mask(a, b))
#define _mm512_cmplt_epu64_mask(a, b) static_cast<__mmask8>(~simde_mm512_cmpge_epu64_mask(a, b))

#endif  // SIGMAX_SIMDE_SHIM_ACTIVE
