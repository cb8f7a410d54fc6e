// Rows long enough for the native two-pass softmax (an online normalizer whose reference follows the
// running max, block by block): rows whose max keeps rising, jumps far up late in the row, sits in
// the last few elements, or is preceded by −∞ blocks; special values first met in a late block.
// Each is checked against the references of ./reference.ts at the SPEC bounds, on every backend.
import { describe, expect, it } from 'vitest';
import { logSoftmax, logSumExp, softmax } from 'sigmax';
import { logSumExpRef, logViolation, softmaxRefs, softmaxViolation } from './reference.js';
import { alloc, expectOk, mulberry32, type Precision, PRECISIONS, uniform } from './util.js';

const COLS = 300_007; // above the two-pass threshold for both precisions, and not a multiple of any block

type Pattern = (i: number, rng: () => number) => number;

const PATTERNS: Record<string, Pattern> = {
  // the max rises on every element: the reference is rebased again and again
  'rising ramp': (i) => i * 1e-3,
  'steep ramp': (i) => i * 0.05,
  // the max jumps by far more than any rebase margin, late in the row
  'late jump': (i, rng) => (i > 250_000 ? 120 : 0) + uniform(rng, -3, 3),
  'max in the last elements': (i, rng) => (i >= COLS - 3 ? 40 : uniform(rng, -5, 5)),
  'falling ramp': (i) => -i * 1e-3,
  'wide noise': (_i, rng) => uniform(rng, -80, 80),
};

function row(p: Precision, pattern: Pattern, seed: number): Float32Array | Float64Array {
  const rng = mulberry32(seed);
  const x = alloc(p, COLS);
  for (let i = 0; i < COLS; i++) x[i] = pattern(i, rng);
  return x;
}

describe.each(PRECISIONS)('long rows (%s)', (p) => {
  for (const [name, pattern] of Object.entries(PATTERNS)) {
    for (const t of [1, 0.7, 3]) {
      it(`${name}, temperature ${t}`, () => {
        const x = row(p, pattern, 11);
        const refs = softmaxRefs(x, COLS, t);
        expectOk(softmaxViolation(softmax(x, { cols: COLS, temperature: t }), refs.softmax, COLS, p));
        expectOk(logViolation(logSoftmax(x, { cols: COLS, temperature: t }), refs.logSoftmax, p));
        if (t === 1) expectOk(logViolation(logSumExp(x, { cols: COLS }), logSumExpRef(x, COLS), p));
      });
    }
  }

  it('leading −∞ blocks, then finite values', () => {
    const x = row(p, (i, rng) => (i < 100_000 ? -Infinity : uniform(rng, -4, 4)), 12);
    const refs = softmaxRefs(x, COLS);
    const y = softmax(x, { cols: COLS });
    expectOk(softmaxViolation(y, refs.softmax, COLS, p));
    expect(y.subarray(0, 100_000).every((v) => v === 0)).toBe(true);
    expectOk(logViolation(logSoftmax(x, { cols: COLS }), refs.logSoftmax, p));
    expectOk(logViolation(logSumExp(x, { cols: COLS }), logSumExpRef(x, COLS), p));
  });

  it('+∞ first met in a late block: NaN there, 0 (softmax) / −∞ (logSoftmax) elsewhere', () => {
    const x = row(p, (_i, rng) => uniform(rng, -4, 4), 13);
    x[290_000] = Infinity;
    const y = softmax(x, { cols: COLS });
    const l = logSoftmax(x, { cols: COLS });
    for (let i = 0; i < COLS; i++) {
      if (i === 290_000) {
        expect(y[i]).toBeNaN();
        expect(l[i]).toBeNaN();
      } else if (y[i] !== 0 || l[i] !== -Infinity) {
        throw new Error(`element ${i}: softmax ${y[i]}, logSoftmax ${l[i]}`);
      }
    }
    expect(logSumExp(x, { cols: COLS })[0]).toBe(Infinity);
  });

  it('a NaN in a late block makes the whole row NaN', () => {
    const x = row(p, (i) => i * 1e-4, 14);
    x[299_999] = NaN;
    expect(softmax(x, { cols: COLS }).every((v) => Number.isNaN(v))).toBe(true);
    expect(logSoftmax(x, { cols: COLS }).every((v) => Number.isNaN(v))).toBe(true);
    expect(logSumExp(x, { cols: COLS })[0]).toBeNaN();
  });

  it('all −∞: NaN everywhere (as 0/0)', () => {
    const x = row(p, () => -Infinity, 15);
    expect(softmax(x, { cols: COLS }).every((v) => Number.isNaN(v))).toBe(true);
    expect(logSumExp(x, { cols: COLS })[0]).toBe(-Infinity);
  });
});
