// The pure-TypeScript scheduler: an async call runs on the JavaScript thread in chunks of at most
// CHUNK_ELEMENTS elements, one per turn of the event loop (after pending I/O), so that other work keeps
// being served and an abort is seen between chunks. Element-wise work is cut by ranges, row-wise work
// by blocks of whole rows (results bit for bit those of the sync call); a row longer than a chunk runs
// in parts, as a reduction (each part's max and Σ e^((x − m)/t), combined; Σ y·dy or Σ dy for the
// backward passes) followed by a pass over the parts that uses its result; so do the logits toolkit's long rows but
// sample's (longLogitsRow). `threads` has no effect: one thread.
import type { FloatArray, KernelName, Scheduler } from '../types.js';
import {
  expSum,
  jacobianRows,
  jsKernels,
  logSoftmaxBackwardFinish,
  logSoftmaxFinish,
  rowMax,
  scale,
  softmaxBackwardFinish,
  specialRow,
  sum,
} from './kernels.js';
import { crossEntropyOf, jsLogits, topKFinish, worse } from './logits.js';
import { nextTurn } from './yield.js';

/** Elements per chunk: bounds each stall of the event loop and how long an abort waits. */
export const CHUNK_ELEMENTS = 1 << 15;


/** Runs chunk(i) for i = 0 … count − 1, each on its own turn; false if the signal aborted first. */
async function inTurns(count: number, signal: AbortSignal | undefined, chunk: (i: number) => void): Promise<boolean> {
  for (let i = 0; i < count; i++) {
    await nextTurn();
    if (signal?.aborted) return false;
    chunk(i);
  }
  return true;
}

/** Runs part(from, to) over [base, base + n) in parts of at most a chunk, each on its own turn. */
function inParts(base: number, n: number, signal: AbortSignal | undefined, part: (from: number, to: number) => void): Promise<boolean> {
  return inTurns(Math.ceil(n / CHUNK_ELEMENTS), signal, (i) => {
    const from = base + i * CHUNK_ELEMENTS;
    part(from, Math.min(base + n, from + CHUNK_ELEMENTS));
  });
}

type RowName = 'softmax' | 'logSoftmax' | 'logSumExp' | 'softmaxBackward' | 'logSoftmaxBackward';

/** Whole rows [r0, r1) of a row-wise kernel, on views. */
function rowBlock(name: RowName, a: FloatArray, b: FloatArray | null, out: FloatArray, cols: number, t: number, r0: number, r1: number): void {
  const view = (v: FloatArray) => v.subarray(r0 * cols, r1 * cols);
  if (name === 'softmax' || name === 'logSoftmax') jsKernels[name](view(a), view(out), cols, t);
  else if (name === 'logSumExp') jsKernels.logSumExp(view(a), out.subarray(r0, r1), cols);
  else jsKernels[name](view(a), view(b!), view(out), cols);
}

/**
 * One long row of softmax, logSoftmax or logSumExp at [base, base + cols) of x, in two phases of parts:
 * each part's own max m_i and Σ e^((x − m_i)/t) (softmax stores those terms), then the row's max m and
 * Σ = Σ_i Σ_i·e^((m_i − m)/t), and a pass that scales each part's terms by e^((m_i − m)/t)/Σ (softmax)
 * or writes (x − m)/t − log Σ (logSoftmax). Two turns per part, where max, sum and finish took three.
 */
async function longForwardRow(name: RowName, x: FloatArray, out: FloatArray, row: number, cols: number, t: number, signal: AbortSignal | undefined) {
  const base = row * cols;
  const parts = Math.ceil(cols / CHUNK_ELEMENTS);
  const partMax = new Float64Array(parts);
  const partSum = new Float64Array(parts);
  let m = -Infinity;
  let p = 0;
  const sumDone = await inParts(base, cols, signal, (from, to) => {
    const mi = rowMax(x, from, to);
    m = m !== m || mi !== mi ? NaN : mi > m ? mi : m;
    partMax[p] = mi;
    // a part of −∞ only adds nothing (softmax: its terms are 0); NaN or +∞ sends the row to the
    // special-value rules below
    if (mi === -Infinity && name === 'softmax') out.fill(0, from, to);
    partSum[p++] = Number.isFinite(mi) ? expSum(x, name === 'softmax' ? out : null, from, to, mi, t) : 0;
  });
  if (!sumDone) return;
  if (!Number.isFinite(m)) {
    // NaN, all −∞ or some +∞: the special-value rules (logSumExp: the max itself)
    if (name === 'logSumExp') out[row] = m;
    else await inParts(base, cols, signal, (from, to) => specialRow(x, out, from, to, m, name === 'logSoftmax'));
    return;
  }
  const shift = new Float64Array(parts);  // e^((m_i − m)/t): each part's terms rescaled to the row's max
  for (let i = 0; i < parts; i++) {
    shift[i] = Number.isFinite(partMax[i]!) ? Math.exp((partMax[i]! - m) / t) : 0;
    partSum[i] = partSum[i]! * shift[i]!;
  }
  const s = sum(null, partSum, 0, parts);
  if (name === 'logSumExp') out[row] = m + Math.log(s);
  else if (name === 'softmax') {
    p = 0;
    await inParts(base, cols, signal, (from, to) => scale(out, from, to, shift[p++]! / s));
  } else await inParts(base, cols, signal, (from, to) => logSoftmaxFinish(x, out, from, to, m, t, Math.log(s)));
}

/** One long row of softmaxBackward or logSoftmaxBackward at [base, base + cols). */
async function longBackwardRow(name: RowName, y: FloatArray, dy: FloatArray, dx: FloatArray, row: number, cols: number, signal: AbortSignal | undefined) {
  const base = row * cols;
  const partSums = new Float64Array(Math.ceil(cols / CHUNK_ELEMENTS));
  let k = 0;
  const sumDone = await inParts(base, cols, signal, (from, to) => {
    partSums[k++] = name === 'softmaxBackward' ? sum(dy, y, from, to) : sum(null, dy, from, to);
  });
  if (!sumDone) return;
  const c = sum(null, partSums, 0, partSums.length);
  if (name === 'softmaxBackward') await inParts(base, cols, signal, (from, to) => softmaxBackwardFinish(y, dy, dx, from, to, c));
  else await inParts(base, cols, signal, (from, to) => logSoftmaxBackwardFinish(y, dy, dx, from, to, c));
}

async function rowwise(name: RowName, a: FloatArray, b: FloatArray | null, out: FloatArray, cols: number, t: number, signal: AbortSignal | undefined) {
  const rows = a.length / cols;
  if (cols <= CHUNK_ELEMENTS) {
    const per = Math.floor(CHUNK_ELEMENTS / cols);
    await inTurns(Math.ceil(rows / per), signal, (i) => rowBlock(name, a, b, out, cols, t, i * per, Math.min(rows, (i + 1) * per)));
    return;
  }
  for (let row = 0; row < rows && !signal?.aborted; row++) {
    if (b === null) await longForwardRow(name, a, out, row, cols, t, signal);
    else await longBackwardRow(name, a, b, out, row, cols, signal);
  }
}

type LogitsName = 'argmax' | 'topK' | 'crossEntropy' | 'sample';

/** Rows [r0, r1) of a logits function, on views of every per-row array: args[j] holds spans[j] per row (0: a number). */
function logitsBlock(name: LogitsName, args: unknown[], spans: number[], r0: number, r1: number): void {
  const kernel = jsLogits[name] as (...a: unknown[]) => void;
  kernel(...args.map((a, j) => (spans[j]! > 0 ? (a as FloatArray).subarray(r0 * spans[j]!, r1 * spans[j]!) : a)));
}

/**
 * One long row of argmax, topK or crossEntropy, in parts: argmax as each part's argmax (the first NaN,
 * else the largest, the earliest part on ties); topK and crossEntropy as the row's max, then each part's
 * Σ e^((x − m)/t) (and topK's k best of the part, merged after). A row whose max is not finite, or
 * whose target is the ignore index, runs whole by the kernel's own rules.
 */
async function longLogitsRow(name: 'argmax' | 'topK' | 'crossEntropy', args: unknown[], spans: number[], row: number, signal: AbortSignal | undefined) {
  const x = args[0] as FloatArray;
  const cols = (name === 'argmax' ? args[2] : args[3]) as number;
  const base = row * cols;
  const whole = () => inTurns(1, signal, () => logitsBlock(name, args, spans, row, row + 1));
  if (name === 'argmax') {
    const one = new Int32Array(1);
    let best = -1;
    const done = await inParts(base, cols, signal, (from, to) => {
      if (best >= 0 && x[base + best] !== x[base + best]) return; // a NaN decides: nothing later matters
      jsLogits.argmax(x.subarray(from, to), one, to - from);
      const j = from - base + one[0]!;
      if (best < 0 || x[base + j] !== x[base + j] || x[base + j]! > x[base + best]!) best = j;
    });
    if (done) (args[1] as Int32Array)[row] = best;
    return;
  }
  const t = (name === 'topK' ? args[5] : args[4]) as number;
  if (name === 'crossEntropy' && (args[1] as Int32Array)[row] === (args[5] as number)) return void (await whole());
  let m = -Infinity;
  const maxDone = await inParts(base, cols, signal, (from, to) => {
    const v = rowMax(x, from, to);
    m = m !== m || v !== v ? NaN : v > m ? v : m;
  });
  if (!maxDone) return;
  if (!Number.isFinite(m)) return void (await whole());
  const k = name === 'topK' ? (args[4] as number) : 0;
  const parts = Math.ceil(cols / CHUNK_ELEMENTS);
  const partSums = new Float64Array(parts);
  const candidates = { values: new Float64Array(parts * k), indices: new Int32Array(parts * k), count: 0 };
  const partValues = new (x.constructor as Float64ArrayConstructor)(k);
  const partIndices = new Int32Array(k);
  let p = 0;
  const sumDone = await inParts(base, cols, signal, (from, to) => {
    partSums[p++] = expSum(x, null, from, to, m, t);
    if (k === 0) return;
    const kk = Math.min(k, to - from);
    jsLogits.topK(x.subarray(from, to), partIndices.subarray(0, kk), partValues.subarray(0, kk), to - from, kk, t, 2);
    for (let j = 0; j < kk; j++) {
      candidates.values[candidates.count] = partValues[j]!;
      candidates.indices[candidates.count++] = partIndices[j]! + from - base;
    }
  });
  if (!sumDone) return;
  const s = sum(null, partSums, 0, parts);
  if (name === 'crossEntropy') {
    const out = args[2] as FloatArray;
    out[row] = crossEntropyOf(m, s, x[base + (args[1] as Int32Array)[row]!]!, t);
    return;
  }
  const { values: cv, indices: ci } = candidates;
  const order = Array.from({ length: candidates.count }, (_, i) => i)
    .sort((a, b) => (worse(cv[a]!, ci[a]!, cv[b]!, ci[b]!) ? 1 : worse(cv[b]!, ci[b]!, cv[a]!, ci[a]!) ? -1 : 0));
  const vals = (args[2] as FloatArray).subarray(row * k, (row + 1) * k);
  const indices = args[1] as Int32Array;
  for (let j = 0; j < k; j++) {
    vals[j] = cv[order[j]!]!;
    indices[row * k + j] = ci[order[j]!]!;
  }
  topKFinish(vals, m, s, t, args[6] as number);
}

/**
 * The logits toolkit: blocks of whole rows; a row longer than a chunk in parts (longLogitsRow), but
 * sample's, which runs whole in one turn. args[i] holds spans[i] elements per row (0: a number).
 */
async function logitsRows(name: LogitsName, args: unknown[], signal: AbortSignal | undefined): Promise<void> {
  const cols = (name === 'argmax' ? args[2] : args[3]) as number;
  const k = name === 'topK' ? (args[4] as number) : 1;
  const spans = args.map((a, i) => (i === 0 ? cols : ArrayBuffer.isView(a) ? (name === 'topK' ? k : 1) : 0));
  const rows = (args[0] as FloatArray).length / cols;
  if (cols > CHUNK_ELEMENTS && name !== 'sample') {
    for (let row = 0; row < rows && !signal?.aborted; row++) await longLogitsRow(name, args, spans, row, signal);
    return;
  }
  const per = Math.max(1, Math.floor(CHUNK_ELEMENTS / cols));
  await inTurns(Math.ceil(rows / per), signal, (i) => logitsBlock(name, args, spans, i * per, Math.min(rows, (i + 1) * per)));
}

export const jsScheduler: Scheduler = {
  async run(name: KernelName, args: unknown[], _threads: number, signal: AbortSignal | undefined): Promise<void> {
    if (name === 'argmax' || name === 'topK' || name === 'crossEntropy' || name === 'sample') {
      await logitsRows(name, args, signal);
    } else if (name === 'sigmoid' || name === 'sigmoidDerivative' || name === 'sigmoidBackward') {
      const arrays = args as FloatArray[];
      const kernel = jsKernels[name] as (...views: FloatArray[]) => void;
      await inParts(0, arrays[0]!.length, signal, (from, to) => kernel(...arrays.map((v) => v.subarray(from, to))));
    } else if (name === 'softmaxJacobian') {
      const [y, out] = args as [FloatArray, FloatArray];
      const k = y.length;
      const per = Math.max(1, Math.floor(CHUNK_ELEMENTS / k));
      await inTurns(Math.ceil(k / per), signal, (i) => jacobianRows(y, out, i * per, Math.min(k - i * per, per)));
    } else if (name === 'softmax' || name === 'logSoftmax') {
      const [x, out, cols, t] = args as [FloatArray, FloatArray, number, number];
      await rowwise(name, x, null, out, cols, t, signal);
    } else if (name === 'logSumExp') {
      const [x, out, cols] = args as [FloatArray, FloatArray, number];
      await rowwise(name, x, null, out, cols, 1, signal);
    } else {
      const [y, dy, out, cols] = args as [FloatArray, FloatArray, FloatArray, number];
      await rowwise(name, y, dy, out, cols, 1, signal);
    }
  },
  defaultThreads: 1,
};
