// What the functions mean, beyond raw accuracy: the SPEC's invariants (shift invariance, Σy = 1,
// no overflow), every IEEE special case it lists, the backward functions against their definitions
// (and softmaxBackward against the Jacobian), and the native addon against the pure-TS kernels.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as sx from 'sigmax';
import * as sxjs from 'sigmax/js';
import { makeApi } from '../dist/cjs/api.js';
import { loadNative } from '../dist/cjs/native.js';
import {
  BACKWARD_BOUNDS,
  logSoftmaxBackwardRef,
  logSumExpRef,
  LOG_BOUNDS,
  logViolation,
  maxUlpDistance,
  scaledViolation,
  sigmoidBackwardRef,
  softmaxBackwardRef,
  softmaxJacobianRef,
  softmaxRefs,
  softmaxViolation,
  SOFTMAX_BOUNDS,
  sumOf,
  type BackwardRef,
} from './reference.js';
import {
  type Api,
  alloc,
  type FloatArray,
  fromNumbers,
  makeLogits,
  makeLogProbabilities,
  makeProbabilities,
  makeUniform,
  mulberry32,
  normal,
  type Precision,
  PRECISIONS,
  EMULATED,
  expectOk,
} from './util.js';

const native = sx as unknown as Api; // whatever backend `sigmax` chose
const pure = sxjs as unknown as Api; // always the pure-TS implementation

// Under emulation 50 runs a property instead of 150.
const FC = { numRuns: EMULATED ? 50 : 150, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) };

const precisionArb = fc.constantFrom<Precision>('f32', 'f64');
const temperatureArb = fc.oneof(
  fc.constant(1),
  fc.constantFrom(0.5, 2.7, 0.01, 100),
  fc.double({ min: 0.05, max: 20, noNaN: true, noDefaultInfinity: true }),
);
/** A shift in steps of shiftedLogits' grid. */
const shiftArb = fc.integer({ min: -(2 ** 22), max: 2 ** 22 });

function arr(p: Precision, values: number[]): FloatArray {
  return fromNumbers(p, values);
}

function list(a: ArrayLike<number>): number[] {
  return Array.from(a);
}

/**
 * n logits spread·N(0, 1) rounded to a grid (k·2^-10 for f32, k·2^-20 for f64), and the same logits
 * shifted by c = shift grid steps: x + c is exact in the precision (checked), so that the reference
 * of x is also the reference of x + c.
 */
function shiftedLogits(p: Precision, n: number, seed: number, spread: number, shift: number): { x: FloatArray; xc: FloatArray; c: number } {
  const q = p === 'f32' ? 2 ** -10 : 2 ** -20;
  const rng = mulberry32(seed);
  const x = alloc(p, n);
  for (let i = 0; i < x.length; i++) x[i] = Math.round((spread * normal(rng)) / q) * q;
  const c = shift * q;
  const xc = x.map((v) => v + c) as FloatArray;
  for (let i = 0; i < x.length; i++) expect(xc[i]! - c === x[i], 'the shift is exact').toBe(true);
  return { x, xc, c };
}

// ---------------------------------------------------------------------------------------------

describe('softmax', () => {
  it('is shift invariant: softmax(x + c) = softmax(x) within bounds (fast-check, exact shifts)', () => {
    const arb = fc.record({
      p: precisionArb,
      rows: fc.integer({ min: 1, max: 4 }),
      cols: fc.integer({ min: 1, max: 40 }),
      seed: fc.integer(),
      spread: fc.constantFrom(1, 8, 60),
      shift: shiftArb,
      t: temperatureArb,
    });
    fc.assert(
      fc.property(arb, ({ p, rows, cols, seed, spread, shift, t }) => {
        const { x, xc } = shiftedLogits(p, rows * cols, seed, spread, shift);
        const ref = softmaxRefs(x, cols, t);
        const y = native.softmax(x, { cols, temperature: t });
        const yc = native.softmax(xc, { cols, temperature: t });
        expectOk(softmaxViolation(yc, ref.softmax, cols, p));
        expectOk(softmaxViolation(yc, y, cols, p, 2));
      }),
      FC,
    );
  });

  it('Σy = 1 per row within the SPEC bound (fast-check)', () => {
    const arb = fc.record({
      p: precisionArb,
      rows: fc.integer({ min: 1, max: 5 }),
      cols: fc.integer({ min: 1, max: 300 }),
      seed: fc.integer(),
      t: temperatureArb,
    });
    fc.assert(
      fc.property(arb, ({ p, rows, cols, seed, t }) => {
        const x = makeLogits(p, rows, cols, seed);
        const y = native.softmax(x, { cols, temperature: t });
        for (let r = 0; r < rows; r++) {
          const s = sumOf(y, r * cols, (r + 1) * cols);
          expect(Math.abs(s - 1)).toBeLessThanOrEqual(SOFTMAX_BOUNDS[p].sum);
        }
      }),
      FC,
    );
  });

  it('no finite input overflows: softmax([1000, 0]) = [1, 0]', () => {
    for (const p of PRECISIONS) {
      expect(list(native.softmax(arr(p, [1000, 0])))).toEqual([1, 0]);
      expect(list(native.softmax(arr(p, [0, 1000])))).toEqual([0, 1]);
      expect(list(native.softmax(arr(p, [-1000, 0])))).toEqual([0, 1]);
      expect(list(native.softmax(arr(p, [1000, 0, 1000, 0]), { cols: 2 }))).toEqual([1, 0, 1, 0]);
      expect(list(native.softmax(arr(p, [1e30, -1e30])))).toEqual([1, 0]);
    }
    const big32 = 3e38; // near the float32 maximum
    expect(list(native.softmax(Float32Array.of(big32, -big32)))).toEqual([1, 0]);
    expect(list(native.softmax(Float32Array.of(big32, big32)))).toEqual([0.5, 0.5]);
    // x/t itself overflows float32 here; the SPEC's e^(x/t − m) does not
    expect(list(native.softmax(Float32Array.of(big32, big32), { temperature: 0.25 }))).toEqual([0.5, 0.5]);
    expect(list(native.softmax(Float32Array.of(big32, 0), { temperature: 0.5 }))).toEqual([1, 0]);
    expect(list(native.softmax(Float64Array.of(1.7e308, -1.7e308)))).toEqual([1, 0]);
    expect(list(native.softmax(Float64Array.of(1.7e308, 1.7e308), { temperature: 0.5 }))).toEqual([0.5, 0.5]);
  });

  it('extreme temperatures scale the logits exactly as the SPEC formula', () => {
    for (const p of PRECISIONS) {
      // (x − m)/t = −10 in both cases
      const want = [1 / (1 + Math.exp(-10)), Math.exp(-10) / (1 + Math.exp(-10))];
      for (const [x, t] of [[[1e-29, 0], 1e-30], [[1e31, 0], 1e30]] as const) {
        const xa = arr(p, [...x]);
        const ref = softmaxRefs(xa, 2, t).softmax;
        expectOk(softmaxViolation(native.softmax(xa, { temperature: t }), ref, 2, p));
        expect(Math.abs(ref[0]! - want[0]!)).toBeLessThan(p === 'f32' ? 1e-7 : 1e-15);
      }
    }
  });

  it('temperatures outside the float32 range still follow the formula for float32 input', async () => {
    // t > 3.4e38 or below float32's normal range cannot be a float32: e.g. (x − m)/t = −0.3 here
    const x = Float32Array.of(0, -3e38);
    for (const [t, want] of [[1e39, [1 / (1 + Math.exp(-0.3)), Math.exp(-0.3) / (1 + Math.exp(-0.3))]], [1e-300, [1, 0]], [1e-40, [1, 0]]] as const) {
      const got = native.softmax(x, { temperature: t });
      const gotAsync = await (sx as any).softmaxAsync(x, { temperature: t });
      const log = native.logSoftmax(x, { temperature: t });
      for (let i = 0; i < 2; i++) {
        expect(Math.abs(got[i]! - want[i]!), `t=${t}`).toBeLessThan(1e-6);
        expect(gotAsync[i]).toBe(got[i]);
        expect(Math.abs(Math.exp(log[i]!) - want[i]!), `t=${t}`).toBeLessThan(1e-6);
      }
    }
  });

  it('one-element rows give 1 whatever the logit', () => {
    for (const p of PRECISIONS) {
      const x = arr(p, [0, -5, 1e30, -1e30, 88, -0]);
      expect(list(native.softmax(x, { cols: 1 }))).toEqual([1, 1, 1, 1, 1, 1]);
      expect(list(native.softmax(x, { cols: 1, temperature: 0.01 }))).toEqual([1, 1, 1, 1, 1, 1]);
    }
  });

  it('IEEE special values (SPEC): NaN row → NaN, all −∞ → NaN, +∞ entries → NaN there and 0 elsewhere', () => {
    for (const p of PRECISIONS) {
      const I = Infinity;
      const x = arr(p, [
        1, NaN, 2, // any NaN: all NaN
        -I, -I, -I, // all −∞: 0/0
        I, 3, -I, // +∞: NaN at it, 0 at finite and −∞
        I, I, 0, // two +∞
        NaN, I, -I, // NaN wins over ±∞
        0, -I, 0, // −∞ among finite logits: e^-∞ = 0, the rest as usual
        5, 5, 5, // a normal row after all of them is unaffected
      ]);
      for (const t of [1, 0.5]) {
        const y = list(native.softmax(x, { cols: 3, temperature: t }));
        expect(y.slice(0, 15)).toEqual([NaN, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, NaN, NaN, 0, NaN, NaN, NaN]);
        expect(y.slice(15, 18)).toEqual([0.5, 0, 0.5]);
        for (const v of y.slice(18)) expect(Math.abs(v - 1 / 3)).toBeLessThanOrEqual(1e-7);
      }
    }
  });
});

describe('logSoftmax', () => {
  it('is shift invariant: logSoftmax(x + c) = logSoftmax(x) within bounds (fast-check, exact shifts)', () => {
    const arb = fc.record({
      p: precisionArb,
      cols: fc.integer({ min: 1, max: 50 }),
      seed: fc.integer(),
      shift: shiftArb,
      t: temperatureArb,
    });
    fc.assert(
      fc.property(arb, ({ p, cols, seed, shift, t }) => {
        const { x, xc } = shiftedLogits(p, 2 * cols, seed, 10, shift);
        const ref = softmaxRefs(x, cols, t);
        const y = native.logSoftmax(x, { cols, temperature: t });
        const yc = native.logSoftmax(xc, { cols, temperature: t });
        expectOk(logViolation(yc, ref.logSoftmax, p));
        expectOk(logViolation(yc, y, p, 2));
      }),
      FC,
    );
  });

  it('no finite input overflows: logSoftmax([0, -1000]) = [0, -1000]', () => {
    for (const p of PRECISIONS) {
      const y = native.logSoftmax(arr(p, [0, -1000]));
      expect(Math.abs(y[0]!)).toBe(0);
      expect(y[1]).toBe(-1000);
      const z = native.logSoftmax(arr(p, [1000, 0]));
      expect(Math.abs(z[0]!)).toBe(0);
      expect(z[1]).toBe(-1000);
      const w = native.logSoftmax(arr(p, [1e30, -1e30]));
      expect(Math.abs(w[0]!)).toBe(0);
      expect(w[1]).toBe(p === 'f32' ? Math.fround(-2e30) : -2e30);
    }
    // the difference overflows the precision: the exact result rounds to −∞
    const y = native.logSoftmax(Float32Array.of(3e38, -3e38));
    expect(Math.abs(y[0]!)).toBe(0);
    expect(y[1]).toBe(-Infinity);
    const z = native.logSoftmax(Float32Array.of(3e38, 3e38), { temperature: 0.25 });
    for (const v of z) expect(Math.abs(v - -Math.LN2)).toBeLessThanOrEqual(4e-6);
  });

  it('no finite input overflows with temperature > 1: (x_i/t − m) is finite although x_i − max_j x_j is not', () => {
    // SPEC: y_i = (x_i/t − m) − log Σ_j e^(x_j/t − m), m = max_j x_j/t
    const f = native.logSoftmax(Float32Array.of(3e38, -3e38), { temperature: 4 });
    expect(Math.abs(f[0]!)).toBe(0);
    expect(Math.abs(f[1]! - -1.5e38)).toBeLessThanOrEqual(4e-6 * 1.5e38);
    const d = native.logSoftmax(Float64Array.of(1e308, -1e308), { temperature: 4 });
    expect(Math.abs(d[0]!)).toBe(0);
    expect(Math.abs(d[1]! - -5e307)).toBeLessThanOrEqual(1e-13 * 5e307);
  });

  it('IEEE special values (SPEC): NaN row → NaN, all −∞ → NaN, +∞ entries → NaN there and −∞ elsewhere', () => {
    for (const p of PRECISIONS) {
      const I = Infinity;
      const x = arr(p, [1, NaN, 2, -I, -I, -I, I, 3, -I, I, I, 0, NaN, I, -I, 0, -I, 0]);
      for (const t of [1, 2.7]) {
        const y = list(native.logSoftmax(x, { cols: 3, temperature: t }));
        expect(y.slice(0, 15)).toEqual([NaN, NaN, NaN, NaN, NaN, NaN, NaN, -I, -I, NaN, NaN, -I, NaN, NaN, NaN]);
        expect(y[15]).toBeCloseTo(-Math.LN2, 6);
        expect(y[16]).toBe(-I);
        expect(y[17]).toBeCloseTo(-Math.LN2, 6);
      }
    }
  });

  it('exp(logSoftmax(x)) = softmax(x) within bounds', () => {
    for (const p of PRECISIONS) {
      const x = makeLogits(p, 10, 50, 123);
      const l = native.logSoftmax(x, { cols: 50, temperature: 1.3 });
      const s = native.softmax(x, { cols: 50, temperature: 1.3 });
      const e = Float64Array.from(l, Math.exp);
      // |Δ(e^l)| ≤ e^l · |Δl|: the log bound turns into a relative bound on e^l
      for (let i = 0; i < e.length; i++) {
        const tol = 2 * LOG_BOUNDS[p] * Math.max(1, Math.abs(l[i]!)) * e[i]! * 1.01 + 2 * SOFTMAX_BOUNDS[p].rel * s[i]! + 1e-35;
        expect(Math.abs(e[i]! - s[i]!)).toBeLessThanOrEqual(tol);
      }
    }
  });
});

describe('logSumExp', () => {
  it('shifts with the logits: logSumExp(x + c) = logSumExp(x) + c (fast-check, exact shifts)', () => {
    const arb = fc.record({
      p: precisionArb,
      rows: fc.integer({ min: 1, max: 4 }),
      cols: fc.integer({ min: 1, max: 50 }),
      seed: fc.integer(),
      shift: shiftArb,
    });
    fc.assert(
      fc.property(arb, ({ p, rows, cols, seed, shift }) => {
        const { x, xc, c } = shiftedLogits(p, rows * cols, seed, 10, shift);
        const want = logSumExpRef(x, cols).map((v) => v + c);
        const y = native.logSumExp(x, { cols });
        const yc = native.logSumExp(xc, { cols });
        expectOk(logViolation(yc, want, p));
        const yShifted = Float64Array.from(y as FloatArray, (v) => v + c);
        expectOk(logViolation(yc, yShifted, p, 2));
      }),
      FC,
    );
  });

  it('no finite input overflows', () => {
    for (const p of PRECISIONS) {
      const y = native.logSumExp(arr(p, [1000, 1000, 1000, 0, -1000, 1000]), { cols: 2 });
      expect(y[0]).toBeCloseTo(1000 + Math.LN2, 2);
      expect(y[1]).toBe(p === 'f32' ? Math.fround(1000) : 1000);
      expect(y[2]).toBe(1000);
    }
    expect(native.logSumExp(Float32Array.of(3e38, 3e38))[0]).toBe(Math.fround(3e38));
    expect(native.logSumExp(Float64Array.of(1.7e308, 1.7e308))[0]).toBe(1.7e308);
    expect(native.logSumExp(Float64Array.of(1.7e308, -1.7e308))[0]).toBe(1.7e308);
  });

  it('IEEE special values (SPEC): NaN → NaN, all −∞ → −∞, any +∞ → +∞', () => {
    for (const p of PRECISIONS) {
      const I = Infinity;
      const x = arr(p, [1, NaN, 2, -I, -I, -I, I, 3, -I, I, I, 0, NaN, I, -I, 0, -I, 0, 7, 7, 7]);
      const y = list(native.logSumExp(x, { cols: 3 }));
      expect(y.slice(0, 5)).toEqual([NaN, -I, I, I, NaN]);
      expect(y[5]).toBeCloseTo(Math.LN2, 6);
      expect(y[6]).toBeCloseTo(7 + Math.log(3), 5);
    }
  });

  it('one value per row; a one-element row gives the element', () => {
    for (const p of PRECISIONS) {
      const x = arr(p, [0, -5, 1e30, -1e30, 88, -Infinity]);
      expect(list(native.logSumExp(x, { cols: 1 }))).toEqual(list(x));
      expect(native.logSumExp(x, { cols: 2 }).length).toBe(3);
      expect(native.logSumExp(x).length).toBe(1);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('sigmoid', () => {
  it('IEEE special values (SPEC): σ(+∞) = 1, σ(−∞) = 0, σ(NaN) = NaN, σ(−0) = σ(+0) = 0.5', () => {
    for (const p of PRECISIONS) {
      const y = native.sigmoid(arr(p, [Infinity, -Infinity, NaN, -0, 0]));
      expect(y[0]).toBe(1);
      expect(y[1]).toBe(0);
      expect(y[2]).toBeNaN();
      expect(y[3]).toBe(0.5);
      expect(y[4]).toBe(0.5);
    }
  });

  it('is monotone (up to rounding), in [0, 1], and σ(−x) = 1 − σ(x) within 4 ulp of 1 (fast-check)', () => {
    fc.assert(
      fc.property(precisionArb, fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 200 }), (p, values) => {
        const x = arr(p, values).sort();
        const y = native.sigmoid(x);
        const neg = native.sigmoid(x.map((v) => -v) as FloatArray);
        const eps = p === 'f32' ? 2 ** -24 : 2 ** -53;
        for (let i = 0; i < y.length; i++) {
          expect(y[i]).toBeGreaterThanOrEqual(0);
          expect(y[i]).toBeLessThanOrEqual(1);
          if (i > 0) expect(y[i]).toBeGreaterThanOrEqual(y[i - 1]! - 4 * eps * y[i - 1]!);
          expect(Math.abs(neg[i]! - (1 - y[i]!))).toBeLessThanOrEqual(4 * eps);
        }
      }),
      FC,
    );
  });
});

describe('sigmoidDerivative', () => {
  it('equals σ(x)(1 − σ(x)), computed from sigmoid(−|x|), within the error of both (16 eps)', () => {
    for (const p of PRECISIONS) {
      const rng = mulberry32(17);
      const x = alloc(p, 4000);
      for (let i = 0; i < x.length; i++) x[i] = (i % 2 ? -1 : 1) * (i < 2000 ? 40 * rng() : 200 * rng());
      x[0] = 0;
      const d = native.sigmoidDerivative(x);
      const s = native.sigmoid(x.map((v) => -Math.abs(v)) as FloatArray);
      const eps = p === 'f32' ? 2 ** -24 : 2 ** -53;
      const floor = p === 'f32' ? 4 * 2 ** -149 : 4 * 2 ** -1074;
      for (let i = 0; i < x.length; i++) {
        const want = s[i]! * (1 - s[i]!);
        expect(Math.abs(d[i]! - want), `x = ${x[i]}`).toBeLessThanOrEqual(16 * eps * want + floor);
      }
      expect(Math.abs(d[0]! - 0.25)).toBeLessThanOrEqual(2 * eps * 0.25);
    }
  });

  it('is even: σ′(−x) = σ′(x) within 4 ulp; special values', () => {
    for (const p of PRECISIONS) {
      const x = makeUniform(p, 3000, 5, -120, 120);
      const a = native.sigmoidDerivative(x);
      const b = native.sigmoidDerivative(x.map((v) => -v) as FloatArray);
      expect(maxUlpDistance(a, b).max).toBeLessThanOrEqual(4);
      const y = native.sigmoidDerivative(arr(p, [Infinity, -Infinity, NaN, -0, 0]));
      const tiny = p === 'f32' ? 2 * 2 ** -149 : 2 * 2 ** -1074;
      expect(y[0]).toBeGreaterThanOrEqual(0);
      expect(y[0]).toBeLessThanOrEqual(tiny);
      expect(y[1]).toBeGreaterThanOrEqual(0);
      expect(y[1]).toBeLessThanOrEqual(tiny);
      expect(y[2]).toBeNaN();
      expect(y[3]).toBe(y[4]);
      expect(Math.abs(y[3]! - 0.25)).toBeLessThanOrEqual(p === 'f32' ? 2 ** -25 : 2 ** -54);
    }
  });
});

describe('sigmoidBackward', () => {
  it('equals dy · y · (1 − y)', () => {
    for (const p of PRECISIONS) {
      for (const n of [1, 5, 64, 1001]) {
        const y = makeUniform(p, n, n, 0, 1);
        const dy = makeUniform(p, n, n + 1, -3, 3);
        y[0] = 0;
        if (n > 1) y[1] = 1;
        if (n > 2) y[2] = 0.5;
        const dx = native.sigmoidBackward(y, dy);
        expect(dx).toBeInstanceOf(y.constructor);
        expectOk(scaledViolation(dx, sigmoidBackwardRef(y, dy), BACKWARD_BOUNDS.elementwise[p], BACKWARD_BOUNDS.floor[p]));
      }
    }
  });

  it('propagates NaN and follows IEEE for infinite dy', () => {
    for (const p of PRECISIONS) {
      const dx = list(native.sigmoidBackward(arr(p, [NaN, 0.5, 0.5, 0.25]), arr(p, [1, NaN, Infinity, 2])));
      expect(dx).toEqual([NaN, NaN, Infinity, 0.375]);
    }
  });
});

describe('softmaxJacobian', () => {
  it('equals diag(y) − y yᵀ, row-major k×k, exactly symmetric', () => {
    for (const p of PRECISIONS) {
      for (const k of [1, 2, 7, 33, 300]) {
        const y = makeProbabilities(p, 1, k, k);
        const J = native.softmaxJacobian(y);
        expect(J).toBeInstanceOf(y.constructor);
        expect(J.length).toBe(k * k);
        expectOk(scaledViolation(J, softmaxJacobianRef(y), BACKWARD_BOUNDS.elementwise[p], BACKWARD_BOUNDS.floor[p]));
        for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(J[i * k + j]).toBe(J[j * k + i]);
      }
    }
  });

  it('works on any vector (not only probabilities) and on k = 0', () => {
    for (const p of PRECISIONS) {
      expect(list(native.softmaxJacobian(arr(p, [0.5])))).toEqual([0.25]);
      expect(list(native.softmaxJacobian(arr(p, [2, -1])))).toEqual([-2, 2, 2, -2]);
      expect(native.softmaxJacobian(alloc(p, 0)).length).toBe(0);
    }
  });
});

/** Σ_i J_ij · dy_i per row, with the package's own Jacobian of each row. */
function viaJacobian(api: Api, y: FloatArray, dy: FloatArray, cols: number): BackwardRef {
  const value = new Float64Array(y.length);
  const scale = new Float64Array(y.length);
  for (let from = 0; from < y.length; from += cols) {
    const J = api.softmaxJacobian(y.subarray(from, from + cols)) as FloatArray;
    let absDot = 0;
    for (let i = 0; i < cols; i++) absDot += Math.abs(y[from + i]! * dy[from + i]!);
    for (let j = 0; j < cols; j++) {
      let s = 0;
      let c = 0;
      for (let i = 0; i < cols; i++) {
        // Neumaier
        const v = J[i * cols + j]! * dy[from + i]!;
        const t = s + v;
        c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
        s = t;
      }
      value[from + j] = s + c;
      scale[from + j] = Math.abs(y[from + j]!) * (Math.abs(dy[from + j]!) + absDot);
    }
  }
  return { value, scale };
}

describe('softmaxBackward', () => {
  it('equals Jᵀ · dy, computed with softmaxJacobian of each row', () => {
    for (const p of PRECISIONS) {
      for (const [rows, cols] of [[1, 1], [1, 2], [3, 17], [4, 250]] as const) {
        const y = makeProbabilities(p, rows, cols, rows * cols);
        const dy = makeUniform(p, rows * cols, 77, -2, 2);
        const dx = native.softmaxBackward(y, dy, { cols });
        expect(dx).toBeInstanceOf(y.constructor);
        expectOk(scaledViolation(dx, viaJacobian(native, y, dy, cols), BACKWARD_BOUNDS.rows[p], BACKWARD_BOUNDS.floor[p]));
      }
    }
  });

  it('equals y ⊙ (dy − ⟨dy, y⟩) per row (rows up to 32000)', () => {
    for (const p of PRECISIONS) {
      for (const [rows, cols] of [[7, 13], [2, 32000]] as const) {
        const y = makeProbabilities(p, rows, cols, cols);
        const dy = makeUniform(p, rows * cols, 78, -2, 2);
        const dx = native.softmaxBackward(y, dy, { cols });
        expectOk(scaledViolation(dx, softmaxBackwardRef(y, dy, cols), BACKWARD_BOUNDS.rows[p], BACKWARD_BOUNDS.floor[p]));
      }
    }
  });

  it('a constant dy has zero gradient (softmax is shift invariant)', () => {
    for (const p of PRECISIONS) {
      const y = native.softmax(makeLogits(p, 3, 20, 4), { cols: 20 });
      const dx = native.softmaxBackward(y, alloc(p, 60).fill(3), { cols: 20 });
      for (const v of dx) expect(Math.abs(v)).toBeLessThanOrEqual(p === 'f32' ? 1e-5 : 1e-13);
    }
  });
});

describe('logSoftmaxBackward', () => {
  it('equals dy − exp(y) · Σdy per row', () => {
    for (const p of PRECISIONS) {
      for (const [rows, cols] of [[1, 1], [3, 17], [5, 1000]] as const) {
        const y = makeLogProbabilities(p, rows, cols, cols + 1);
        const dy = makeUniform(p, rows * cols, 79, -2, 2);
        const dx = native.logSoftmaxBackward(y, dy, { cols });
        expect(dx).toBeInstanceOf(y.constructor);
        expectOk(scaledViolation(dx, logSoftmaxBackwardRef(y, dy, cols), BACKWARD_BOUNDS.rows[p], BACKWARD_BOUNDS.floor[p]));
      }
    }
  });

  it('gradients through logSoftmax sum to ~0 per row (Σ e^y = 1)', () => {
    for (const p of PRECISIONS) {
      const y = native.logSoftmax(makeLogits(p, 4, 64, 8), { cols: 64 });
      const dy = makeUniform(p, 256, 80, -1, 1);
      const dx = native.logSoftmaxBackward(y, dy, { cols: 64 });
      for (let r = 0; r < 4; r++) {
        let abs = 0;
        for (let i = r * 64; i < (r + 1) * 64; i++) abs += Math.abs(dy[i]!);
        expect(Math.abs(sumOf(dx, r * 64, (r + 1) * 64))).toBeLessThanOrEqual((p === 'f32' ? 1e-5 : 1e-12) * abs);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The native addon against the pure-TypeScript kernels, explicitly on every path: at the path's ISA on
// a native path, at the best ISA on the pure-TS path (where `sigmax` itself is the pure-TS backend).

/** The API over the native addon (SIGMAX_ISA, else the best ISA), or null where the addon does not load. */
function addonApi(): Api | null {
  try {
    return makeApi(loadNative(process.env.SIGMAX_ISA ?? '')) as unknown as Api;
  } catch {
    return null; // a machine without the addon (SIGMAX_ALLOW_JS_ONLY=1)
  }
}
const addon = addonApi();

const specialArb = fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 5e-324, 1e30, -1e30, 88.7, -103.5, 709.9, -745.1);
const valueArb = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -60, max: 60, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: -800, max: 800, noNaN: true }) },
  { weight: 1, arbitrary: specialArb },
  { weight: 1, arbitrary: fc.double() },
);

const caseArb = fc
  .record({
    p: precisionArb,
    rows: fc.integer({ min: 0, max: 4 }),
    cols: fc.integer({ min: 1, max: 70 }),
    t: temperatureArb,
    offset: fc.integer({ min: 0, max: 3 }),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      values: fc.array(valueArb, { minLength: c.rows * c.cols, maxLength: c.rows * c.cols }),
      grads: fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: c.rows * c.cols, maxLength: c.rows * c.cols }),
    }),
  );

/** A typed array holding `values` at element offset `offset` of a larger buffer (unaligned views). */
function placed(p: Precision, values: ArrayLike<number>, offset: number): FloatArray {
  const a = alloc(p, values.length + offset + 1);
  const v = a.subarray(offset, offset + values.length);
  v.set(values);
  return v;
}

describe.skipIf(addon === null)('native addon ≡ pure-TS kernels', () => {
  const native = addon!;
  it('sigmoid, sigmoidDerivative: within 4 ulp of each other (fast-check)', () => {
    fc.assert(
      fc.property(caseArb, ({ c, values }) => {
        const x = placed(c.p, values, c.offset);
        for (const f of ['sigmoid', 'sigmoidDerivative'] as const) {
          const { max, at } = maxUlpDistance(native[f](x), pure[f](x));
          expect(max, `${f}(${x[at]})`).toBeLessThanOrEqual(4);
        }
      }),
      FC,
    );
  });

  it('softmax, logSoftmax, logSumExp: within twice the SPEC bounds (fast-check)', () => {
    fc.assert(
      fc.property(caseArb, ({ c, values }) => {
        const x = placed(c.p, values, c.offset);
        const o = { cols: c.cols, temperature: c.t };
        expectOk(softmaxViolation(native.softmax(x, o), pure.softmax(x, o), c.cols, c.p, 2));
        expectOk(logViolation(native.logSoftmax(x, o), pure.logSoftmax(x, o), c.p, 2));
        expectOk(logViolation(native.logSumExp(x, { cols: c.cols }), pure.logSumExp(x, { cols: c.cols }), c.p, 2));
      }),
      FC,
    );
  });

  it('float32 with temperatures outside float32\'s range: within twice the SPEC bounds', () => {
    const rng = mulberry32(21);
    const x = Float32Array.from({ length: 3 * 40 }, (_, i) => (i % 7 === 0 ? (rng() - 0.5) * 6e38 : (rng() - 0.5) * 200));
    for (const t of [1e39, 1e45, 1e300, 2 ** -127, 1e-40, 1e-300, 5e-324]) {
      const o = { cols: 40, temperature: t };
      expectOk(softmaxViolation(native.softmax(x, o), pure.softmax(x, o), 40, 'f32', 2));
      expectOk(logViolation(native.logSoftmax(x, o), pure.logSoftmax(x, o), 'f32', 2));
    }
    // Close logits and a temperature just below float32's normal range: z = (x − m)/t up to −3.3e38,
    // large but finite in float32 (logSoftmax writes it).
    const close = Float32Array.of(1, 0, 0.5, 0.25, 1, 0.999);
    for (const t of [1e-38, 3e-39]) {
      const o = { temperature: t };
      expectOk(softmaxViolation(native.softmax(close, o), pure.softmax(close, o), close.length, 'f32', 2));
      const got = native.logSoftmax(close, o);
      expectOk(logViolation(got, pure.logSoftmax(close, o), 'f32', 2));
      expect(Number.isFinite(got[1]), `logSoftmax(…, t=${t})[1] = ${got[1]}`).toBe(true);
    }
  });

  it('backward functions and the Jacobian: within twice their bounds (fast-check)', () => {
    fc.assert(
      fc.property(caseArb, ({ c, values, grads }) => {
        const logits = placed(c.p, values.map((v) => (Number.isFinite(v) ? v : 0)), c.offset);
        const y = pure.softmax(logits, { cols: c.cols, temperature: c.t }) as FloatArray;
        const ly = pure.logSoftmax(logits, { cols: c.cols, temperature: c.t }) as FloatArray;
        const dy = placed(c.p, grads, 3 - c.offset);
        const rel = 2 * BACKWARD_BOUNDS.rows[c.p];
        const floor = 2 * BACKWARD_BOUNDS.floor[c.p];
        const asRef = (ref: FloatArray, of: BackwardRef): BackwardRef => ({ value: Float64Array.from(ref), scale: of.scale, floorScale: of.floorScale });
        const sb = pure.softmaxBackward(y, dy, { cols: c.cols });
        expectOk(scaledViolation(native.softmaxBackward(y, dy, { cols: c.cols }), asRef(sb, softmaxBackwardRef(y, dy, c.cols)), rel, floor));
        const lb = pure.logSoftmaxBackward(ly, dy, { cols: c.cols });
        expectOk(scaledViolation(native.logSoftmaxBackward(ly, dy, { cols: c.cols }), asRef(lb, logSoftmaxBackwardRef(ly, dy, c.cols)), rel, floor));
        const gb = pure.sigmoidBackward(y, dy);
        expectOk(scaledViolation(native.sigmoidBackward(y, dy), asRef(gb, sigmoidBackwardRef(y, dy)), rel, floor));
        const row = y.subarray(0, c.cols);
        const J = pure.softmaxJacobian(row);
        expectOk(scaledViolation(native.softmaxJacobian(row), asRef(J, softmaxJacobianRef(row)), rel, floor));
      }),
      FC,
    );
  });
});

describe.skipIf(addon === null)("the addon's own checks (memory safety, without lib/validate.ts)", () => {
  type Raw = Record<string, (...args: unknown[]) => unknown>;
  const raw = loadNative(process.env.SIGMAX_ISA ?? '').kernels as unknown as Raw;
  it('rejects what is not a typed array of 4- or 8-byte elements, or arrays of two element sizes: TypeError', () => {
    const bad: [unknown, unknown][] = [
      [new Uint8Array(16), new Float32Array(4)],
      [new Int16Array(8), new Int16Array(8)],
      [new Float32Array(4), new Float64Array(4)],
      [new DataView(new ArrayBuffer(16)), new Float32Array(4)],
      [[1, 2, 3, 4], new Float32Array(4)],
      [new Float32Array(4), null],
    ];
    for (const [x, out] of bad) expect(() => raw.sigmoid!(x, out)).toThrow(TypeError);
    expect(() => raw.softmax!(new Float64Array(8), new Float32Array(16), 8, 1)).toThrow(TypeError);
  });
  it('takes same-size arrays of another type (lib/validate.ts names them) without touching bytes outside out', () => {
    const backing = new Int32Array(12).fill(0x7f7f7f7f);
    const out = backing.subarray(4, 8);
    raw.sigmoid!(new Int32Array([1, 2, 3, 4]), out);
    expect(Array.from(backing.subarray(0, 4))).toEqual([0x7f7f7f7f, 0x7f7f7f7f, 0x7f7f7f7f, 0x7f7f7f7f]);
    expect(Array.from(backing.subarray(8))).toEqual([0x7f7f7f7f, 0x7f7f7f7f, 0x7f7f7f7f, 0x7f7f7f7f]);
    expect(() => raw.sigmoid!(new Float32Array(0), new Float64Array(0))).not.toThrow(); // nothing to do
    expect(() => raw.sigmoid!(new Float32Array(5), new Float32Array(4))).toThrow(RangeError);
  });
});

describe('placement', () => {
  /** The bytes of a result, to compare bit for bit (NaNs included) without a deep equality per element. */
  const bytes = (a: FloatArray): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  it('results do not depend on where the arrays sit: copies at other element offsets give the same bits', () => {
    for (const p of PRECISIONS) {
      const rows = 3;
      const cols = 5000; // rows of 20–40 KB, past the kernels' aligned-start threshold
      const x = makeLogits(p, rows, cols, 29);
      const dy = makeLogits(p, rows, cols, 31).map((v) => v / 8) as FloatArray;
      const y = native.softmax(x, { cols }) as FloatArray;
      // beyond exp's fast range here and there (a vector holding one takes another path for it)
      const wild = x.map((v, i) => (i % 97 === 0 ? (p === 'f32' ? 100 : 800) * Math.sign(v) : v)) as FloatArray;
      const run = (xs: FloatArray, dys: FloatArray, ys: FloatArray, wilds: FloatArray): Buffer[] => [
        bytes(native.softmax(xs, { cols })),
        bytes(native.softmax(xs, { cols, temperature: 0.7 })),
        bytes(native.logSoftmax(xs, { cols })),
        bytes(native.logSumExp(xs, { cols })),
        bytes(native.sigmoid(xs)),
        bytes(native.softmaxBackward(ys, dys, { cols })),
        bytes(native.logSoftmaxBackward(ys, dys, { cols })),
        bytes(native.sigmoid(wilds)),
        bytes(native.sigmoidDerivative(wilds)),
        bytes(native.softmax(wilds, { cols })),
      ];
      const expected = run(x, dy, y, wild);
      for (let offset = 1; offset < 16; offset++) { // every placement within a 64-byte line, for both types
        const got = run(placed(p, x, offset), placed(p, dy, 15 - offset), placed(p, y, offset), placed(p, wild, offset));
        got.forEach((g, k) => expect(g.equals(expected[k]!), `${p}, offset ${offset}, result ${k}`).toBe(true));
      }
    }
  });
  it('float softmax and logSoftmax over a batch past L2 (aligned loads, realigned in registers): the same bits, in place too', () => {
    const rows = 24;
    const cols = 22001; // 2.1 MB; an odd row length puts every row at another offset
    const x = makeLogits('f32', rows, cols, 37);
    // xs and scratch are copies of x at one offset, overwritten in place last
    const run = (xs: FloatArray, scratch: FloatArray): Buffer[] => [
      bytes(native.softmax(xs, { cols })),
      bytes(native.logSoftmax(xs, { cols })),
      bytes(native.logSoftmax(scratch, { cols, out: scratch })),
      bytes(native.softmax(xs, { cols, out: xs })),
    ];
    const expected = run(placed('f32', x, 0), placed('f32', x, 0));
    for (const offset of [1, 5, 12]) { // 12: the first row on a 64-byte boundary (Node's buffers start 16 bytes past one)
      const got = run(placed('f32', x, offset), placed('f32', x, offset));
      got.forEach((g, k) => expect(g.equals(expected[k]!), `offset ${offset}, result ${k}`).toBe(true));
    }
  });
});
