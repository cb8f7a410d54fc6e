// AVX-512F kernels (x86-64). Built with -mavx512f only for this file; selected at run time when
// CPUID reports AVX-512F and XGETBV shows the OS saves the opmask and ZMM state.
// Tails use masked loads and stores, which never touch (or fault on) the masked-out lanes.
#include <immintrin.h>

#include "kernels.h"

namespace sigmax {
namespace {

struct F32 {
  using T = float;
  using R = __m512;
  static constexpr size_t N = 16;
  static __mmask16 mask(size_t n) { return static_cast<__mmask16>((1u << n) - 1); }
  static R load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R v) { _mm512_storeu_ps(p, v); }
  static R loadPartial(const T* p, size_t n, T fill) { return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), mask(n), p); }
  static void storePartial(T* p, R v, size_t n) { _mm512_mask_storeu_ps(p, mask(n), v); }
  static R keepFirst(R v, size_t n) { return _mm512_maskz_mov_ps(mask(n), v); }
  static R set1(T v) { return _mm512_set1_ps(v); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R div(R a, R b) { return _mm512_div_ps(a, b); }
  static R madd(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R residual(R c, R a, R b) { return _mm512_fnmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }
  // vmaxps/vminps return the second operand when either is NaN: put z second to keep a NaN.
  static R clamp(R z, R lo, R hi) { return _mm512_min_ps(hi, _mm512_max_ps(lo, z)); }
  static R negAbs(R x) {
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), _mm512_set1_epi32(static_cast<int>(0x80000000u))));
  }
  static R selectPositive(R x, R a, R b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), b, a);
  }
  static R zeroNaN(R v) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v); }
  static R round(R v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static R pow2Scale(R p, R n) { return _mm512_scalef_ps(p, n); }  // rounds once, subnormals included
  // vpermps: 16 entries in one register (measured on Zen 5: sigmoid 1.07x faster than vpermt2ps over 32
  // entries with the degree-3 polynomial the 16-entry table needs; the softmax terms no slower)
  static constexpr int kTableBits = 4;
  static R lookup(const T* table, R index) {
    return _mm512_permutexvar_ps(_mm512_castps_si512(index), load(table));
  }
  static R addExponent(R s, R v) {
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(s), _mm512_slli_epi32(_mm512_castps_si512(v), 23 - kTableBits)));
  }
  static bool allAtLeast(R v, R lo) { return _mm512_cmp_ps_mask(v, lo, _CMP_GE_OQ) == 0xffff; }
  static R zeroWhereBelow(R v, R z, R lo) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z, lo, _CMP_NLT_UQ), v); }
  static R recip(R v) { return _mm512_rcp14_ps(v); }
  static constexpr bool kQuotientByRecip = true;
  static constexpr bool kRealign = true;
  static R concatShift(R lo, R hi, size_t s) {  // vpermt2ps: index bit 4 picks hi
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return _mm512_permutex2var_ps(lo, _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(s))), hi);
  }
  static constexpr int kMapLockstep = 6;
  // Fold 512 → 256 → 128 → 32 bits (GCC 12's _mm512_reduce_* warn about undefined halves).
  static __m128 fold(R v, __m512 (*op)(__m512, __m512)) {
    v = op(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = op(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    __m128 s = _mm512_castps512_ps128(v);
    s = _mm512_castps512_ps128(op(_mm512_castps128_ps512(s), _mm512_castps128_ps512(_mm_movehl_ps(s, s))));
    return _mm512_castps512_ps128(op(_mm512_castps128_ps512(s), _mm512_castps128_ps512(_mm_shuffle_ps(s, s, 1))));
  }
  static T reduceAdd(R v) { return _mm_cvtss_f32(fold(v, add)); }
  static T reduceMax(R v) { return _mm_cvtss_f32(fold(v, max)); }
  static unsigned long long atLeastMask(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static R addWhereAtLeast(R s, R v, R lo) { return _mm512_mask_add_ps(s, _mm512_cmp_ps_mask(v, lo, _CMP_GE_OQ), s, v); }
  // The lanes of v chosen by mask, packed and written as a whole vector at dst; returns how many.
  static constexpr bool kCompress = true;
  // lo ≤ v < hi for lo, hi ≥ 0: a non-negative float's bits order like the float, so one unsigned
  // compare of bits(v) − bits(lo) with bits(hi) − bits(lo) (a negative or NaN v falls outside)
  static unsigned long long inRangeMask(R v, R lo, R hi) {
    const __m512i l = _mm512_castps_si512(lo);
    return _mm512_cmplt_epu32_mask(_mm512_sub_epi32(_mm512_castps_si512(v), l), _mm512_sub_epi32(_mm512_castps_si512(hi), l));
  }
  static size_t compressStore(unsigned long long mask, R v, T* dst) {
    _mm512_storeu_ps(dst, _mm512_maskz_compress_ps(static_cast<__mmask16>(mask), v));
    return static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(mask)));
  }
  // at + the lanes chosen by mask, packed and written as a whole vector of int32 at dst
  static void compressIndices(unsigned long long mask, size_t at, int32_t* dst) {
    const __m512i i = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(at)), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    _mm512_storeu_si512(dst, _mm512_maskz_compress_epi32(static_cast<__mmask16>(mask), i));
  }
};

struct F64 {
  using T = double;
  using R = __m512d;
  static constexpr size_t N = 8;
  static __mmask8 mask(size_t n) { return static_cast<__mmask8>((1u << n) - 1); }
  static R load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R v) { _mm512_storeu_pd(p, v); }
  static R loadPartial(const T* p, size_t n, T fill) { return _mm512_mask_loadu_pd(_mm512_set1_pd(fill), mask(n), p); }
  static void storePartial(T* p, R v, size_t n) { _mm512_mask_storeu_pd(p, mask(n), v); }
  static R keepFirst(R v, size_t n) { return _mm512_maskz_mov_pd(mask(n), v); }
  static R set1(T v) { return _mm512_set1_pd(v); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R sub(R a, R b) { return _mm512_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R div(R a, R b) { return _mm512_div_pd(a, b); }
  static R madd(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R residual(R c, R a, R b) { return _mm512_fnmadd_pd(a, b, c); }
  static R max(R a, R b) { return _mm512_max_pd(a, b); }
  static R clamp(R z, R lo, R hi) { return _mm512_min_pd(hi, _mm512_max_pd(lo, z)); }
  static R negAbs(R x) {
    return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(x), _mm512_set1_epi64(static_cast<long long>(0x8000000000000000ull))));
  }
  static R selectPositive(R x, R a, R b) {
    return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ), b, a);
  }
  static R zeroNaN(R v) { return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(v, v, _CMP_ORD_Q), v); }
  static R round(R v) { return _mm512_roundscale_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static R pow2Scale(R p, R n) { return _mm512_scalef_pd(p, n); }
  static constexpr int kTableBits = 4;  // vpermt2pd: 16 entries in two registers
  static R lookup(const T* table, R index) {
    return _mm512_permutex2var_pd(load(table), _mm512_castpd_si512(index), load(table + 8));
  }
  static R addExponent(R s, R v) {
    return _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(s), _mm512_slli_epi64(_mm512_castpd_si512(v), 52 - kTableBits)));
  }
  static bool allAtLeast(R v, R lo) { return _mm512_cmp_pd_mask(v, lo, _CMP_GE_OQ) == 0xff; }
  static R recip(R v) { return _mm512_rcp14_pd(v); }
  static constexpr bool kQuotientByRecip = false;
  static constexpr bool kRealign = false;  // realigned double rows ran 3 % slower than unaligned loads (Zen 5)
  static constexpr int kMapLockstep = 6;
  static __m128d fold(R v, __m512d (*op)(__m512d, __m512d)) {
    v = op(v, _mm512_shuffle_f64x2(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    v = op(v, _mm512_shuffle_f64x2(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    const __m128d s = _mm512_castpd512_pd128(v);
    return _mm512_castpd512_pd128(op(_mm512_castpd128_pd512(s), _mm512_castpd128_pd512(_mm_unpackhi_pd(s, s))));
  }
  static T reduceAdd(R v) { return _mm_cvtsd_f64(fold(v, add)); }
  static T reduceMax(R v) { return _mm_cvtsd_f64(fold(v, max)); }
  static unsigned long long atLeastMask(R a, R b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
  static R addWhereAtLeast(R s, R v, R lo) { return _mm512_mask_add_pd(s, _mm512_cmp_pd_mask(v, lo, _CMP_GE_OQ), s, v); }
  static constexpr bool kCompress = true;
  static unsigned long long inRangeMask(R v, R lo, R hi) {
    const __m512i l = _mm512_castpd_si512(lo);
    return _mm512_cmplt_epu64_mask(_mm512_sub_epi64(_mm512_castpd_si512(v), l), _mm512_sub_epi64(_mm512_castpd_si512(hi), l));
  }
  static size_t compressStore(unsigned long long mask, R v, T* dst) {
    _mm512_storeu_pd(dst, _mm512_maskz_compress_pd(static_cast<__mmask8>(mask), v));
    return static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(mask)));
  }
  static void compressIndices(unsigned long long mask, size_t at, int32_t* dst) {
    const __m512i i = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(at)), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_castsi512_si256(_mm512_maskz_compress_epi32(static_cast<__mmask16>(mask), i)));
  }
};

}  // namespace
}  // namespace sigmax

#include "kernel_body.inc"
#include "logits_body.inc"

namespace sigmax {
const KernelTable kAvx512Kernels = {"avx512", typedKernels<F32>(), typedKernels<F64>(), logitsKernels<F32>(), logitsKernels<F64>()};
}
