// Checks, one intrinsic at a time, the behaviour native/kernels_avx512.cc relies on, so a difference
// between the SIMDe emulation (native/test/simde/immintrin.h) and the hardware shows up as a named
// primitive instead of a puzzling kernel mismatch. Built exactly like kernels_avx512.cc: against the
// shim without -mavx512f (emulated), or with -mavx512f against the real <immintrin.h> (hardware), where
// it checks the same facts on the CPU. Linked into kernel_test; returns the number of failed facts.
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  if (!ok) {
    ++failures;
    printf("  selfcheck FAIL: %s\n", what);
  }
}

uint32_t bitsOf(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
uint64_t bitsOf(double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  return u;
}
bool same(float a, float b) { return bitsOf(a) == bitsOf(b); }
bool same(double a, double b) { return bitsOf(a) == bitsOf(b); }
bool isNan(float a) { return a != a; }
bool isNan(double a) { return a != a; }

struct F16 {
  float v[16];
};
struct D8 {
  double v[8];
};
F16 lanes(__m512 x) {
  F16 r;
  _mm512_storeu_ps(r.v, x);
  return r;
}
D8 lanes(__m512d x) {
  D8 r;
  _mm512_storeu_pd(r.v, x);
  return r;
}

}  // namespace

int sigmaxSimdeSelfCheck() {
  failures = 0;
  const float nanf = __builtin_nanf(""), inff = __builtin_inff();
  const double nand = __builtin_nan(""), infd = __builtin_inf();

  // max/min: a NaN in either operand returns the second operand (VMAXPS/VMINPS); ±0 → second operand.
  {
    F16 r = lanes(_mm512_max_ps(_mm512_set1_ps(nanf), _mm512_set1_ps(1.0f)));
    expect(r.v[0] == 1.0f && r.v[15] == 1.0f, "max_ps(NaN, 1) == 1 (second operand)");
    r = lanes(_mm512_max_ps(_mm512_set1_ps(1.0f), _mm512_set1_ps(nanf)));
    expect(isNan(r.v[0]) && isNan(r.v[15]), "max_ps(1, NaN) is NaN (second operand)");
    r = lanes(_mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_set1_ps(nanf)));
    expect(isNan(r.v[7]), "min_ps(89, NaN) is NaN (second operand)");
    r = lanes(_mm512_min_ps(_mm512_set1_ps(nanf), _mm512_set1_ps(89.0f)));
    expect(r.v[7] == 89.0f, "min_ps(NaN, 89) == 89");
    r = lanes(_mm512_max_ps(_mm512_set1_ps(-0.0f), _mm512_set1_ps(0.0f)));
    expect(same(r.v[3], 0.0f), "max_ps(-0, +0) == +0 (second operand)");
    D8 d = lanes(_mm512_max_pd(_mm512_set1_pd(1.0), _mm512_set1_pd(nand)));
    expect(isNan(d.v[0]) && isNan(d.v[7]), "max_pd(1, NaN) is NaN (second operand)");
    d = lanes(_mm512_min_pd(_mm512_set1_pd(nand), _mm512_set1_pd(2.0)));
    expect(d.v[5] == 2.0, "min_pd(NaN, 2) == 2");
  }
  // roundscale to nearest, ties to even; NaN and large values pass.
  {
    const float in[16] = {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 3.49999976f, -150.5f, 128.5f,
                          1e30f, -inff, nanf, 0.49999997f, -1.5f, 7.0f, 1e-40f, -0.0f};
    const float want[16] = {0.0f, 2.0f, 2.0f, -0.0f, -2.0f, 3.0f, -150.0f, 128.0f,
                            1e30f, -inff, nanf, 0.0f, -2.0f, 7.0f, 0.0f, -0.0f};
    F16 r = lanes(_mm512_roundscale_ps(_mm512_loadu_ps(in), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    bool ok = true;
    for (int i = 0; i < 16; ++i) ok = ok && (isNan(want[i]) ? isNan(r.v[i]) : same(r.v[i], want[i]));
    expect(ok, "roundscale_ps(TO_NEAREST_INT): ties to even, signs, NaN, huge");
    const double ind[8] = {0.5, 1.5, 2.5, -2.5, -1075.5, 1e300, nand, -0.5};
    const double wantd[8] = {0.0, 2.0, 2.0, -2.0, -1076.0, 1e300, nand, -0.0};
    D8 d = lanes(_mm512_roundscale_pd(_mm512_loadu_pd(ind), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    ok = true;
    for (int i = 0; i < 8; ++i) ok = ok && (isNan(wantd[i]) ? isNan(d.v[i]) : same(d.v[i], wantd[i]));
    expect(ok, "roundscale_pd(TO_NEAREST_INT): ties to even, signs, NaN, huge");
  }
  // cmp GT_OQ (false on NaN) and blend (mask bit set → second source).
  {
    const float in[16] = {1, 0, -0.0f, nanf, -1, 1e-45f, inff, -inff, 2, 2, 2, 2, 2, 2, 2, -2};
    const __mmask16 k = _mm512_cmp_ps_mask(_mm512_loadu_ps(in), _mm512_setzero_ps(), _CMP_GT_OQ);
    expect(k == 0x7f61, "cmp_ps_mask(x, 0, GT_OQ): NaN and ±0 false");
    F16 r = lanes(_mm512_mask_blend_ps(k, _mm512_set1_ps(-1.0f), _mm512_set1_ps(1.0f)));
    expect(r.v[0] == 1.0f && r.v[1] == -1.0f && r.v[3] == -1.0f && r.v[14] == 1.0f && r.v[15] == -1.0f,
           "mask_blend_ps picks the second source where the mask bit is set");
    const __mmask16 ord = _mm512_cmp_ps_mask(_mm512_loadu_ps(in), _mm512_loadu_ps(in), _CMP_ORD_Q);
    expect(ord == 0xfff7, "cmp_ps_mask(x, x, ORD_Q): false only for NaN");
    r = lanes(_mm512_maskz_mov_ps(ord, _mm512_loadu_ps(in)));
    expect(r.v[3] == 0.0f && r.v[0] == 1.0f && r.v[6] == inff, "maskz_mov_ps zeroes the masked-out lanes");
    const double ind[8] = {1, -1, nand, 0, 5e-324, -infd, 3, -0.0};
    const __mmask8 kd = _mm512_cmp_pd_mask(_mm512_loadu_pd(ind), _mm512_setzero_pd(), _CMP_GT_OQ);
    expect(kd == 0x51, "cmp_pd_mask(x, 0, GT_OQ)");
    const __mmask8 ordd = _mm512_cmp_pd_mask(_mm512_loadu_pd(ind), _mm512_loadu_pd(ind), _CMP_ORD_Q);
    expect(ordd == 0xfb, "cmp_pd_mask(x, x, ORD_Q)");
    D8 d = lanes(_mm512_maskz_mov_pd(ordd, _mm512_loadu_pd(ind)));
    expect(d.v[2] == 0.0 && d.v[5] == -infd && d.v[6] == 3.0, "maskz_mov_pd zeroes the masked-out lanes");
  }
  // fused multiply-add: one rounding, so c − a·b recovers a product's rounding error exactly.
  {
    const float a = 1.0f + 0x1p-12f, b = 1.0f - 0x1p-13f, p = a * b;
    F16 r = lanes(_mm512_fnmadd_ps(_mm512_set1_ps(a), _mm512_set1_ps(b), _mm512_set1_ps(p)));
    const double exact = static_cast<double>(p) - static_cast<double>(a) * b;
    expect(r.v[0] == static_cast<float>(exact) && exact != 0, "fnmadd_ps is fused (exact residual)");
    r = lanes(_mm512_fmadd_ps(_mm512_set1_ps(a), _mm512_set1_ps(b), _mm512_set1_ps(-p)));
    expect(r.v[9] == static_cast<float>(-exact), "fmadd_ps is fused");
    const double ad = 1.0 + 0x1p-30, bd = 1.0 - 0x1p-31, pd = ad * bd;
    D8 d = lanes(_mm512_fnmadd_pd(_mm512_set1_pd(ad), _mm512_set1_pd(bd), _mm512_set1_pd(pd)));
    expect(d.v[0] == 0x1p-61, "fnmadd_pd is fused (exact residual)");
    d = lanes(_mm512_fmadd_pd(_mm512_set1_pd(ad), _mm512_set1_pd(bd), _mm512_set1_pd(-pd)));
    expect(d.v[3] == -0x1p-61, "fmadd_pd is fused");
  }
  // scalef: a·2^floor(b) rounded once, into the subnormal range and up to the overflow threshold.
  {
    const float a[16] = {1.5f, 1.0f, 0.75f, 1.0f, 1.25f, 1.0f, 3.0f, nanf, 1.0f, 0.0f, 1.0f, -1.5f,
                         1.4f, 0.6f, 1.9999999f, 1.0f};
    const float b[16] = {-150, -150, 128, 128, -149, 2.7f, -1.5f, 0, nanf, 5, -200, -150,
                         -127, -126, 127, -149};
    F16 r = lanes(_mm512_scalef_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b)));
    expect(same(r.v[0], 0x1p-149f), "scalef_ps(1.5, -150) == 2^-149 (rounded once)");
    expect(same(r.v[1], 0.0f), "scalef_ps(1, -150) == 0 (tie to even)");
    expect(r.v[2] == 0.75f * 0x1p127f * 2.0f && r.v[2] < inff, "scalef_ps(0.75, 128) finite");
    expect(r.v[3] == inff, "scalef_ps(1, 128) == +inf");
    expect(same(r.v[4], 0x1p-149f), "scalef_ps(1.25, -149) == 2^-149");
    expect(r.v[5] == 4.0f, "scalef_ps(1, 2.7) == 4 (floor)");
    expect(r.v[6] == 0.75f, "scalef_ps(3, -1.5) == 0.75 (floor)");
    expect(isNan(r.v[7]) && isNan(r.v[8]), "scalef_ps NaN in, NaN out");
    expect(same(r.v[9], 0.0f) && same(r.v[10], 0.0f), "scalef_ps zero and underflow");
    expect(same(r.v[11], -0x1p-149f), "scalef_ps(-1.5, -150) == -2^-149");
    expect(r.v[12] == 1.4f * 0x1p-126f / 2.0f, "scalef_ps(1.4, -127): one rounding to a subnormal");
    expect(r.v[13] == 0.6f * 0x1p-126f, "scalef_ps(0.6, -126)");
    expect(r.v[14] == 1.9999999f * 0x1p127f, "scalef_ps(~2, 127) == FLT_MAX region");
    const double ad[8] = {1.5, 1.0, 0.75, 1.0, 1.4, 1.0, nand, -1.5};
    const double bd[8] = {-1075, -1075, 1024, 1024, -1023, 3.9, 1, -1075};
    D8 d = lanes(_mm512_scalef_pd(_mm512_loadu_pd(ad), _mm512_loadu_pd(bd)));
    expect(same(d.v[0], 0x1p-1074), "scalef_pd(1.5, -1075) == 2^-1074");
    expect(same(d.v[1], 0.0), "scalef_pd(1, -1075) == 0");
    expect(d.v[2] < infd && d.v[2] == 0.75 * 0x1p1023 * 2.0, "scalef_pd(0.75, 1024) finite");
    expect(d.v[3] == infd, "scalef_pd(1, 1024) == +inf");
    expect(d.v[4] == 1.4 * 0x1p-1022 / 2.0, "scalef_pd(1.4, -1023): one rounding");
    expect(d.v[5] == 8.0 && isNan(d.v[6]) && same(d.v[7], -0x1p-1074), "scalef_pd floor, NaN, sign");
  }
  // rcp14: relative error below 2^-14 (SDM), exact specials.
  {
    float in[16];
    for (int i = 0; i < 16; ++i) in[i] = 1.0f + static_cast<float>(i) * 0.0625f + 0.01f * i * i;
    in[13] = 0.0f;
    in[14] = -inff;
    in[15] = nanf;
    F16 r = lanes(_mm512_rcp14_ps(_mm512_loadu_ps(in)));
    bool ok = true;
    for (int i = 0; i < 13; ++i) {
      const double e = (static_cast<double>(r.v[i]) * in[i]) - 1.0;
      ok = ok && e < 0x1p-14 && e > -0x1p-14;
    }
    expect(ok, "rcp14_ps relative error < 2^-14");
    expect(r.v[13] == inff && same(r.v[14], -0.0f) && isNan(r.v[15]), "rcp14_ps(0, -inf, NaN)");
    double ind[8] = {1.0, 1.1, 1.7, 2.0, 3.999, 1.0 / 3, 0.0, nand};
    D8 d = lanes(_mm512_rcp14_pd(_mm512_loadu_pd(ind)));
    ok = true;
    for (int i = 0; i < 6; ++i) {
      const double e = d.v[i] * ind[i] - 1.0;
      ok = ok && e < 0x1p-14 && e > -0x1p-14;
    }
    expect(ok, "rcp14_pd relative error < 2^-14");
    expect(d.v[6] == infd && isNan(d.v[7]), "rcp14_pd(0, NaN)");
  }
  // masked load/store: masked-out lanes come from src / stay untouched in memory.
  {
    float mem[20];
    for (int i = 0; i < 20; ++i) mem[i] = static_cast<float>(i);
    F16 r = lanes(_mm512_mask_loadu_ps(_mm512_set1_ps(-7.0f), static_cast<__mmask16>(0x001f), mem + 1));
    expect(r.v[0] == 1.0f && r.v[4] == 5.0f && r.v[5] == -7.0f && r.v[15] == -7.0f, "mask_loadu_ps");
    _mm512_mask_storeu_ps(mem + 2, static_cast<__mmask16>(0x0007), _mm512_set1_ps(-1.0f));
    expect(mem[1] == 1.0f && mem[2] == -1.0f && mem[4] == -1.0f && mem[5] == 5.0f && mem[17] == 17.0f,
           "mask_storeu_ps writes only the masked lanes");
    double md[10];
    for (int i = 0; i < 10; ++i) md[i] = i;
    D8 d = lanes(_mm512_mask_loadu_pd(_mm512_set1_pd(-7.0), static_cast<__mmask8>(0x03), md + 3));
    expect(d.v[0] == 3.0 && d.v[1] == 4.0 && d.v[2] == -7.0, "mask_loadu_pd");
    _mm512_mask_storeu_pd(md + 1, static_cast<__mmask8>(0x01), _mm512_set1_pd(-1.0));
    expect(md[0] == 0.0 && md[1] == -1.0 && md[2] == 2.0 && md[9] == 9.0, "mask_storeu_pd");
  }
  // the lane shuffles, casts and the integer OR of the horizontal folds and −|x|.
  {
    float in[16];
    for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i);
    const __m512 v = _mm512_loadu_ps(in);
    F16 r = lanes(_mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    expect(r.v[0] == 8.0f && r.v[4] == 12.0f && r.v[8] == 0.0f && r.v[12] == 4.0f, "shuffle_f32x4(1,0,3,2)");
    r = lanes(_mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
    expect(r.v[0] == 4.0f && r.v[4] == 0.0f && r.v[8] == 12.0f && r.v[12] == 8.0f, "shuffle_f32x4(2,3,0,1)");
    const __m128 lo = _mm512_castps512_ps128(v);
    expect(_mm_cvtss_f32(_mm_shuffle_ps(lo, lo, 3)) == 3.0f, "castps512_ps128 keeps lanes 0..3");
    r = lanes(_mm512_castps128_ps512(_mm_set1_ps(5.0f)));
    expect(r.v[0] == 5.0f && r.v[3] == 5.0f, "castps128_ps512 keeps lanes 0..3");
    double ind[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    const __m512d vd = _mm512_loadu_pd(ind);
    D8 d = lanes(_mm512_shuffle_f64x2(vd, vd, _MM_SHUFFLE(1, 0, 3, 2)));
    expect(d.v[0] == 4.0 && d.v[2] == 6.0 && d.v[4] == 0.0 && d.v[6] == 2.0, "shuffle_f64x2(1,0,3,2)");
    d = lanes(_mm512_castpd128_pd512(_mm512_castpd512_pd128(vd)));
    expect(d.v[0] == 0.0 && d.v[1] == 1.0, "castpd512_pd128 / castpd128_pd512");
    r = lanes(_mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(2.0f)),
                                                  _mm512_set1_epi32(static_cast<int>(0x80000000u)))));
    expect(r.v[0] == -2.0f && r.v[15] == -2.0f, "or_si512 sign bit (−|x|), epi32");
    d = lanes(_mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(_mm512_set1_pd(nand)),
                                                  _mm512_set1_epi64(static_cast<long long>(0x8000000000000000ull)))));
    expect(isNan(d.v[0]) && (bitsOf(d.v[0]) >> 63) == 1, "or_si512 sign bit, epi64 (NaN stays NaN)");
    (void)infd;
  }
  // the exp tables: 16-entry lookups by the low index bits of a float's pattern, the exponent add
  // and shift, the masked zero of the softmax terms (NLT_UQ keeps a NaN), vmaxps for the rcp14 clamp.
  {
    float table[16];
    for (int i = 0; i < 16; ++i) table[i] = 100.0f + static_cast<float>(i);
    int idx[16];
    for (int i = 0; i < 16; ++i) idx[i] = (i * 7 + 3) | (0x4b400000 & ~15);  // garbage above bit 3, as kShifter leaves
    const __m512i iv = _mm512_loadu_si512(idx);
    F16 r = lanes(_mm512_permutexvar_ps(iv, _mm512_loadu_ps(table)));
    bool ok = true;
    for (int i = 0; i < 16; ++i) ok = ok && r.v[i] == table[(i * 7 + 3) & 15];
    expect(ok, "permutexvar_ps reads the low 4 index bits");
    double tabled[16];
    for (int i = 0; i < 16; ++i) tabled[i] = 200.0 + i;
    long long idxd[8];
    for (int i = 0; i < 8; ++i) idxd[i] = (i * 5 + 2) | (0x4338000000000000ll & ~15ll);
    D8 d = lanes(_mm512_permutex2var_pd(_mm512_loadu_pd(tabled), _mm512_loadu_si512(idxd), _mm512_loadu_pd(tabled + 8)));
    ok = true;
    for (int i = 0; i < 8; ++i) ok = ok && d.v[i] == tabled[(i * 5 + 2) & 15];
    expect(ok, "permutex2var_pd reads the low 4 index bits across both tables");
    // concatShift: lanes s … s + N − 1 of two registers, index s + lane (the realigned softmax terms)
    for (int s = 1; s < 16; ++s) {
      const __m512i lanesF = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
      r = lanes(_mm512_permutex2var_ps(_mm512_loadu_ps(table), _mm512_add_epi32(lanesF, _mm512_set1_epi32(s)),
                                       _mm512_set1_ps(-1.0f)));
      ok = true;
      for (int i = 0; i < 16; ++i) ok = ok && r.v[i] == (s + i < 16 ? table[s + i] : -1.0f);
      expect(ok, "permutex2var_ps: lanes s … s + 15 of two registers");
    }
    r = lanes(_mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(_mm512_set1_ps(1.5f)),
                                                   _mm512_slli_epi32(_mm512_set1_epi32(-3 * 32), 18))));
    expect(r.v[0] == 0.1875f && r.v[15] == 0.1875f, "add_epi32 + slli_epi32: 1.5·2^-3");
    d = lanes(_mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(_mm512_set1_pd(1.5)),
                                                   _mm512_slli_epi64(_mm512_set1_epi64(5 << 4), 48))));
    expect(d.v[0] == 48.0 && d.v[7] == 48.0, "add_epi64 + slli_epi64: 1.5·2^5");
    const __m512 z = _mm512_setr_ps(-1.0f, -100.0f, nanf, -inff, 0.0f, -87.0f, -87.5f, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    r = lanes(_mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z, _mm512_set1_ps(-87.0f), _CMP_NLT_UQ), _mm512_set1_ps(2.0f)));
    expect(r.v[0] == 2.0f && r.v[1] == 0.0f && r.v[2] == 2.0f && r.v[3] == 0.0f && r.v[4] == 2.0f && r.v[5] == 2.0f &&
               r.v[6] == 0.0f, "cmp_ps_mask(NLT_UQ): below → 0, NaN and equal kept");
    r = lanes(_mm512_max_ps(_mm512_set1_ps(0.4999f), _mm512_set1_ps(0.5f)));
    expect(r.v[0] == 0.5f, "max_ps clamp");
  }
  // the logits toolkit: GE_OQ masks (NaN never passes), masked adds, and compress (packed, zeroed above).
  {
    const __m512 v = _mm512_setr_ps(0.5f, nanf, 0.25f, 1, 0.125f, 0.25f, -inff, 0, 2, 3, 0.3f, 0.2f, 0.25f, nanf, 9, 0.26f);
    const __mmask16 ge = _mm512_cmp_ps_mask(v, _mm512_set1_ps(0.25f), _CMP_GE_OQ);
    expect(ge == 0xd72d, "cmp_ps_mask(GE_OQ): equal passes, NaN and below do not");
    F16 r = lanes(_mm512_mask_add_ps(_mm512_set1_ps(10.0f), ge, _mm512_set1_ps(10.0f), v));
    expect(r.v[0] == 10.5f && r.v[1] == 10.0f && r.v[4] == 10.0f && r.v[3] == 11.0f, "mask_add_ps: masked lanes keep s");
    r = lanes(_mm512_maskz_compress_ps(ge, v));
    const float want[16] = {0.5f, 0.25f, 1, 0.25f, 2, 3, 0.3f, 0.25f, 9, 0.26f, 0, 0, 0, 0, 0, 0};
    bool ok = true;
    for (int i = 0; i < 16; ++i) ok = ok && same(r.v[i], want[i]);
    expect(ok, "maskz_compress_ps: chosen lanes packed in order, zero above");
    const __m512d vd = _mm512_setr_pd(1, nand, 3, -infd, 5, 0.5, 7, 8);
    const __mmask8 ged = _mm512_cmp_pd_mask(vd, _mm512_set1_pd(1.0), _CMP_GE_OQ);
    expect(ged == 0xd5, "cmp_pd_mask(GE_OQ)");
    D8 d = lanes(_mm512_maskz_compress_pd(ged, vd));
    expect(d.v[0] == 1 && d.v[1] == 3 && d.v[2] == 5 && d.v[3] == 7 && d.v[4] == 8 && d.v[5] == 0 && d.v[7] == 0,
           "maskz_compress_pd");
    d = lanes(_mm512_mask_add_pd(_mm512_set1_pd(1.0), ged, _mm512_set1_pd(1.0), vd));
    expect(d.v[0] == 2 && d.v[1] == 1 && d.v[7] == 9, "mask_add_pd");
    // 1/4 ≤ v < 1 as bits(v) − bits(1/4) <u bits(1) − bits(1/4): negative, −∞ and NaN lanes fall outside
    const __m512i quarter = _mm512_castps_si512(_mm512_set1_ps(0.25f));
    const __mmask16 in = _mm512_cmplt_epu32_mask(_mm512_sub_epi32(_mm512_castps_si512(v), quarter),
                                                 _mm512_sub_epi32(_mm512_castps_si512(_mm512_set1_ps(1.0f)), quarter));
    expect(in == 0x9425, "cmplt_epu32_mask of sub_epi32: 1/4 ≤ v < 1 by the bits");
    const __m512i one = _mm512_castpd_si512(_mm512_set1_pd(1.0));
    expect(_mm512_cmplt_epu64_mask(_mm512_sub_epi64(_mm512_castpd_si512(vd), one),
                                   _mm512_sub_epi64(_mm512_castpd_si512(_mm512_set1_pd(7.0)), one)) == 0x15,
           "cmplt_epu64_mask of sub_epi64: 1 ≤ v < 7 by the bits");
    int32_t idx[16];
    _mm512_storeu_si512(idx, _mm512_maskz_compress_epi32(ge, _mm512_add_epi32(_mm512_set1_epi32(100),
                                                                              _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))));
    expect(idx[0] == 100 && idx[1] == 102 && idx[2] == 103 && idx[9] == 115 && idx[10] == 0 && idx[15] == 0,
           "maskz_compress_epi32: indices packed in order, zero above");
  }
  return failures;
}
