// NEON kernels (AArch64, where NEON and FMA are baseline: no ISA flag needed).
// Tails go through a small stack buffer.
#include <arm_neon.h>

#include "kernels.h"
#include "tail_buffer.h"

namespace sigmax {
namespace {

struct F32 {
  using T = float;
  using R = float32x4_t;
  static constexpr size_t N = 4;
  static R load(const T* p) { return vld1q_f32(p); }
  static void store(T* p, R v) { vst1q_f32(p, v); }
  static R loadPartial(const T* p, size_t n, T fill) { return loadThroughBuffer<T, R, N>(p, n, fill, load); }
  static void storePartial(T* p, R v, size_t n) { storeThroughBuffer<T, R, N>(p, v, n, store); }
  static R keepFirst(R v, size_t n) {
    static const uint32_t kIota[4] = {0, 1, 2, 3};
    const uint32x4_t keep = vcltq_u32(vld1q_u32(kIota), vdupq_n_u32(static_cast<uint32_t>(n)));
    return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), keep));
  }
  static R set1(T v) { return vdupq_n_f32(v); }
  static R add(R a, R b) { return vaddq_f32(a, b); }
  static R sub(R a, R b) { return vsubq_f32(a, b); }
  static R mul(R a, R b) { return vmulq_f32(a, b); }
  static R div(R a, R b) { return vdivq_f32(a, b); }
  static R madd(R a, R b, R c) { return vfmaq_f32(c, a, b); }
  static R residual(R c, R a, R b) { return vfmsq_f32(c, a, b); }
  static R max(R a, R b) { return vmaxq_f32(a, b); }
  static R clamp(R z, R lo, R hi) { return vminq_f32(hi, vmaxq_f32(lo, z)); }  // fmax/fmin keep NaN
  static R negAbs(R x) { return vnegq_f32(vabsq_f32(x)); }
  static R selectPositive(R x, R a, R b) { return vbslq_f32(vcgtq_f32(x, vdupq_n_f32(0)), a, b); }
  static R zeroNaN(R v) { return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(v), vceqq_f32(v, v))); }
  static R round(R v) { return vrndnq_f32(v); }
  // p·2^n as (p·2^h)·2^(n−h), h = ⌊n/2⌋: both factors normal, the second product rounds once.
  static R pow2Scale(R p, R n) {
    const int32x4_t k = vcvtq_s32_f32(n), h = vshrq_n_s32(k, 1), bias = vdupq_n_s32(127);
    const R s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(h, bias), 23));
    const R s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(vsubq_s32(k, h), bias), 23));
    return vmulq_f32(vmulq_f32(p, s1), s2);
  }
  static constexpr int kTableBits = 4;  // tbl: 16 entries (64 bytes) in four registers, read bytewise
  static R lookup(const T* table, R index) {
    const uint8x16x4_t bytes = vld1q_u8_x4(reinterpret_cast<const uint8_t*>(table));
    // lane j → bytes 4j .. 4j + 3 of the table, j the index's low 4 bits
    const uint32x4_t j4 = vshlq_n_u32(vandq_u32(vreinterpretq_u32_f32(index), vdupq_n_u32(15)), 2);
    const uint32x4_t at = vmlaq_u32(vdupq_n_u32(0x03020100u), j4, vdupq_n_u32(0x01010101u));
    return vreinterpretq_f32_u8(vqtbl4q_u8(bytes, vreinterpretq_u8_u32(at)));
  }
  static R addExponent(R s, R v) {
    return vreinterpretq_f32_u32(vaddq_u32(vreinterpretq_u32_f32(s), vshlq_n_u32(vreinterpretq_u32_f32(v), 23 - kTableBits)));
  }
  static bool allAtLeast(R v, R lo) { return vminvq_u32(vcgeq_f32(v, lo)) != 0; }
  static R zeroWhereBelow(R v, R z, R lo) {  // z < lo is false for a NaN z
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(v), vcltq_f32(z, lo)));
  }
  static R recip(R v) { return vrecpeq_f32(v); }  // frecpe: 8 bits
  static constexpr bool kQuotientByRecip = false;
  static constexpr int kMapLockstep = 4;
  static T reduceAdd(R v) { return vaddvq_f32(v); }
  static T reduceMax(R v) { return vmaxvq_f32(v); }
  static unsigned long long atLeastMask(R a, R b) {
    const uint32x4_t bits = {1, 2, 4, 8};
    return vaddvq_u32(vandq_u32(vcgeq_f32(a, b), bits));
  }
  static R addWhereAtLeast(R s, R v, R lo) {
    return vaddq_f32(s, vreinterpretq_f32_u32(vandq_u32(vcgeq_f32(v, lo), vreinterpretq_u32_f32(v))));
  }
  static constexpr bool kCompress = false;
  static constexpr bool kRealign = false;
};

struct F64 {
  using T = double;
  using R = float64x2_t;
  static constexpr size_t N = 2;
  static R load(const T* p) { return vld1q_f64(p); }
  static void store(T* p, R v) { vst1q_f64(p, v); }
  static R loadPartial(const T* p, size_t n, T fill) { return loadThroughBuffer<T, R, N>(p, n, fill, load); }
  static void storePartial(T* p, R v, size_t n) { storeThroughBuffer<T, R, N>(p, v, n, store); }
  static R keepFirst(R v, size_t n) {
    static const uint64_t kIota[2] = {0, 1};
    const uint64x2_t keep = vcltq_u64(vld1q_u64(kIota), vdupq_n_u64(static_cast<uint64_t>(n)));
    return vreinterpretq_f64_u64(vandq_u64(vreinterpretq_u64_f64(v), keep));
  }
  static R set1(T v) { return vdupq_n_f64(v); }
  static R add(R a, R b) { return vaddq_f64(a, b); }
  static R sub(R a, R b) { return vsubq_f64(a, b); }
  static R mul(R a, R b) { return vmulq_f64(a, b); }
  static R div(R a, R b) { return vdivq_f64(a, b); }
  static R madd(R a, R b, R c) { return vfmaq_f64(c, a, b); }
  static R residual(R c, R a, R b) { return vfmsq_f64(c, a, b); }
  static R max(R a, R b) { return vmaxq_f64(a, b); }
  static R clamp(R z, R lo, R hi) { return vminq_f64(hi, vmaxq_f64(lo, z)); }
  static R negAbs(R x) { return vnegq_f64(vabsq_f64(x)); }
  static R selectPositive(R x, R a, R b) { return vbslq_f64(vcgtq_f64(x, vdupq_n_f64(0)), a, b); }
  static R zeroNaN(R v) { return vreinterpretq_f64_u64(vandq_u64(vreinterpretq_u64_f64(v), vceqq_f64(v, v))); }
  static R round(R v) { return vrndnq_f64(v); }
  static R pow2Scale(R p, R n) {
    const int64x2_t k = vcvtq_s64_f64(n), h = vshrq_n_s64(k, 1), bias = vdupq_n_s64(1023);
    const R s1 = vreinterpretq_f64_s64(vshlq_n_s64(vaddq_s64(h, bias), 52));
    const R s2 = vreinterpretq_f64_s64(vshlq_n_s64(vaddq_s64(vsubq_s64(k, h), bias), 52));
    return vmulq_f64(vmulq_f64(p, s1), s2);
  }
  static constexpr int kTableBits = 0;
  static R addExponent(R s, R v) {
    return vreinterpretq_f64_u64(vaddq_u64(vreinterpretq_u64_f64(s), vshlq_n_u64(vreinterpretq_u64_f64(v), 52)));
  }
  static bool allAtLeast(R v, R lo) {
    const uint64x2_t m = vcgeq_f64(v, lo);
    return (vgetq_lane_u64(m, 0) & vgetq_lane_u64(m, 1)) != 0;
  }
  static R recip(R v) { return vrecpeq_f64(v); }  // frecpe: 8 bits
  static constexpr bool kQuotientByRecip = false;
  static constexpr int kMapLockstep = 4;
  static T reduceAdd(R v) { return vaddvq_f64(v); }
  static T reduceMax(R v) { return vmaxvq_f64(v); }
  static unsigned long long atLeastMask(R a, R b) {
    const uint64x2_t bits = {1, 2};
    return vaddvq_u64(vandq_u64(vcgeq_f64(a, b), bits));
  }
  static R addWhereAtLeast(R s, R v, R lo) {
    return vaddq_f64(s, vreinterpretq_f64_u64(vandq_u64(vcgeq_f64(v, lo), vreinterpretq_u64_f64(v))));
  }
  static constexpr bool kCompress = false;
  static constexpr bool kRealign = false;
};

}  // namespace
}  // namespace sigmax

#include "kernel_body.inc"
#include "logits_body.inc"

namespace sigmax {
const KernelTable kNeonKernels = {"neon", typedKernels<F32>(), typedKernels<F64>(), logitsKernels<F32>(), logitsKernels<F64>()};
}
