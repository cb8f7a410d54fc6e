// AVX2 + FMA kernels (x86-64). Built with -mavx2 -mfma only for this file; selected at run time when
// CPUID reports AVX2 and FMA and XGETBV shows the OS saves the YMM state.
// Tails use vmaskmov loads and stores, which do not touch (or fault on) the masked-out lanes.
#include <immintrin.h>

#include "kernels.h"

namespace sigmax {
namespace {

struct F32 {
  using T = float;
  using R = __m256;
  static constexpr size_t N = 8;
  static __m256i mask(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static R load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, R v) { _mm256_storeu_ps(p, v); }
  static R loadPartial(const T* p, size_t n, T fill) {
    const __m256i m = mask(n);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static void storePartial(T* p, R v, size_t n) { _mm256_maskstore_ps(p, mask(n), v); }
  static R keepFirst(R v, size_t n) { return _mm256_and_ps(v, _mm256_castsi256_ps(mask(n))); }
  static R set1(T v) { return _mm256_set1_ps(v); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R div(R a, R b) { return _mm256_div_ps(a, b); }
  static R madd(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R residual(R c, R a, R b) { return _mm256_fnmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  // maxps/minps return the second operand when either is NaN: put z second to keep a NaN.
  static R clamp(R z, R lo, R hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, z)); }
  static R negAbs(R x) { return _mm256_or_ps(x, _mm256_set1_ps(-0.0f)); }
  static R selectPositive(R x, R a, R b) {
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
  }
  static R zeroNaN(R v) { return _mm256_and_ps(v, _mm256_cmp_ps(v, v, _CMP_ORD_Q)); }
  static R round(R v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // p·2^n as (p·2^h)·2^(n−h), h = ⌊n/2⌋: both factors are normal for n ∈ [−150, 128], the first
  // product is exact and the second rounds once, also into the subnormal range.
  static R pow2Scale(R p, R n) {
    const __m256i k = _mm256_cvtps_epi32(n), h = _mm256_srai_epi32(k, 1), bias = _mm256_set1_epi32(127);
    const R s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
    const R s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(k, h), bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
  }
  static constexpr int kTableBits = 3;  // vpermps: 8 entries in one register
  static R lookup(const T* table, R index) { return _mm256_permutevar8x32_ps(load(table), _mm256_castps_si256(index)); }
  static R addExponent(R s, R v) {
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(s), _mm256_slli_epi32(_mm256_castps_si256(v), 23 - kTableBits)));
  }
  static bool allAtLeast(R v, R lo) { return _mm256_movemask_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ)) == 0xff; }
  static R zeroWhereBelow(R v, R z, R lo) { return _mm256_and_ps(v, _mm256_cmp_ps(z, lo, _CMP_NLT_UQ)); }
  static R recip(R v) { return _mm256_rcp_ps(v); }  // 12 bits
  static constexpr bool kQuotientByRecip = false;
  static constexpr int kMapLockstep = 4;
  static T reduceAdd(R v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
  }
  static T reduceMax(R v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(s, _mm_shuffle_ps(s, s, 1)));
  }
  static unsigned long long atLeastMask(R a, R b) { return static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_GE_OQ))); }
  static R addWhereAtLeast(R s, R v, R lo) { return _mm256_add_ps(s, _mm256_and_ps(_mm256_cmp_ps(v, lo, _CMP_GE_OQ), v)); }
  static constexpr bool kCompress = false;
  static constexpr bool kRealign = false;
};

struct F64 {
  using T = double;
  using R = __m256d;
  static constexpr size_t N = 4;
  static __m256i mask(size_t n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static R load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, R v) { _mm256_storeu_pd(p, v); }
  static R loadPartial(const T* p, size_t n, T fill) {
    const __m256i m = mask(n);
    return _mm256_blendv_pd(_mm256_set1_pd(fill), _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
  }
  static void storePartial(T* p, R v, size_t n) { _mm256_maskstore_pd(p, mask(n), v); }
  static R keepFirst(R v, size_t n) { return _mm256_and_pd(v, _mm256_castsi256_pd(mask(n))); }
  static R set1(T v) { return _mm256_set1_pd(v); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R sub(R a, R b) { return _mm256_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R div(R a, R b) { return _mm256_div_pd(a, b); }
  static R madd(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R residual(R c, R a, R b) { return _mm256_fnmadd_pd(a, b, c); }
  static R max(R a, R b) { return _mm256_max_pd(a, b); }
  static R clamp(R z, R lo, R hi) { return _mm256_min_pd(hi, _mm256_max_pd(lo, z)); }
  static R negAbs(R x) { return _mm256_or_pd(x, _mm256_set1_pd(-0.0)); }
  static R selectPositive(R x, R a, R b) {
    return _mm256_blendv_pd(b, a, _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GT_OQ));
  }
  static R zeroNaN(R v) { return _mm256_and_pd(v, _mm256_cmp_pd(v, v, _CMP_ORD_Q)); }
  static R round(R v) { return _mm256_round_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static R pow2Scale(R p, R n) {  // as F32, for n ∈ [−1076, 1025]
    const __m128i k = _mm256_cvtpd_epi32(n), h = _mm_srai_epi32(k, 1), bias = _mm_set1_epi32(1023);
    const __m256i e1 = _mm256_cvtepi32_epi64(_mm_add_epi32(h, bias));
    const __m256i e2 = _mm256_cvtepi32_epi64(_mm_add_epi32(_mm_sub_epi32(k, h), bias));
    const R s1 = _mm256_castsi256_pd(_mm256_slli_epi64(e1, 52)), s2 = _mm256_castsi256_pd(_mm256_slli_epi64(e2, 52));
    return _mm256_mul_pd(_mm256_mul_pd(p, s1), s2);
  }
  static constexpr int kTableBits = 0;  // AVX2 has no variable permute of 64-bit lanes across the register
  static R addExponent(R s, R v) {
    return _mm256_castsi256_pd(_mm256_add_epi64(_mm256_castpd_si256(s), _mm256_slli_epi64(_mm256_castpd_si256(v), 52)));
  }
  static bool allAtLeast(R v, R lo) { return _mm256_movemask_pd(_mm256_cmp_pd(v, lo, _CMP_GE_OQ)) == 0xf; }
  static R recip(R v) { return _mm256_cvtps_pd(_mm_rcp_ps(_mm256_cvtpd_ps(v))); }  // float rcpps: 12 bits
  static constexpr bool kQuotientByRecip = false;
  static constexpr int kMapLockstep = 6;
  static T reduceAdd(R v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
  static T reduceMax(R v) {
    __m128d s = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_max_sd(s, _mm_unpackhi_pd(s, s)));
  }
  static unsigned long long atLeastMask(R a, R b) { return static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(a, b, _CMP_GE_OQ))); }
  static R addWhereAtLeast(R s, R v, R lo) { return _mm256_add_pd(s, _mm256_and_pd(_mm256_cmp_pd(v, lo, _CMP_GE_OQ), v)); }
  static constexpr bool kCompress = false;
  static constexpr bool kRealign = false;
};

}  // namespace
}  // namespace sigmax

#include "kernel_body.inc"
#include "logits_body.inc"

namespace sigmax {
const KernelTable kAvx2Kernels = {"avx2", typedKernels<F32>(), typedKernels<F64>(), logitsKernels<F32>(), logitsKernels<F64>()};
}
