// Accuracy of every forward function against the references in ./reference.ts, at the SPEC bounds:
// - sigmoid, sigmoidDerivative: ≤ 2 ulp (float32: a 2^20-point sweep of all bit patterns plus every
//   float32 of the subnormal-output tails; float64: ~4·10^4 samples incl. every edge, against an
//   exact BigInt reference).
// - softmax, logSoftmax, logSumExp on shapes 1×1 .. 64×32000 and 1×10^6, temperatures 1, 0.5, 2.7.
// Runs on whatever backend `sigmax` chose (see test/run-all.mjs, which runs it once per ISA and once
// with SIGMAX_BACKEND=js).
import { describe, expect, it } from 'vitest';
import { backend, logSoftmax, logSumExp, sigmoid, sigmoidDerivative, softmax } from 'sigmax';
import {
  f32Bits,
  f32FromBits,
  logSumExpRef,
  logViolation,
  type Ref64,
  sigmoidDerivativeRefWide,
  sigmoidPairRef64,
  sigmoidRefWide,
  softmaxRefs,
  softmaxViolation,
  type SoftmaxRefs,
  ulpErr32,
  ulpErr64,
} from './reference.js';
import { EMULATED, expectOk, type FloatArray, makeLogits, mulberry32, nextU32, type Precision, PRECISIONS, sameBits, uniform } from './util.js';

const MAX_ULP = 2;
// The pure-TS float64 sigmoid and σ' are tighter by construction (lib/js/kernels.ts: a double-double exp
// and a corrected division, ≤ ~1 ulp). Holding them to that catches the loss of a compensation term that
// the SPEC bound would let through (measured: dropping exp's table tail gives 1.5 ulp, dropping the
// 1 + e correction 1.9 ulp).
const MAX_ULP64 = backend.kind === 'js' ? 1.1 : MAX_ULP;

// ---------------------------------------------------------------------------------------------
// float32 element-wise inputs

/** 2^20 float32 bit patterns evenly spread over all 2^32 (both signs, NaNs, infinities), jittered. */
function sweep32(): Float32Array {
  const n = 1 << 20;
  const bits = new Uint32Array(n);
  const rng = mulberry32(0x5eed);
  for (let i = 0; i < n; i++) bits[i] = ((i << 12) | (nextU32(rng) & 0xfff)) >>> 0;
  return new Float32Array(bits.buffer);
}

/**
 * Every float32 between a and b (inclusive, same sign). Under emulation (EMULATED) every 16th: the
 * 2.2 million of a tail take ~10 s per function there.
 */
function everyFloat32(a: number, b: number): Float32Array {
  let lo = f32Bits(a);
  let hi = f32Bits(b);
  if (lo > hi) [lo, hi] = [hi, lo];
  const step = EMULATED ? 16 : 1;
  const bits = new Uint32Array(Math.floor((hi - lo) / step) + 1);
  for (let i = 0; i < bits.length; i++) bits[i] = lo + i * step;
  return new Float32Array(bits.buffer);
}

const MIN_SUB32 = f32FromBits(1);
const MAX_SUB32 = f32FromBits(0x007fffff);
const MIN_NORM32 = f32FromBits(0x00800000);
const MAX32 = f32FromBits(0x7f7fffff);

const SPECIAL32 = Float32Array.from(
  [
    0, -0, Infinity, -Infinity, NaN, f32FromBits(0x7fc00001), f32FromBits(0xffc12345),
    MIN_SUB32, MAX_SUB32, MIN_NORM32, MAX32, 1, 0.5, 2 ** -24, 2 ** -25, 1e-7, 1e-30,
    15, 16, 16.6355, 17, 17.33, 18, 20, 30, 50, 80, 86.5, 87, 87.33, 88, 88.72, 89, 100, 103, 103.28, 103.97, 104, 105, 126, 150, 1e5, 1e20,
  ].flatMap((v) => [v, -v]),
);

function checkUlp32(x: Float32Array, y: Float32Array, ref: (x: number) => number): { max: number; worst: string } {
  let max = 0;
  let worst = 'none';
  for (let i = 0; i < x.length; i++) {
    const r = ref(x[i]!);
    const e = ulpErr32(y[i]!, r);
    if (!(e <= max)) {
      max = e;
      worst = `x = ${x[i]} (bits 0x${f32Bits(x[i]!).toString(16)}): got ${y[i]}, want ${r}, ${e} ulp`;
    }
  }
  return { max, worst };
}

// ---------------------------------------------------------------------------------------------
// float64 element-wise inputs (references computed once, shared by both functions)

function f64Samples(): Float64Array {
  const rng = mulberry32(0xf64);
  const xs: number[] = [];
  const edges = [
    0, 5e-324, 1e-323, 2 ** -1022, 2 ** -1022 - 5e-324, 1e-300, 1e-200, 1e-100, 1e-20, 2 ** -53, 2 ** -54, 1e-16, 1e-8,
    0.5, 1, 2, 10, 18.7, 19, 20, 36, 36.04, 36.7, 37, 37.5, 38, 40, 50,
    700, 705, 708, 708.39, 708.3964185322641, 709, 709.78, 709.782712893384, 710, 720, 740, 744, 744.44, 745, 745.13,
    745.1332191019411, 745.2, 746, 750, 800, 801, 1000, 1e4, 1e100, 1e300, Number.MAX_VALUE, Infinity, NaN,
  ];
  for (const v of edges) {
    xs.push(v, -v);
    if (Number.isFinite(v) && v !== 0) {
      // the neighbours of every edge
      const up = v * (1 + 2 ** -52);
      const down = v * (1 - 2 ** -53);
      xs.push(up, -up, down, -down);
    }
  }
  const push = (n: number, gen: () => number) => {
    for (let i = 0; i < n; i++) xs.push(gen());
  };
  const randomBits = () => {
    const b = (BigInt(nextU32(rng)) << 32n) | BigInt(nextU32(rng));
    const f = new Float64Array(new BigUint64Array([b]).buffer)[0]!;
    return f;
  };
  push(4096, randomBits); // all exponents, both signs
  push(16384, () => uniform(rng, -750, 750));
  push(8192, () => uniform(rng, -40, 40));
  push(4096, () => (rng() < 0.5 ? -1 : 1) * 10 ** uniform(rng, -20, 3)); // log-uniform magnitudes
  push(4096, () => uniform(rng, -746, -700)); // subnormal and near-subnormal outputs
  push(2048, () => uniform(rng, 30, 40)); // σ → 1, σ' tiny
  push(2048, () => (rng() < 0.5 ? -1 : 1) * uniform(rng, 0, 2 ** -1000)); // tiny and subnormal inputs
  return Float64Array.from(xs);
}

let f64Cache: { x: Float64Array; s: Ref64[]; d: Ref64[] } | undefined;
function f64Refs(): { x: Float64Array; s: Ref64[]; d: Ref64[] } {
  if (f64Cache === undefined) {
    const x = f64Samples();
    const s: Ref64[] = [];
    const d: Ref64[] = [];
    for (let i = 0; i < x.length; i++) {
      const r = sigmoidPairRef64(x[i]!);
      s.push(r.s);
      d.push(r.d);
    }
    f64Cache = { x, s, d };
  }
  return f64Cache;
}

function checkUlp64(x: Float64Array, y: Float64Array, ref: Ref64[]): { max: number; worst: string } {
  let max = 0;
  let worst = 'none';
  for (let i = 0; i < x.length; i++) {
    const e = ulpErr64(y[i]!, ref[i]!);
    if (!(e <= max)) {
      max = e;
      worst = `x = ${x[i]}: got ${y[i]}, want ${ref[i]!.hi} (+${ref[i]!.frac} ulp), ${e} ulp`;
    }
  }
  return { max, worst };
}

// ---------------------------------------------------------------------------------------------
// sigmoid and sigmoidDerivative: the same checks, each against its own references

interface Elementwise {
  name: 'sigmoid' | 'sigmoidDerivative';
  fn: typeof sigmoid;
  /** The float64-arithmetic reference of a float32 input. */
  ref32: (x: number) => number;
  /** Which of f64Refs()'s exact references. */
  ref64: 's' | 'd';
  /** Seed of the uniform samples. */
  seed: number;
  /** The float32 inputs [lo, hi] whose outputs are subnormal, checked float by float. */
  tails: (readonly [number, number])[];
}

const ELEMENTWISE: Elementwise[] = [
  { name: 'sigmoid', fn: sigmoid, ref32: sigmoidRefWide, ref64: 's', seed: 31, tails: [[-104, -87]] },
  { name: 'sigmoidDerivative', fn: sigmoidDerivative, ref32: sigmoidDerivativeRefWide, ref64: 'd', seed: 32, tails: [[-104, -87], [87, 104]] },
];

for (const { name, fn, ref32, ref64, seed, tails } of ELEMENTWISE) describe(name, () => {
  it('float32: 2^20 bit patterns spread over the whole range (both signs, NaN, ±∞), ≤ 2 ulp', () => {
    const x = sweep32();
    const { max, worst } = checkUlp32(x, fn(x), ref32);
    expect(max, worst).toBeLessThanOrEqual(MAX_ULP);
  });

  const tailNames = tails.map(([lo, hi]) => `[${lo}, ${hi}]`).join(' and ');
  it(`float32: every float in the subnormal-output tail${tails.length > 1 ? 's' : ''} ${tailNames}, ≤ 2 ulp`, () => {
    for (const [lo, hi] of tails) {
      const x = everyFloat32(lo, hi);
      expect(x.length).toBeGreaterThan(EMULATED ? 2_000_000 / 16 : 2_000_000);
      const { max, worst } = checkUlp32(x, fn(x), ref32);
      expect(max, worst).toBeLessThanOrEqual(MAX_ULP);
    }
  });

  it('float32: 2^18 uniform samples in [-30, 30], ≤ 2 ulp', () => {
    const rng = mulberry32(seed);
    const x = new Float32Array(1 << 18).map(() => uniform(rng, -30, 30));
    const { max, worst } = checkUlp32(x, fn(x), ref32);
    expect(max, worst).toBeLessThanOrEqual(MAX_ULP);
  });

  it('float32: special values and edges, ≤ 2 ulp', () => {
    const { max, worst } = checkUlp32(SPECIAL32, fn(SPECIAL32), ref32);
    expect(max, worst).toBeLessThanOrEqual(MAX_ULP);
  });

  it('float64: ~4·10^4 samples incl. edges (±700, ±710, ±745, tiny, subnormal, huge), ≤ 2 ulp vs exact', () => {
    const refs = f64Refs();
    expect(refs.x.length).toBeGreaterThan(40_000);
    const { max, worst } = checkUlp64(refs.x, fn(refs.x), refs[ref64]);
    expect(max, worst).toBeLessThanOrEqual(MAX_ULP64);
  });
});

describe('sigmoid', () => {
  it('float32: sigmoid(-100) is a nonzero subnormal ≈ 3.7e-44', () => {
    const y = sigmoid(Float32Array.of(-100, -95, -103))[0]!;
    expect(y).toBeGreaterThan(0);
    expect(y).toBeLessThan(MIN_NORM32);
    expect(Math.abs(y - 3.7200759760208359e-44)).toBeLessThanOrEqual(2 * MIN_SUB32);
  });
});

// ---------------------------------------------------------------------------------------------
// softmax, logSoftmax, logSumExp

interface Shape {
  rows: number;
  cols: number;
  style: 'mixed' | 'normal' | 'wide';
}

const SHAPES: Shape[] = [
  { rows: 1, cols: 1, style: 'mixed' },
  { rows: 1, cols: 7, style: 'mixed' },
  { rows: 3, cols: 17, style: 'mixed' },
  { rows: 20, cols: 33, style: 'wide' }, // outputs down to the subnormal range and zero
  { rows: 100, cols: 1000, style: 'mixed' },
  { rows: 1, cols: 1_000_000, style: 'normal' },
  { rows: EMULATED ? 8 : 64, cols: 32_000, style: 'mixed' }, // under emulation 8 rows, an eighth of the work
];
const TEMPERATURES = [1, 0.5, 2.7];

// References of the current (precision, shape), one per temperature (softmax and logSoftmax share them).
let refCache: { key: string; byT: Map<number, SoftmaxRefs> } | undefined;
const dataCache = new Map<string, FloatArray>();

function dataFor(p: Precision, s: Shape): FloatArray {
  const key = `${p} ${s.rows}x${s.cols} ${s.style}`;
  let x = dataCache.get(key);
  if (x === undefined) {
    dataCache.clear();
    x = makeLogits(p, s.rows, s.cols, s.rows * 7919 + s.cols + (p === 'f32' ? 0 : 1), s.style);
    if (s.style === 'normal') for (let i = 0; i < x.length; i++) x[i] = 10 * x[i]!; // σ = 10
    dataCache.set(key, x);
  }
  return x;
}

function refsFor(p: Precision, s: Shape, t: number): SoftmaxRefs {
  const key = `${p} ${s.rows}x${s.cols} ${s.style}`;
  if (refCache?.key !== key) refCache = { key, byT: new Map() };
  let refs = refCache.byT.get(t);
  if (refs === undefined) {
    refs = softmaxRefs(dataFor(p, s), s.cols, t);
    refCache.byT.set(t, refs);
  }
  return refs;
}

function shapeName(p: Precision, s: Shape): string {
  return `${p === 'f32' ? 'float32' : 'float64'} ${s.rows}×${s.cols}${s.style === 'wide' ? ' (wide logits)' : ''}`;
}

for (const p of PRECISIONS) {
  for (const s of SHAPES) {
    describe('softmax', () => {
      for (const t of TEMPERATURES) {
        it(`${shapeName(p, s)}, temperature ${t}: SPEC bounds (rel, abs below, |Σy − 1|)`, () => {
          const x = dataFor(p, s);
          const before = x.slice();
          const y = softmax(x, { cols: s.cols, temperature: t === 1 ? undefined : t });
          expect(y).toBeInstanceOf(x.constructor);
          expect(y.length).toBe(x.length);
          expectOk(softmaxViolation(y, refsFor(p, s, t).softmax, s.cols, p));
          expect(sameBits(x, before), 'softmax modified its input').toBe(true);
        });
      }
    });

    describe('logSoftmax', () => {
      for (const t of TEMPERATURES) {
        it(`${shapeName(p, s)}, temperature ${t}: abs error ≤ bound · max(1, |y|)`, () => {
          const x = dataFor(p, s);
          const y = logSoftmax(x, { cols: s.cols, temperature: t });
          expect(y).toBeInstanceOf(x.constructor);
          expectOk(logViolation(y, refsFor(p, s, t).logSoftmax, p));
        });
      }
    });

    describe('logSumExp', () => {
      it(`${shapeName(p, s)}: one value per row, abs error ≤ bound · max(1, |y|)`, () => {
        const x = dataFor(p, s);
        const y = logSumExp(x, { cols: s.cols });
        expect(y).toBeInstanceOf(x.constructor);
        expect(y.length).toBe(s.rows);
        expectOk(logViolation(y, logSumExpRef(x, s.cols), p));
      });
    });
  }
}

describe('softmax', () => {
  // (x − m)/t computed in plain float64 rounds twice; near z ≈ −700 that alone costs up to ~1.1e-13
  // relative in e^z, over the 1e-13 bound: temperatures near 1 on wide float64 logits expose it.
  for (const t of [0.9, 1.1]) {
    it(`float64 100×1000 (wide logits), temperature ${t}: rel ≤ 1e-13 where y is normal`, () => {
      const s: Shape = { rows: 100, cols: 1000, style: 'wide' };
      const x = dataFor('f64', s);
      const y = softmax(x, { cols: s.cols, temperature: t });
      expectOk(softmaxViolation(y, refsFor('f64', s, t).softmax, s.cols, 'f64'));
    });
  }

  it('float64: softmax([81.13068758321145, -553.6346033875034], t = 0.9)[1] within 1e-13 of 4.94736842515785569e-307', () => {
    // exact value (50 digits): 4.9473684251578556920630511028709835417089611489736e-307
    const y = softmax(Float64Array.of(81.13068758321145, -553.6346033875034), { temperature: 0.9 });
    const exact = 4.9473684251578557e-307;
    expect(Math.abs(y[1]! - exact) / exact).toBeLessThanOrEqual(1e-13);
    expect(Math.abs(y[0]! - 1)).toBeLessThanOrEqual(2 ** -53);
  });

  it('float32 and float64: rows with ±∞ and NaN among ordinary logits of a wide matrix stay exact per SPEC', () => {
    for (const p of PRECISIONS) {
      const rows = 8;
      const cols = 37;
      const x = makeLogits(p, rows, cols, 99);
      x[0 * cols + 5] = NaN;
      x[1 * cols + 3] = Infinity;
      x[1 * cols + 36] = Infinity;
      for (let i = 2 * cols; i < 3 * cols; i++) x[i] = -Infinity;
      x[3 * cols + 7] = -Infinity; // a −∞ among finite logits: exp → 0
      const refs = softmaxRefs(x, cols, 1.5);
      expectOk(softmaxViolation(softmax(x, { cols, temperature: 1.5 }), refs.softmax, cols, p));
      expectOk(logViolation(logSoftmax(x, { cols, temperature: 1.5 }), refs.logSoftmax, p));
      expectOk(logViolation(logSumExp(x, { cols }), logSumExpRef(x, cols), p));
    }
  });
});
