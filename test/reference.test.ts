// Sanity checks of the test references themselves: a wrong reference would make every other test
// meaningless, so pin it to independently known values.
import { describe, expect, it } from 'vitest';
import {
  exactRef64,
  f32FromBits,
  LN2_W,
  logSumExpRef,
  maxUlpDistance,
  ratToRef64,
  sigmoidDerivativeRef64,
  sigmoidDerivativeRefWide,
  sigmoidRef64,
  sigmoidRefWide,
  softmaxRefs,
  ulp32,
  ulp64,
  ulpErr32,
  ulpErr64,
} from './reference.js';
import { mulberry32 } from './util.js';

describe('reference', () => {
  it('ln 2 in fixed point matches Math.LN2', () => {
    // top 60 bits of the 224-bit fixed-point value
    expect(Number(LN2_W >> 164n) / 2 ** 60).toBe(Math.LN2);
  });

  it('ulp helpers', () => {
    expect(ulp32(1)).toBe(2 ** -23);
    expect(ulp32(1.5)).toBe(2 ** -23);
    expect(ulp32(0.75)).toBe(2 ** -24);
    expect(ulp32(0)).toBe(2 ** -149);
    expect(ulp32(1e-40)).toBe(2 ** -149);
    expect(ulp32(f32FromBits(0x00800000))).toBe(2 ** -149);
    expect(ulp64(1)).toBe(2 ** -52);
    expect(ulp64(5e-324)).toBe(2 ** -1074);
    expect(ulp64(2 ** -1022)).toBe(2 ** -1074);
    expect(ulpErr32(NaN, NaN)).toBe(0);
    expect(ulpErr32(1, NaN)).toBe(Infinity);
    expect(ulpErr32(NaN, 1)).toBe(Infinity);
    expect(ulpErr32(Infinity, Infinity)).toBe(0);
    expect(ulpErr32(1 + 2 ** -22, 1)).toBe(2);
    expect(ulpErr32(2 ** -148, 0)).toBe(2);
    expect(ulpErr64(1 + 2 ** -51, exactRef64(1))).toBe(2);
    expect(ulpErr64(1e-323, exactRef64(0))).toBe(2);
    // pairwise distance in ulps of the larger value, across a binade boundary
    expect(maxUlpDistance(Float32Array.of(1 + 2 ** -22, NaN, Infinity), Float32Array.of(1 - 2 ** -23, NaN, Infinity))).toEqual({ max: 3, at: 0 });
    expect(maxUlpDistance(Float64Array.of(0.5, 1), Float64Array.of(0.5, NaN)).max).toBe(Infinity);
  });

  it('rational rounding with remainder', () => {
    const third = ratToRef64(1n, 3n);
    expect(third.hi).toBe(1 / 3);
    // 1/3 = 0.0101...b: the double is below by 1/3 ulp (ulp 2^-54)
    expect(third.e).toBe(-54);
    expect(third.frac).toBeCloseTo(1 / 3, 12);
    const tiny = ratToRef64(1n, 1n << 1075n); // 2^-1075: half the least subnormal, ties to even → 0
    expect(tiny.hi).toBe(0);
    expect(tiny.frac).toBe(0.5);
  });

  it('float64 sigmoid reference at known points', () => {
    expect(sigmoidRef64(0)).toEqual({ hi: 0.5, frac: 0, e: -53 });
    expect(sigmoidDerivativeRef64(0).hi).toBe(0.25);
    // σ(−100) = 3.7200759760208359629596e-44 (e^-100 / (1 + e^-100))
    expect(Math.abs(sigmoidRef64(-100).hi - 3.7200759760208359e-44)).toBeLessThanOrEqual(ulp64(3.72e-44));
    // σ(2) = 0.88079707797788244406...
    expect(Math.abs(sigmoidRef64(2).hi - 0.8807970779778824)).toBeLessThanOrEqual(ulp64(0.88));
    // σ(−740) = e^-740 (1 − e^-740): a subnormal, Math.exp is within 1 subnormal ulp of it
    expect(ulpErr64(Math.exp(-740), sigmoidRef64(-740))).toBeLessThanOrEqual(1);
    expect(sigmoidRef64(-746).hi).toBe(0); // < 2^-1075
    expect(sigmoidRef64(Infinity).hi).toBe(1);
    expect(sigmoidRef64(-Infinity).hi).toBe(0);
    expect(sigmoidRef64(NaN).hi).toBeNaN();
    expect(sigmoidRef64(40).hi).toBe(1);
  });

  it('float64 BigInt reference agrees with the float64-arithmetic one (to float64 rounding)', () => {
    const rng = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const x = -40 + 80 * rng();
      expect(ulpErr64(sigmoidRefWide(x), sigmoidRef64(x))).toBeLessThan(4);
      expect(ulpErr64(sigmoidDerivativeRefWide(x), sigmoidDerivativeRef64(x))).toBeLessThan(8);
    }
  });

  it('softmax references follow the SPEC special cases', () => {
    const a = softmaxRefs([1000, 0], 2);
    expect([...a.softmax]).toEqual([1, 0]);
    expect([...a.logSoftmax]).toEqual([0, -1000]);
    const b = softmaxRefs([NaN, 1, -Infinity, -Infinity, Infinity, 2, Infinity, -Infinity], 2);
    expect([...b.softmax]).toEqual([NaN, NaN, NaN, NaN, NaN, 0, NaN, 0]);
    expect([...b.logSoftmax]).toEqual([NaN, NaN, NaN, NaN, NaN, -Infinity, NaN, -Infinity]);
    expect([...logSumExpRef([NaN, 1, -Infinity, -Infinity, Infinity, 2, 3, -Infinity], 2)]).toEqual([NaN, -Infinity, Infinity, 3]);
    const c = softmaxRefs([1, 2, 3], 3, 0.5);
    const e = [Math.exp(-4), Math.exp(-2), 1];
    const s = e[0]! + e[1]! + e[2]!;
    for (let i = 0; i < 3; i++) expect(c.softmax[i]).toBeCloseTo(e[i]! / s, 15);
    expect(logSumExpRef([1, 2, 3], 3)[0]).toBeCloseTo(3 + Math.log(Math.exp(-2) + Math.exp(-1) + 1), 14);
  });
});
