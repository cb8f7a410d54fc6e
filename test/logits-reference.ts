// Float64 references of the logits toolkit, written straight from SPEC.md ("Logits toolkit"): full
// sorts and plain loops, nothing clever. Each works on one row (an array of numbers).

/** Rank order: larger first, equal values by lower index, NaN last. */
export function rankOrder(row: ArrayLike<number>): number[] {
  const idx = Array.from({ length: row.length }, (_, i) => i);
  return idx.sort((a, b) => {
    const va = row[a]!;
    const vb = row[b]!;
    if (va !== va || vb !== vb) return va !== va && vb !== vb ? a - b : va !== va ? 1 : -1;
    return va !== vb ? vb - va : a - b;
  });
}

export function argmaxRef(row: ArrayLike<number>): number {
  for (let i = 0; i < row.length; i++) if (row[i] !== row[i]) return i;
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** softmax(x/t) in float64 (special rows: NaN, or NaN at +∞ and 0 elsewhere). */
export function probsRef(row: ArrayLike<number>, t: number): number[] {
  const z = Array.from(row, (v) => v / t);
  const m = Math.max(...z.map((v) => (v !== v ? Infinity : v)));
  const nan = z.some((v) => v !== v);
  if (!Number.isFinite(m) || nan) return z.map((v) => (nan || m === -Infinity || v === Infinity ? NaN : 0));
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** logSumExp(x/t) in float64. */
export function lseRef(row: ArrayLike<number>, t: number): number {
  const z = Array.from(row, (v) => v / t);
  const m = Math.max(...z);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
}

export function crossEntropyRef(row: ArrayLike<number>, target: number, t: number): number {
  if (Array.from(row).some((v) => v !== v)) return NaN;
  const m = Math.max(...Array.from(row));
  if (m === -Infinity) return NaN;
  if (m === Infinity) return row[target] === Infinity ? NaN : Infinity;
  return lseRef(row, t) - row[target]! / t;
}

export interface SampleParams {
  t: number;
  topK: number;
  topP: number;
  minP: number;
}

export interface SampleTrace {
  /** The chosen index, −1 for a row that is not finite. */
  index: number;
  /** The candidates after steps 1–3, ascending, with their float64 probabilities. */
  candidates: number[];
  p: number[];
}

/** SPEC's steps 1–4 in float64, with the probabilities of the candidates for tolerance checks. */
export function sampleRef(row: ArrayLike<number>, params: SampleParams, u: number): SampleTrace {
  const p = probsRef(row, params.t);
  if (p.some((v) => !Number.isFinite(v))) return { index: -1, candidates: [], p };
  let cand = rankOrder(p);
  if (params.topK > 0) cand = cand.slice(0, Math.min(params.topK, cand.length));
  if (params.topP < 1) {
    const total = cand.reduce((a, i) => a + p[i]!, 0);
    let cum = 0;
    let keep = 0;
    while (keep < cand.length) {
      cum += p[cand[keep++]!]!;
      if (cum >= params.topP * total) break;
    }
    cand = cand.slice(0, Math.max(1, keep));
  }
  if (params.minP > 0) {
    const maxP = p[cand[0]!]!;
    cand = cand.filter((i) => p[i]! >= params.minP * maxP);
  }
  cand.sort((a, b) => a - b);
  const total = cand.reduce((a, i) => a + p[i]!, 0);
  let cum = 0;
  for (const i of cand) {
    cum += p[i]!;
    if (cum > u * total) return { index: i, candidates: cand, p };
  }
  return { index: cand[cand.length - 1]!, candidates: cand, p };
}

/**
 * Whether `got` may be SPEC's answer: the reference's, or one that differs only where u·Σ lies
 * within `tol`·Σ of a cumulative boundary (tol: the softmax bound).
 */
export function sampleAgrees(trace: SampleTrace, u: number, got: number, tol: number): boolean {
  if (got === trace.index) return true;
  const j = trace.candidates.indexOf(got);
  if (j < 0) return false;
  const total = trace.candidates.reduce((a, i) => a + trace.p[i]!, 0);
  let before = 0;
  for (let k = 0; k < j; k++) before += trace.p[trace.candidates[k]!]!;
  const through = before + trace.p[got]!;
  const goal = u * total;
  return before <= goal + tol * total && through > goal - tol * total;
}
