// The logits toolkit (SPEC.md, "Logits toolkit"): argmax, topK, crossEntropy and sample on the path
// this process runs (SIGMAX_ISA / SIGMAX_BACKEND), against float64 references, every rule of the
// contract, the errors, views / out / SharedArrayBuffer, the async twins, and a chi-square test of sample.
import { describe, expect, it } from 'vitest';
import * as sx from 'sigmax';
import { LOG_BOUNDS, SOFTMAX_BOUNDS } from './reference.js';
import { argmaxRef, crossEntropyRef, probsRef, rankOrder, sampleAgrees, sampleRef, type SampleParams } from './logits-reference.js';
import {
  alloc, EMULATED, type FloatArray, fromNumbers, makeLogits, mulberry32, normal, type Precision, PRECISIONS, sentinelArray, isAllSentinel,
} from './util.js';

const COLS = [1, 2, 7, 16, 17, 33, 100, 1000, 5000];

function rowOf(x: FloatArray, r: number, cols: number): number[] {
  return Array.from(x.subarray(r * cols, (r + 1) * cols));
}

/** A row of distinct values on a 0.05 grid, shuffled: no two probabilities closer than the bounds allow. */
function gridRow(rng: () => number, cols: number, spread = 0.05): number[] {
  const v = Array.from({ length: cols }, (_, i) => (i - cols / 2) * spread);
  for (let i = cols - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v;
}

function gridMatrix(p: Precision, rows: number, cols: number, seed: number, spread = 0.05): FloatArray {
  const rng = mulberry32(seed);
  const out: number[] = [];
  for (let r = 0; r < rows; r++) out.push(...gridRow(rng, cols, spread));
  return fromNumbers(p, out);
}

/** random() that returns the given values in turn. */
function draws(values: number[]): () => number {
  let i = 0;
  return () => values[i++]!;
}

function probViolation(p: Precision, got: number, want: number): boolean {
  const b = SOFTMAX_BOUNDS[p];
  if (want !== want) return got === got;
  return Math.abs(got - want) > (want >= b.relFrom ? b.rel * want : b.abs);
}

describe.each(PRECISIONS)('argmax (%s)', (p) => {
  it('matches the reference on random rows, ties and specials', () => {
    for (const cols of COLS) {
      const x = makeLogits(p, 5, cols, cols);
      if (cols > 3) (x[3] = x[1]!), (x[cols + 2] = 1e30), (x[cols + cols - 1] = 1e30);
      const got = sx.argmax(x, { cols });
      for (let r = 0; r < 5; r++) expect(got[r], `cols ${cols} row ${r}`).toBe(argmaxRef(rowOf(x, r, cols)));
    }
    const I = Infinity;
    const rows = [[1, 3, 3, 2], [NaN, 5, 6, 7], [1, 9, NaN, NaN], [-I, -I, -I, -I], [-0, 0, -0, -1], [0, -0, 1, I], [2, I, I, NaN]];
    const got = sx.argmax(fromNumbers(p, rows.flat()), { cols: 4 });
    expect(Array.from(got)).toEqual([1, 0, 2, 0, 0, 3, 3]);
  });

  it('finds the max in every position of a long vector row', () => {
    const x = alloc(p, 100);
    for (let at = 0; at < 100; at++) {
      x.fill(-1);
      x[at] = 2;
      x[(at + 37) % 100] = 2; // a tie: the lower index wins
      expect(sx.argmax(x)[0]).toBe(Math.min(at, (at + 37) % 100));
      x[(at + 11) % 100] = NaN;
      expect(sx.argmax(x)[0]).toBe((at + 11) % 100);
    }
  });
});

describe.each(PRECISIONS)('topK (%s)', (p) => {
  it('gives the k best, best first, with probs, logprobs and logits as the reference', () => {
    for (const cols of COLS) {
      for (const k of [1, Math.min(5, cols), cols]) {
        for (const t of [1, 0.7, 3]) {
          const x = gridMatrix(p, 3, cols, cols + k);
          const probs = sx.topK(x, k, { cols, temperature: t });
          const logp = sx.topK(x, k, { cols, temperature: t, values: 'logprobs' });
          const logits = sx.topK(x, k, { cols, temperature: t, values: 'logits' });
          for (let r = 0; r < 3; r++) {
            const row = rowOf(x, r, cols);
            const want = rankOrder(row).slice(0, k);
            const pr = probsRef(row, t);
            const where = `cols ${cols} k ${k} t ${t} row ${r}`;
            expect(Array.from(probs.indices.subarray(r * k, (r + 1) * k)), where).toEqual(want);
            expect(Array.from(logp.indices.subarray(r * k, (r + 1) * k)), where).toEqual(want);
            for (let j = 0; j < k; j++) {
              const i = want[j]!;
              expect(probViolation(p, probs.values[r * k + j]!, pr[i]!), `${where} prob ${j}`).toBe(false);
              const lw = Math.log(pr[i]!);
              expect(Math.abs(logp.values[r * k + j]! - lw), `${where} logprob ${j}`).toBeLessThanOrEqual(LOG_BOUNDS[p] * Math.max(1, Math.abs(lw)));
              expect(logits.values[r * k + j]).toBe(x[r * cols + i]);
            }
          }
        }
      }
    }
  });

  it('ranks ties by index (−0 = +0) and NaN last, with NaN values for a row holding a NaN', () => {
    const x = fromNumbers(p, [0, 2, -0, 2, NaN, 1, 0, NaN]);
    const r = sx.topK(x, 8, { values: 'logits' });
    expect(Array.from(r.indices)).toEqual([1, 3, 5, 0, 2, 6, 4, 7]);
    const probs = sx.topK(x, 3);
    expect(Array.from(probs.indices)).toEqual([1, 3, 5]);
    expect(Array.from(probs.values).every((v) => v !== v)).toBe(true);
  });

  it('follows softmax at +∞ and for a row of −∞', () => {
    const I = Infinity;
    const x = fromNumbers(p, [1, I, 3, I, -I, -I, -I, -I]);
    const probs = sx.topK(x, 3, { cols: 4 });
    const logp = sx.topK(x, 3, { cols: 4, values: 'logprobs' });
    expect(Array.from(probs.indices)).toEqual([1, 3, 2, 0, 1, 2]);
    expect(Array.from(probs.values)).toEqual([NaN, NaN, 0, NaN, NaN, NaN]);
    expect(Array.from(logp.values)).toEqual([NaN, NaN, -I, NaN, NaN, NaN]);
  });

  it('keeps the k best of a long row in any arrival order', () => {
    const rng = mulberry32(5);
    for (const order of ['ascending', 'descending', 'random']) {
      const n = 20_000;
      const v = Array.from({ length: n }, (_, i) => (order === 'random' ? normal(rng) : order === 'ascending' ? i : n - i));
      const x = fromNumbers(p, v);
      const got = sx.topK(x, 50, { values: 'logits' });
      expect(Array.from(got.indices), order).toEqual(rankOrder(Array.from(x)).slice(0, 50));
    }
  });

  it('checks k', () => {
    const x = alloc(p, 12);
    for (const k of [0, 5, 1.5, -1, NaN, Infinity]) expect(() => sx.topK(x, k, { cols: 4 })).toThrow(RangeError);
    expect(() => sx.topK(x, 5, { cols: 4 })).toThrow(/k must be an integer in \[1, 4\]/);
    expect(() => sx.topK(x, '2' as never, { cols: 4 })).toThrow(TypeError);
    expect(() => sx.topK(x, undefined as never)).toThrow(/k must be a number/);
    expect(() => sx.topK(x, 2, { values: 'prob' as never })).toThrow(RangeError);
    expect(sx.topK(alloc(p, 0), 3).indices.length).toBe(0);
  });
});

describe.each(PRECISIONS)('crossEntropy (%s)', (p) => {
  it('is logSumExp(x/t) − x[target]/t within the logSoftmax bound', () => {
    const rng = mulberry32(7);
    for (const cols of COLS) {
      for (const t of [1, 0.5, 4]) {
        const rows = 6;
        const x = makeLogits(p, rows, cols, cols * 3 + t);
        const target = Int32Array.from({ length: rows }, () => Math.floor(rng() * cols));
        const got = sx.crossEntropy(x, target, { cols, temperature: t });
        for (let r = 0; r < rows; r++) {
          const want = crossEntropyRef(rowOf(x, r, cols), target[r]!, t);
          expect(Math.abs(got[r]! - want), `cols ${cols} t ${t} row ${r}: ${got[r]} vs ${want}`).toBeLessThanOrEqual(LOG_BOUNDS[p] * Math.max(1, Math.abs(want)));
        }
      }
    }
  });

  it('takes Uint32Array targets, ignoreIndex and the special values of logSoftmax', () => {
    const I = Infinity;
    const x = fromNumbers(p, [0, 0, 0, NaN, 0, 1, -I, 2, -I, 1, I, 3, 5, 5, 5, 5]);
    const got = sx.crossEntropy(x, Uint32Array.from([0, 2, 0, 1]), { cols: 4 });
    expect(got[0]).toBeNaN();
    expect(got[1]).toBe(Infinity);
    expect(got[2]).toBe(Infinity);
    expect(got[3]).toBeCloseTo(Math.log(4), 6);
    const ign = sx.crossEntropy(x, Int32Array.from([-100, 2, 0, -100]), { cols: 4, ignoreIndex: -100 });
    expect(Array.from(ign)).toEqual([0, Infinity, Infinity, 0]);
  });

  it('does not overflow in x − max when t > 1', () => {
    const big = p === 'f32' ? 3e38 : 1.7e308;
    const t = p === 'f32' ? 1e30 : 1e300;
    const got = sx.crossEntropy(fromNumbers(p, [-big, big]), Int32Array.from([0]), { temperature: t });
    expect(got[0]! / (2 * (big / t))).toBeCloseTo(1, 5);
  });

  it('checks the targets, naming the row', () => {
    const x = alloc(p, 8);
    expect(() => sx.crossEntropy(x, Int32Array.from([0, 4]), { cols: 4 })).toThrow(/target\[1\]/);
    expect(() => sx.crossEntropy(x, Int32Array.from([-1, 0]), { cols: 4 })).toThrow(RangeError);
    expect(() => sx.crossEntropy(x, Int32Array.from([0]), { cols: 4 })).toThrow(/target must have length 2/);
    expect(() => sx.crossEntropy(x, [0, 1] as never, { cols: 4 })).toThrow(TypeError);
    expect(() => sx.crossEntropy(x, Int32Array.from([0, 1]), { cols: 4, ignoreIndex: 0.5 })).toThrow(/ignoreIndex/);
    expect(() => sx.crossEntropy(x, Int32Array.from([0, 1]), { cols: 4, ignoreIndex: '1' as never })).toThrow(TypeError);
    const out = sentinelArray(p, 2);
    expect(() => sx.crossEntropy(x, Int32Array.from([0, 9]), { cols: 4, out })).toThrow(RangeError);
    expect(isAllSentinel(out)).toBe(true);
  });
});

describe.each(PRECISIONS)('sample (%s)', (p) => {
  const tol = SOFTMAX_BOUNDS[p].rel * 4;
  const settings: SampleParams[] = [
    { t: 1, topK: 0, topP: 1, minP: 0 },
    { t: 0.7, topK: 0, topP: 1, minP: 0 },
    { t: 1, topK: 5, topP: 1, minP: 0 },
    { t: 1, topK: 0, topP: 0.9, minP: 0 },
    { t: 1, topK: 0, topP: 0.3, minP: 0 },
    { t: 1, topK: 0, topP: 1, minP: 0.05 },
    { t: 0.7, topK: 50, topP: 0.9, minP: 0 },
    { t: 1.3, topK: 20, topP: 0.5, minP: 0.1 },
    { t: 1, topK: 0, topP: 0.8, minP: 0.2 },
    { t: 2, topK: 3, topP: 1, minP: 1 },
  ];

  it.each(settings)('follows the float64 reference with given draws: %o', (s) => {
    const rng = mulberry32(11);
    for (const cols of [1, 3, 16, 17, 100, 1000, 5000]) {
      for (const spread of [0.05, 0.5]) {
        const rows = 8;
        const x = gridMatrix(p, rows, cols, cols + 1, spread);
        const u = Array.from({ length: rows }, () => rng());
        u[0] = 0;
        u[1] = 1 - 2 ** -53;
        const got = sx.sample(x, { cols, temperature: s.t, topK: s.topK, topP: s.topP, minP: s.minP, random: draws(u) });
        for (let r = 0; r < rows; r++) {
          const trace = sampleRef(rowOf(x, r, cols), { ...s, topK: s.topK > cols ? cols : s.topK }, u[r]!);
          expect(sampleAgrees(trace, u[r]!, got[r]!, tol), `cols ${cols} spread ${spread} row ${r}: ${got[r]} vs ${trace.index}`).toBe(true);
        }
      }
    }
  });

  it('finds the top-p cut on long rows whose largest values a strided subsample misses or overweights', () => {
    // Natively a long row's cut is first guessed from every 8th vector. Large values only where no
    // ISA's subsample looks (index ≡ 41 mod 128), only where every one looks (≡ 0 mod 128), or a peaked
    // row make that guess err low, high, or far: the collects that check it must still find the cut.
    const cols = 40_000;
    const rng = mulberry32(23);
    const rows: number[][] = [];
    for (const [spread, at, lift] of [[1.5, 41, 9], [1.5, 0, 6], [4, -1, 0], [2.5, 41, 4], [1, 0, 3], [0.5, 41, 12]] as const) {
      rows.push(Array.from({ length: cols }, (_, i) => normal(rng) * spread + (i % 128 === at ? lift : 0)));
    }
    const x = fromNumbers(p, rows.flat());
    const cases: SampleParams[] = [
      { t: 1, topK: 0, topP: 0.9, minP: 0 }, { t: 0.7, topK: 0, topP: 0.95, minP: 0 }, { t: 1, topK: 0, topP: 0.5, minP: 0 },
    ];
    for (const s of cases) {
      const u = rows.map(() => rng());
      const got = sx.sample(x, { cols, temperature: s.t, topP: s.topP, random: draws(u) });
      for (let r = 0; r < rows.length; r++) {
        const trace = sampleRef(rowOf(x, r, cols), s, u[r]!);
        expect(sampleAgrees(trace, u[r]!, got[r]!, tol), `row ${r} ${JSON.stringify(s)}: ${got[r]} vs ${trace.index}`).toBe(true);
      }
    }
  });

  it('gives −1 for rows that are not finite, and never throws for data', () => {
    const I = Infinity;
    const x = fromNumbers(p, [1, NaN, 2, 1, I, 2, -I, -I, -I, -I, 5, -I]);
    for (const s of settings) {
      const got = sx.sample(x, { cols: 3, topK: s.topK, topP: s.topP, minP: s.minP, random: () => 0.5 });
      expect(Array.from(got)).toEqual([-1, -1, -1, 1]);
    }
  });

  it('draws once per row, in row order, before computing; checks what random returns', () => {
    const x = gridMatrix(p, 4, 10, 3);
    const seen: number[] = [];
    let calls = 0;
    sx.sample(x, { cols: 10, random: () => (seen.push(calls), (calls++ * 0.2) % 1) });
    expect(seen).toEqual([0, 1, 2, 3]);
    sx.sample(alloc(p, 0), { random: () => { throw new Error('drawn'); } });
    const out = new Int32Array(4).fill(-7);
    for (const bad of [1, NaN, -0.1, 2, '0.5', undefined]) {
      expect(() => sx.sample(x, { cols: 10, out, random: () => bad as number })).toThrow(RangeError);
    }
    expect(() => sx.sample(x, { cols: 10, out, random: draws([0.1, 0.2, 1]) })).toThrow(/row 2/);
    const boom = new Error('boom');
    expect(() => sx.sample(x, { cols: 10, out, random: () => { throw boom; } })).toThrow(boom);
    expect(Array.from(out)).toEqual([-7, -7, -7, -7]);
    expect(() => sx.sample(x, { cols: 10, random: 0.5 as never })).toThrow(TypeError);
  });

  it('checks topK, topP and minP', () => {
    const x = alloc(p, 10);
    for (const o of [{ topK: -1 }, { topK: 1.5 }, { topP: 0 }, { topP: 1.01 }, { topP: NaN }, { minP: -0.1 }, { minP: 2 }]) {
      expect(() => sx.sample(x, o)).toThrow(RangeError);
    }
    expect(() => sx.sample(x, { topK: '3' as never })).toThrow(TypeError);
    expect(() => sx.sample(x, { topP: '1' as never })).toThrow(/topP/);
    expect(sx.sample(x, { topK: 1000, random: () => 0.99 })[0]).toBe(9); // topK > cols means cols
  });

  it('follows the filtered distribution (chi-square over 10^5 draws of Math.random)', () => {
    const cols = 24;
    const base = gridRow(mulberry32(21), cols, 0.3);
    const s: SampleParams = { t: 0.8, topK: 16, topP: 0.95, minP: 0.01 };
    const rows = 100_000;
    const x = alloc(p, rows * cols);
    for (let r = 0; r < rows; r++) x.set(base, r * cols);
    const got = sx.sample(x, { cols, temperature: s.t, topK: s.topK, topP: s.topP, minP: s.minP });
    const trace = sampleRef(fromNumbers(p, base), s, 0);
    const total = trace.candidates.reduce((a, i) => a + trace.p[i]!, 0);
    const counts = new Map<number, number>();
    for (const g of got) counts.set(g, (counts.get(g) ?? 0) + 1);
    for (const g of counts.keys()) expect(trace.candidates).toContain(g);
    let chi2 = 0;
    for (const i of trace.candidates) {
      const e = (rows * trace.p[i]!) / total;
      chi2 += ((counts.get(i) ?? 0) - e) ** 2 / e;
    }
    const df = trace.candidates.length - 1;
    expect(df).toBeGreaterThan(3);
    expect(chi2, `chi2 ${chi2} df ${df}`).toBeLessThan(df + 7 * Math.sqrt(2 * df)); // p < 1e-6 or so
  });
});

describe.each(PRECISIONS)('views, out, SharedArrayBuffer and async (%s)', (p) => {
  const cols = 37;
  const rows = 5;
  const x0 = gridMatrix(p, rows, cols, 9, 0.3);
  const target = Int32Array.from([0, 5, 36, 2, 11]);
  const sampleOpts = (seed: number) => ({ cols, topK: 10, topP: 0.9, temperature: 0.8, random: mulberry32(seed) });

  it('works on views at odd offsets and on a SharedArrayBuffer, writing only out', () => {
    const bytes = p === 'f32' ? 4 : 8;
    const shared = p === 'f32' ? new Float32Array(new SharedArrayBuffer(bytes * (rows * cols + 3))) : new Float64Array(new SharedArrayBuffer(bytes * (rows * cols + 3)));
    shared.set(x0, 3);
    const x = shared.subarray(3);
    const idxBuf = new Int32Array(rows + 2).fill(-9);
    const out = idxBuf.subarray(1, rows + 1);
    expect(sx.argmax(x, { cols, out })).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(sx.argmax(x0, { cols })));
    expect([idxBuf[0], idxBuf[rows + 1]]).toEqual([-9, -9]);
    const vals = sentinelArray(p, rows * 3 + 2);
    const ind = new Int32Array(rows * 3);
    const r = sx.topK(x, 3, { cols, out: { indices: ind, values: vals.subarray(1, rows * 3 + 1) as typeof x } });
    expect(r.indices).toBe(ind);
    expect(isAllSentinel(vals.subarray(0, 1))).toBe(true);
    expect(isAllSentinel(vals.subarray(rows * 3 + 1))).toBe(true);
    expect(Array.from(r.values)).toEqual(Array.from(sx.topK(x0, 3, { cols }).values));
    const ce = sentinelArray(p, rows + 2);
    sx.crossEntropy(x, target, { cols, out: ce.subarray(1, rows + 1) as typeof x });
    expect(isAllSentinel(ce.subarray(0, 1)) && isAllSentinel(ce.subarray(rows + 1))).toBe(true);
    expect(Array.from(ce.subarray(1, rows + 1))).toEqual(Array.from(sx.crossEntropy(x0, target, { cols })));
    expect(Array.from(sx.sample(x, sampleOpts(3)))).toEqual(Array.from(sx.sample(x0, sampleOpts(3))));
    expect(Array.from(shared.subarray(3))).toEqual(Array.from(x0)); // the input is never modified
  });

  it('rejects outs of the wrong type, length or overlapping the input, writing nothing', () => {
    const x = x0.slice();
    expect(() => sx.argmax(x, { cols, out: new Uint32Array(rows) as never })).toThrow(TypeError);
    expect(() => sx.argmax(x, { cols, out: new Int32Array(rows + 1) })).toThrow(/out must have length 5/);
    expect(() => sx.argmax(x, { cols, out: new Int32Array(x.buffer, 0, rows) })).toThrow(/out must not overlap x/);
    expect(() => sx.topK(x, 2, { cols, out: { indices: new Int32Array(rows * 2) } as never })).toThrow(TypeError);
    const vals = sentinelArray(p, rows * 2);
    expect(() => sx.topK(x, 2, { cols, out: { indices: new Int32Array(rows * 2), values: vals.subarray(1) as typeof x } })).toThrow(RangeError);
    expect(() => sx.topK(x, 2, { cols, out: { indices: new Int32Array(rows * 2), values: x.subarray(0, rows * 2) as typeof x } })).toThrow(/overlap/);
    expect(isAllSentinel(vals)).toBe(true);
    expect(() => sx.sample(x, { cols, out: new Int32Array(x.buffer, 0, rows) })).toThrow(/overlap/);
    expect(() => sx.crossEntropy(x, target, { cols, out: alloc(p === 'f32' ? 'f64' : 'f32', rows) as never })).toThrow(TypeError);
    expect(Array.from(x)).toEqual(Array.from(x0));
  });

  it('the async twins equal the sync functions', async () => {
    const long = gridMatrix(p, 3, 70_000, 4, 0.001);
    for (const [x, c] of [[x0, cols], [long, 70_000]] as const) {
      const t = Int32Array.from({ length: x.length / c }, (_, r) => (r * 7) % c);
      expect(await sx.argmaxAsync(x, { cols: c, threads: 2 })).toEqual(sx.argmax(x, { cols: c }));
      expect(await sx.topKAsync(x, 4, { cols: c, threads: 2, values: 'logprobs' })).toEqual(sx.topK(x, 4, { cols: c, values: 'logprobs' }));
      expect(await sx.crossEntropyAsync(x, t, { cols: c, threads: 2 })).toEqual(sx.crossEntropy(x, t, { cols: c }));
      expect(await sx.sampleAsync(x, { ...sampleOpts(8), cols: c, threads: 2 })).toEqual(sx.sample(x, { ...sampleOpts(8), cols: c }));
    }
    await expect(sx.topKAsync(x0, 0, { cols })).rejects.toThrow(RangeError);
    const ac = new AbortController();
    ac.abort();
    await expect(sx.sampleAsync(x0, { cols, signal: ac.signal })).rejects.toThrow(/abort/);
  });

  it('a long row split across threads gives the sync results (values within the bounds)', async () => {
    // 2^20 + 3: sample splits a row without topK from 2^20 elements on (native/schedule.h)
    const n = EMULATED ? 70_000 : (1 << 20) + 3;
    const base = fromNumbers(p, gridRow(mulberry32(5), n, 0.0001));
    const I = Infinity;
    // plain; the max tied in the first and a later part; a NaN late in the row; +∞; all −∞ but one finite
    const cases: Array<[string, (x: FloatArray) => void]> = [
      ['plain', () => {}],
      ['tied max', (x) => ((x[10] = 50), (x[n - 1000] = 50))],
      ['NaN', (x) => (x[n - 100] = NaN)],
      ['+inf', (x) => (x[n >> 1] = I)],
      ['-inf', (x) => (x.fill(-I), (x[n / 3 | 0] = 3))],
    ];
    for (const [name, edit] of cases) {
      const x = base.slice();
      edit(x);
      for (const threads of EMULATED ? [2] : [2, 3]) {
        const what = `${name}, ${threads} threads`;
        expect(Array.from(await sx.argmaxAsync(x, { cols: n, threads })), what).toEqual(Array.from(sx.argmax(x, { cols: n })));
        for (const values of ['probs', 'logprobs', 'logits'] as const) {
          const got = await sx.topKAsync(x, 20, { cols: n, threads, values, temperature: 0.7 });
          const want = sx.topK(x, 20, { cols: n, values, temperature: 0.7 });
          expect(Array.from(got.indices), `${what} ${values}`).toEqual(Array.from(want.indices));
          for (let j = 0; j < 20; j++) {
            const g = got.values[j]!, w = want.values[j]!;
            if (w !== w || !Number.isFinite(w)) expect(Object.is(g, w) || (g !== g && w !== w), `${what} ${values} [${j}]`).toBe(true);
            else expect(Math.abs(g - w), `${what} ${values} [${j}]`).toBeLessThanOrEqual(2 * SOFTMAX_BOUNDS[p].rel * Math.max(1, Math.abs(w)));
          }
        }
        for (const target of [n / 3 | 0, 0, n - 1000]) {
          const t = Int32Array.of(target);
          const g = (await sx.crossEntropyAsync(x, t, { cols: n, threads, temperature: 1.5 }))[0]!;
          const w = sx.crossEntropy(x, t, { cols: n, temperature: 1.5 })[0]!;
          if (!Number.isFinite(w)) expect(Object.is(g, w) || (g !== g && w !== w), `${what} target ${target}`).toBe(true);
          else expect(Math.abs(g - w), `${what} target ${target}`).toBeLessThanOrEqual(2 * LOG_BOUNDS[p] * Math.max(1, Math.abs(w)));
          expect((await sx.crossEntropyAsync(x, t, { cols: n, threads, ignoreIndex: target }))[0]).toBe(0);
        }
        // sample: the same draw as the sync call, split (without topK) and whole (with topK)
        const settings: Array<[object, number]> = [
          [{ topP: 0.9 }, 0.375], [{ topP: 0.9 }, 0.999], [{ minP: 0.02, temperature: 0.7 }, 0.6], [{}, 0.05], [{ topK: 50, topP: 0.9 }, 0.2],
        ];
        for (const [setting, u] of settings) {
          const opts = { cols: n, ...setting };
          expect(Array.from(await sx.sampleAsync(x, { ...opts, threads, random: draws([u]) })), `${what} sample ${JSON.stringify(setting)}`)
            .toEqual(Array.from(sx.sample(x, { ...opts, random: draws([u]) })));
        }
      }
    }
  });
});
