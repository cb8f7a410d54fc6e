// The logits toolkit in pure TypeScript: argmax, topK, crossEntropy and sample over whole rows.
// Nothing sorts a whole row: topK keeps a bounded heap of the k best entries; sample's top-p cut is a
// weighted selection on a shrinking candidate set (a three-way partition around a pivot, keeping the
// side that holds the cut). The row's max and exp-sum come from the softmax pieces.
import type { FloatArray, LogitsKernels } from '../types.js';
import { expSum, logSoftmaxFinish, rowMax, scale } from './kernels.js';

/** Whether entry (av, ai) ranks below (bv, bi): smaller value, or equal and a higher index; NaN last. */
export function worse(av: number, ai: number, bv: number, bi: number): boolean {
  if (av !== av) return bv === bv || ai > bi;
  if (bv !== bv) return false;
  return av < bv || (av === bv && ai > bi);
}

/**
 * A heap of entries (vals[j], idx[j]), j < size, whose root is the worst one (by `worse`, or by index
 * alone when `byIndex`): the k best of a stream, then sorted best first (or by ascending index).
 */
class Heap {
  vals: Float64Array;
  idx: Int32Array;
  size = 0;
  constructor(capacity: number, idx?: Int32Array) {
    this.vals = new Float64Array(capacity);
    this.idx = idx ?? new Int32Array(capacity);
  }
  private below(a: number, b: number, byIndex: boolean): boolean {
    return byIndex ? this.idx[a]! > this.idx[b]! : worse(this.vals[a]!, this.idx[a]!, this.vals[b]!, this.idx[b]!);
  }
  private swap(a: number, b: number): void {
    const v = this.vals[a]!;
    this.vals[a] = this.vals[b]!;
    this.vals[b] = v;
    const i = this.idx[a]!;
    this.idx[a] = this.idx[b]!;
    this.idx[b] = i;
  }
  /** Restores the heap below node j, among the first n entries. */
  private siftDown(j: number, n: number, byIndex: boolean): void {
    for (;;) {
      const l = 2 * j + 1;
      if (l >= n) return;
      let w = this.below(l, j, byIndex) ? l : j;
      if (l + 1 < n && this.below(l + 1, w, byIndex)) w = l + 1;
      if (w === j) return;
      this.swap(j, w);
      j = w;
    }
  }
  /** Offers (v, i) to a heap of at most `k` entries. */
  offer(v: number, i: number, k: number): void {
    if (this.size < k) {
      let j = this.size++;
      this.vals[j] = v;
      this.idx[j] = i;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (!this.below(j, parent, false)) break;
        this.swap(j, parent);
        j = parent;
      }
    } else if (worse(this.vals[0]!, this.idx[0]!, v, i)) {
      this.vals[0] = v;
      this.idx[0] = i;
      this.siftDown(0, this.size, false);
    }
  }
  /** Sorts the first n entries best first (by ascending index when `byIndex`), as heapsort does. */
  sort(n: number, byIndex: boolean): void {
    for (let j = (n >> 1) - 1; j >= 0; j--) this.siftDown(j, n, byIndex);
    for (let end = n - 1; end > 0; end--) {
      this.swap(0, end);
      this.siftDown(0, end, byIndex);
    }
  }
}

/** The k best entries of x[from, from + n) into heap, sorted best first. */
function selectTop(x: FloatArray, from: number, n: number, k: number, heap: Heap): void {
  heap.size = 0;
  for (let i = 0; i < n; i++) heap.offer(x[from + i]!, i, k);
  heap.sort(k, false);
}

/** The row's max and exp-sum Σ e^((x − m)/t) (storing the terms in w unless null); sum NaN when the max is not finite. */
function maxAndSum(row: FloatArray, w: FloatArray | null, t: number): [number, number] {
  const m = rowMax(row, 0, row.length);
  return [m, Number.isFinite(m) ? expSum(row, w, 0, row.length, m, t) : NaN];
}

function argmax(x: FloatArray, out: Int32Array, cols: number): void {
  for (let r = 0, from = 0; from < x.length; r++, from += cols) {
    let best = 0;
    let max = x[from]!;
    for (let i = 0; i < cols; i++) {
      const v = x[from + i]!;
      if (v !== v) {
        best = i;
        break;
      }
      if (v > max) (max = v), (best = i);
    }
    out[r] = best;
  }
}

function topK(x: FloatArray, indices: Int32Array, values: FloatArray, cols: number, k: number, t: number, kind: number): void {
  const heap = new Heap(k);
  for (let r = 0, from = 0; from < x.length; r++, from += cols) {
    selectTop(x, from, cols, k, heap);
    const vals = values.subarray(r * k, (r + 1) * k);
    for (let j = 0; j < k; j++) {
      indices[r * k + j] = heap.idx[j]!;
      vals[j] = heap.vals[j]!;
    }
    if (kind === 2) continue;
    const [m, s] = maxAndSum(x.subarray(from, from + cols), null, t);
    if (!Number.isFinite(m)) {
      // NaN in the row or all −∞: NaN; some +∞: NaN there, 0 or −∞ elsewhere (softmax's rules)
      for (let j = 0; j < k; j++) vals[j] = m !== m || m === -Infinity || vals[j] === Infinity ? NaN : kind === 1 ? -Infinity : 0;
    } else {
      topKFinish(vals, m, s, t, kind);
    }
  }
}

/** topK's probabilities (kind 0) or log-probabilities (1) in place of the logits vals, from the row's finite max m and Σ e^((x − m)/t). */
export function topKFinish(vals: FloatArray, m: number, s: number, t: number, kind: number): void {
  if (kind === 0) {
    expSum(vals, vals, 0, vals.length, m, t);
    scale(vals, 0, vals.length, 1 / s);
  } else if (kind === 1) {
    logSoftmaxFinish(vals, vals, 0, vals.length, m, t, Math.log(s));
  }
}

/** −log softmax(x/t) at an entry xt, from the row's finite max m and Σ e^((x − m)/t). */
export function crossEntropyOf(m: number, s: number, xt: number, t: number): number {
  // (m − xt)/t, halved first when t > 1 so that m − xt cannot overflow (halving is exact)
  return Math.log(s) + (t > 1 ? (m * 0.5 - xt * 0.5) / (t * 0.5) : (m - xt) / t);
}

function crossEntropy(x: FloatArray, target: Int32Array | Uint32Array, out: FloatArray, cols: number, t: number, ignoreIndex: number): void {
  const rows = x.length / cols;
  for (let r = 0; r < rows; r++) {
    const tr = target[r]!;
    if (tr === ignoreIndex) {
      out[r] = 0;
      continue;
    }
    const row = x.subarray(r * cols, (r + 1) * cols);
    const xt = row[tr]!;
    const [m, s] = maxAndSum(row, null, t);
    if (Number.isFinite(m)) out[r] = crossEntropyOf(m, s, xt, t);
    else out[r] = m !== m || m === -Infinity || xt === Infinity ? NaN : Infinity; // as logSoftmax: NaN, or +∞ off the +∞ entries
  }
}

/** Scratch for sample, grown as needed (calls run one at a time on this thread). */
let scratchIdx = new Int32Array(0);
let scratchIdx2 = new Int32Array(0);

/**
 * The shortest prefix of the row's entries ordered by w descending (ties: lower index first) whose
 * Σw ≥ target: returns [wc, ic] such that the prefix is { i : w_i > wc, or w_i = wc and i ≤ ic }.
 * A weighted quickselect: partition the candidates (kept in index order) around a pivot value into
 * greater / equal / less, keep the side holding the cut, add what lies above it to `above`.
 */
function topPCut(w: FloatArray, n: number, target: number): [number, number] {
  if (scratchIdx.length < n) (scratchIdx = new Int32Array(n)), (scratchIdx2 = new Int32Array(n));
  let cand = scratchIdx;
  let next = scratchIdx2;
  let count = n;
  for (let i = 0; i < n; i++) cand[i] = i;
  let above = 0;
  let pivotSeed = 0x9e3779b9;
  for (;;) {
    pivotSeed = (Math.imul(pivotSeed, 1664525) + 1013904223) >>> 0;
    const pivot = w[cand[pivotSeed % count]!]!;
    let greater = 0;
    let sumGreater = 0;
    for (let j = 0; j < count; j++) {
      const v = w[cand[j]!]!;
      if (v > pivot) (next[greater++] = cand[j]!), (sumGreater += v);
    }
    if (above + sumGreater >= target && greater > 0) {
      [cand, next] = [next, cand];
      count = greater;
      continue;
    }
    // The equal entries, in index order: the cut is among them if they reach the target.
    let cum = above + sumGreater;
    let last = -1;
    for (let j = 0; j < count; j++) {
      if (w[cand[j]!]! === pivot) {
        last = cand[j]!;
        cum += pivot;
        if (cum >= target) return [pivot, last];
      }
    }
    let less = 0;
    for (let j = 0; j < count; j++) if (w[cand[j]!]! < pivot) next[less++] = cand[j]!;
    if (less === 0) return [pivot, last]; // rounding left the target unreached: keep everything
    above = cum;
    [cand, next] = [next, cand];
    count = less;
  }
}

/** Step 4 over the members { i : w_i > a, or w_i = a and i ≤ ic } in index order. */
function drawMember(w: FloatArray, n: number, a: number, ic: number, u: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) if (w[i]! > a || (w[i] === a && i <= ic)) total += w[i]!;
  const goal = u * total;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const v = w[i]!;
    if (v > a || (v === a && i <= ic)) {
      cum += v;
      last = i;
      if (cum > goal) return i;
    }
  }
  return last;
}

function sample(x: FloatArray, u: Float64Array, out: Int32Array, cols: number, t: number, k: number, topP: number, minP: number): void {
  const w = x instanceof Float32Array ? new Float32Array(cols) : new Float64Array(cols);
  const heap = k > 0 ? new Heap(k) : null;
  for (let r = 0, from = 0; from < x.length; r++, from += cols) {
    const row = x.subarray(from, from + cols);
    const [, s] = maxAndSum(row, w, t);
    if (!Number.isFinite(s)) {
      out[r] = -1; // a NaN, a +∞, or every entry −∞
      continue;
    }
    if (heap !== null) {
      // Steps 1–3 on the k best, sorted best first; their weights are non-increasing.
      selectTop(row, 0, cols, k, heap);
      let total = 0;
      for (let j = 0; j < k; j++) total += heap.vals[j] = w[heap.idx[j]!]!;
      let c = k;
      if (topP < 1) {
        let cum = 0;
        for (c = 0; c < k; ) if ((cum += heap.vals[c++]!) >= topP * total) break;
      }
      const floor = minP * heap.vals[0]!;
      while (c > 1 && heap.vals[c - 1]! < floor) c--;
      heap.sort(c, true);
      let kept = 0;
      for (let j = 0; j < c; j++) kept += heap.vals[j]!;
      const goal = u[r]! * kept;
      let cum = 0;
      let j = 0;
      while (j < c - 1 && (cum += heap.vals[j]!) <= goal) j++;
      out[r] = heap.idx[j]!;
      continue;
    }
    // All entries are candidates: the cuts are thresholds on w (the max entry's w is e^0 = 1).
    let a = 0;
    let ic = cols;
    if (topP < 1) [a, ic] = topPCut(w, cols, topP * s);
    if (minP * 1 > a) (a = minP), (ic = cols);
    out[r] = drawMember(w, cols, a, ic, u[r]!);
  }
}

export const jsLogits: LogitsKernels = { argmax, topK, crossEntropy, sample };
