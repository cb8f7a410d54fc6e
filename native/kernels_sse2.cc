// SSE2 kernels (x86-64 baseline: every x86-64 CPU has SSE2, so this file needs no ISA flag).
// SSE2 has no FMA, no rounding instruction and no masked loads: products that must be exact are
// done in double (float) or with Dekker's TwoProduct (double), rounding goes through cvtps2dq,
// and tails go through a small stack buffer.
#include <emmintrin.h>

#include "kernels.h"
#include "tail_buffer.h"

namespace sigmax {
namespace {

struct F32 {
  using T = float;
  using R = __m128;
  static constexpr size_t N = 4;
  static R load(const T* p) { return _mm_loadu_ps(p); }
  static void store(T* p, R v) { _mm_storeu_ps(p, v); }
  static R loadPartial(const T* p, size_t n, T fill) { return loadThroughBuffer<T, R, N>(p, n, fill, load); }
  static void storePartial(T* p, R v, size_t n) { storeThroughBuffer<T, R, N>(p, v, n, store); }
  static R keepFirst(R v, size_t n) {
    return _mm_and_ps(v, _mm_castsi128_ps(_mm_cmplt_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32(static_cast<int>(n)))));
  }
  static R set1(T v) { return _mm_set1_ps(v); }
  static R add(R a, R b) { return _mm_add_ps(a, b); }
  static R sub(R a, R b) { return _mm_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm_mul_ps(a, b); }
  static R div(R a, R b) { return _mm_div_ps(a, b); }
  static R madd(R a, R b, R c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  // c − a·b in double, where the float product is exact; one rounding back to float.
  static R residual(R c, R a, R b) {
    const __m128d lo = _mm_sub_pd(_mm_cvtps_pd(c), _mm_mul_pd(_mm_cvtps_pd(a), _mm_cvtps_pd(b)));
    const __m128d hi = _mm_sub_pd(_mm_cvtps_pd(_mm_movehl_ps(c, c)),
                                  _mm_mul_pd(_mm_cvtps_pd(_mm_movehl_ps(a, a)), _mm_cvtps_pd(_mm_movehl_ps(b, b))));
    return _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi));
  }
  static R max(R a, R b) { return _mm_max_ps(a, b); }
  // maxps/minps return the second operand when either is NaN: put z second to keep a NaN.
  static R clamp(R z, R lo, R hi) { return _mm_min_ps(hi, _mm_max_ps(lo, z)); }
  static R negAbs(R x) { return _mm_or_ps(x, _mm_set1_ps(-0.0f)); }
  static R selectPositive(R x, R a, R b) {
    const R m = _mm_cmpgt_ps(x, _mm_setzero_ps());
    return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b));
  }
  static R zeroNaN(R v) { return _mm_and_ps(v, _mm_cmpord_ps(v, v)); }
  static R round(R v) { return _mm_cvtepi32_ps(_mm_cvtps_epi32(v)); }  // MXCSR default: to nearest
  // p·2^n as (p·2^h)·2^(n−h), h = ⌊n/2⌋, as in the AVX2 file.
  static R pow2Scale(R p, R n) {
    const __m128i k = _mm_cvtps_epi32(n), h = _mm_srai_epi32(k, 1), bias = _mm_set1_epi32(127);
    const R s1 = _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(h, bias), 23));
    const R s2 = _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(_mm_sub_epi32(k, h), bias), 23));
    return _mm_mul_ps(_mm_mul_ps(p, s1), s2);
  }
  static constexpr int kTableBits = 0;  // SSE2 has no variable permute
  static R addExponent(R s, R v) { return _mm_castsi128_ps(_mm_add_epi32(_mm_castps_si128(s), _mm_slli_epi32(_mm_castps_si128(v), 23))); }
  static bool allAtLeast(R v, R lo) { return _mm_movemask_ps(_mm_cmpge_ps(v, lo)) == 0xf; }
  static R zeroWhereBelow(R v, R z, R lo) { return _mm_and_ps(v, _mm_cmpnlt_ps(z, lo)); }
  static R recip(R v) { return _mm_rcp_ps(v); }  // 12 bits
  static constexpr bool kQuotientByRecip = false;
  static constexpr int kMapLockstep = 6;
  static T reduceAdd(R v) {
    const R s = _mm_add_ps(v, _mm_movehl_ps(v, v));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
  }
  static T reduceMax(R v) {
    const R s = _mm_max_ps(v, _mm_movehl_ps(v, v));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_shuffle_ps(s, s, 1)));
  }
  static unsigned long long atLeastMask(R a, R b) { return static_cast<unsigned>(_mm_movemask_ps(_mm_cmpge_ps(a, b))); }
  static R addWhereAtLeast(R s, R v, R lo) { return _mm_add_ps(s, _mm_and_ps(_mm_cmpge_ps(v, lo), v)); }
  static constexpr bool kCompress = false;
  static constexpr bool kRealign = false;
};

struct F64 {
  using T = double;
  using R = __m128d;
  static constexpr size_t N = 2;
  static R load(const T* p) { return _mm_loadu_pd(p); }
  static void store(T* p, R v) { _mm_storeu_pd(p, v); }
  static R loadPartial(const T* p, size_t n, T fill) { return loadThroughBuffer<T, R, N>(p, n, fill, load); }
  static void storePartial(T* p, R v, size_t n) { storeThroughBuffer<T, R, N>(p, v, n, store); }
  static R keepFirst(R v, size_t n) {  // lane k's two 32-bit halves both compare k < n
    return _mm_and_pd(v, _mm_castsi128_pd(_mm_cmplt_epi32(_mm_setr_epi32(0, 0, 1, 1), _mm_set1_epi32(static_cast<int>(n)))));
  }
  static R set1(T v) { return _mm_set1_pd(v); }
  static R add(R a, R b) { return _mm_add_pd(a, b); }
  static R sub(R a, R b) { return _mm_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm_mul_pd(a, b); }
  static R div(R a, R b) { return _mm_div_pd(a, b); }
  static R madd(R a, R b, R c) { return _mm_add_pd(_mm_mul_pd(a, b), c); }
  static R split(R a, R* low) {  // Veltkamp: a = high + low, each with at most 26 significant bits
    const R t = _mm_mul_pd(_mm_set1_pd(134217729.0), a);
    const R high = _mm_sub_pd(t, _mm_sub_pd(t, a));
    *low = _mm_sub_pd(a, high);
    return high;
  }
  // c − a·b with the product's rounding error from Dekker's TwoProduct; exact when c ≈ a·b.
  static R residual(R c, R a, R b) {
    R al, bl;
    const R ah = split(a, &al), bh = split(b, &bl), p = _mm_mul_pd(a, b);
    const R err = _mm_add_pd(_mm_add_pd(_mm_add_pd(_mm_sub_pd(_mm_mul_pd(ah, bh), p), _mm_mul_pd(ah, bl)),
                                        _mm_mul_pd(al, bh)),
                             _mm_mul_pd(al, bl));
    return _mm_sub_pd(_mm_sub_pd(c, p), err);
  }
  static R max(R a, R b) { return _mm_max_pd(a, b); }
  static R clamp(R z, R lo, R hi) { return _mm_min_pd(hi, _mm_max_pd(lo, z)); }
  static R negAbs(R x) { return _mm_or_pd(x, _mm_set1_pd(-0.0)); }
  static R selectPositive(R x, R a, R b) {
    const R m = _mm_cmpgt_pd(x, _mm_setzero_pd());
    return _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b));
  }
  static R zeroNaN(R v) { return _mm_and_pd(v, _mm_cmpord_pd(v, v)); }
  static R round(R v) { return _mm_cvtepi32_pd(_mm_cvtpd_epi32(v)); }
  static R pow2Scale(R p, R n) {  // as F32, for n ∈ [−1076, 1025]; the biased exponents are positive
    const __m128i k = _mm_cvtpd_epi32(n), h = _mm_srai_epi32(k, 1), bias = _mm_set1_epi32(1023);
    const __m128i e1 = _mm_unpacklo_epi32(_mm_add_epi32(h, bias), _mm_setzero_si128());
    const __m128i e2 = _mm_unpacklo_epi32(_mm_add_epi32(_mm_sub_epi32(k, h), bias), _mm_setzero_si128());
    return _mm_mul_pd(_mm_mul_pd(p, _mm_castsi128_pd(_mm_slli_epi64(e1, 52))), _mm_castsi128_pd(_mm_slli_epi64(e2, 52)));
  }
  static constexpr int kTableBits = 0;
  static R addExponent(R s, R v) { return _mm_castsi128_pd(_mm_add_epi64(_mm_castpd_si128(s), _mm_slli_epi64(_mm_castpd_si128(v), 52))); }
  static bool allAtLeast(R v, R lo) { return _mm_movemask_pd(_mm_cmpge_pd(v, lo)) == 0x3; }
  static R recip(R v) { return _mm_cvtps_pd(_mm_rcp_ps(_mm_cvtpd_ps(v))); }  // float rcpps: 12 bits
  static constexpr bool kQuotientByRecip = false;
  static constexpr int kMapLockstep = 6;
  static T reduceAdd(R v) { return _mm_cvtsd_f64(_mm_add_sd(v, _mm_unpackhi_pd(v, v))); }
  static T reduceMax(R v) { return _mm_cvtsd_f64(_mm_max_sd(v, _mm_unpackhi_pd(v, v))); }
  static unsigned long long atLeastMask(R a, R b) { return static_cast<unsigned>(_mm_movemask_pd(_mm_cmpge_pd(a, b))); }
  static R addWhereAtLeast(R s, R v, R lo) { return _mm_add_pd(s, _mm_and_pd(_mm_cmpge_pd(v, lo), v)); }
  static constexpr bool kCompress = false;
  static constexpr bool kRealign = false;
};

}  // namespace
}  // namespace sigmax

#include "kernel_body.inc"
#include "logits_body.inc"

namespace sigmax {
const KernelTable kSse2Kernels = {"sse2", typedKernels<F32>(), typedKernels<F64>(), logitsKernels<F32>(), logitsKernels<F64>()};
}
