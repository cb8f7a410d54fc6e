// The pure-TypeScript kernels: the same contract as the native ones, computed in float64.
// Float32 results are computed in float64 and rounded once on store, so they are nearly correctly
// rounded. Float64 results use error-free transformations (Dekker 1971; Ogita, Rump & Oishi 2005)
// where plain float64 arithmetic would exceed the 2-ulp bound.
import type { Core, FloatArray, Kernels, RowPieces } from '../types.js';

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitting constant for float64

/** The rounding error of a·b, so that a·b = fl(a·b) + twoProdError(a, b, fl(a·b)) exactly. */
function twoProdError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (((p - ah * bh) - al * bh) - ah * bl);
}

/** n / (dh + dl) rounded nearly correctly (error ≈ 0.5 ulp), for dh ≥ |dl| > 0 or dl = 0. */
function divideCompensated(n: number, dh: number, dl: number): number {
  const q = n / dh;
  const p = q * dh;
  const r = n - p - twoProdError(q, dh, p) - q * dl;
  return q + r / dh;
}

/** σ(x) in float64 with ≤ ~1.5 ulp error: e = exp(−|x|), σ = e/(1+e) or 1 − that. */
function sigmoid64(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const t = 1 + e;
  const f = divideCompensated(e, t, e - (t - 1)); // t + (e − (t − 1)) = 1 + e exactly
  return x > 0 ? 1 - f : f;
}

/** σ'(x) = e/(1+e)² with e = exp(−|x|) (σ' is even), in float64. */
function sigmoidDerivative64(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const t = 1 + e;
  const tl = e - (t - 1);
  const sh = t * t;
  const sl = twoProdError(t, t, sh) + 2 * t * tl; // (t + tl)² = sh + sl up to tl² (negligible)
  return divideCompensated(e, sh, sl);
}

/** Float32 inputs need no compensation: float64 arithmetic carries 29 spare bits. */
function sigmoidWide(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x > 0 ? 1 / (1 + e) : e / (1 + e);
}

function sigmoidDerivativeWide(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const t = 1 + e;
  return e / (t * t);
}

/** The low part of the last `scaledLogit` result. */
let logitLow = 0;

/**
 * z = (x − m)/t as zh + logitLow, accurate to ~u·|z| (a plain division would round twice, 1e-14
 * relative in e^z once |z| is in the hundreds), without the spurious overflow of x − m when t > 1:
 * then x/2 − m/2 (exact) is divided by t/2. d + dl = xs − ms exactly (Knuth's TwoSum).
 */
function scaledLogit(x: number, m: number, t: number): number {
  const halve = t > 1 ? 0.5 : 1;
  const xs = x * halve;
  const ms = m * halve;
  const ts = t * halve;
  const d = xs - ms;
  const bb = d - xs;
  const dl = (xs - (d - bb)) - (ms + bb);
  const zh = d / ts;
  const p = zh * ts;
  const low = ((d - p) - twoProdError(zh, ts, p) + dl) / ts;
  logitLow = Number.isFinite(low) ? low : 0; // NaN or ±∞ when x or zh is infinite
  return zh;
}

/** e^((x − m)/t) */
function expScaled(x: number, m: number, t: number): number {
  if (t === 1) return Math.exp(x - m);
  const e = Math.exp(scaledLogit(x, m, t));
  return e + e * logitLow;
}

/** Neumaier's compensated sum (improved Kahan–Babuška) of a float64 stream, kept in a tiny state. */
export class Sum {
  s = 0;
  c = 0;
  add(v: number): void {
    const t = this.s + v;
    this.c += Math.abs(this.s) >= Math.abs(v) ? this.s - t + v : v - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

// Row pieces over index ranges [from, to): the row loops below call them without creating views.

/** max of x[from, to) and whether a NaN occurs there. */
function maxAndNaN(x: FloatArray, from: number, to: number): { max: number; nan: boolean } {
  let max = -Infinity;
  let nan = false;
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    if (v > max) max = v;
    else if (v !== v) nan = true;
  }
  return { max, nan };
}

/**
 * Rows whose max is not finite follow the stable formula in IEEE arithmetic (as NumPy/PyTorch):
 * any NaN: all NaN; all −∞: NaN (softmax, logSoftmax) and −∞ (logSumExp);
 * some +∞: NaN at the +∞ entries, 0 (softmax) or −∞ (logSoftmax) elsewhere, +∞ (logSumExp).
 */
function specialRow(x: FloatArray, out: FloatArray, from: number, to: number, nan: boolean, max: number, log: boolean): void {
  for (let i = from; i < to; i++) {
    out[i] = nan || max === -Infinity || x[i] === Infinity ? NaN : log ? -Infinity : 0;
  }
}

/** Σ e^((x_i − m)/t) over [from, to), storing the terms in y unless it is null. */
function expSum(x: FloatArray, y: FloatArray | null, from: number, to: number, m: number, t: number): number {
  // Terms stay in float64 for the sum; the store into a Float32Array output rounds them once.
  const sum = new Sum();
  for (let i = from; i < to; i++) {
    const e = expScaled(x[i]!, m, t);
    sum.add(e);
    if (y !== null) y[i] = e;
  }
  return sum.value;
}

function scale(y: FloatArray, from: number, to: number, s: number): void {
  for (let i = from; i < to; i++) y[i] = y[i]! * s;
}

function logSoftmaxFinish(x: FloatArray, y: FloatArray, from: number, to: number, m: number, t: number, logSum: number): void {
  if (t === 1) {
    for (let i = from; i < to; i++) y[i] = x[i]! - m - logSum;
  } else {
    for (let i = from; i < to; i++) y[i] = scaledLogit(x[i]!, m, t) - logSum + logitLow;
  }
}

/** Σ a_i·b_i over [from, to), or Σ b_i when a is null. */
function sum(a: FloatArray | null, b: FloatArray, from: number, to: number): number {
  const total = new Sum();
  for (let i = from; i < to; i++) total.add(a === null ? b[i]! : a[i]! * b[i]!);
  return total.value;
}

function softmaxBackwardFinish(y: FloatArray, dy: FloatArray, dx: FloatArray, from: number, to: number, dot: number): void {
  for (let i = from; i < to; i++) dx[i] = y[i]! * (dy[i]! - dot);
}

function logSoftmaxBackwardFinish(y: FloatArray, dy: FloatArray, dx: FloatArray, from: number, to: number, total: number): void {
  for (let i = from; i < to; i++) dx[i] = dy[i]! - Math.exp(y[i]!) * total;
}

export const jsPieces: RowPieces = {
  rowMax(x) {
    const { max, nan } = maxAndNaN(x, 0, x.length);
    return nan ? NaN : max;
  },
  expSum: (x, y, m, t) => expSum(x, y, 0, x.length, m, t),
  scale: (y, s) => scale(y, 0, y.length, s),
  logSoftmaxFinish: (x, y, m, t, logSum) => logSoftmaxFinish(x, y, 0, x.length, m, t, logSum),
  dot: (a, b) => sum(a, b, 0, a.length),
  sum: (a) => sum(null, a, 0, a.length),
  softmaxBackwardFinish: (y, dy, dx, dot) => softmaxBackwardFinish(y, dy, dx, 0, y.length, dot),
  logSoftmaxBackwardFinish: (y, dy, dx, total) => logSoftmaxBackwardFinish(y, dy, dx, 0, y.length, total),
};

export const jsKernels: Kernels = {
  // One loop per element type: each call site stays monomorphic, so V8 inlines the function.
  sigmoid(x, out) {
    if (x instanceof Float64Array) for (let i = 0; i < x.length; i++) out[i] = sigmoid64(x[i]!);
    else for (let i = 0; i < x.length; i++) out[i] = sigmoidWide(x[i]!);
  },

  sigmoidDerivative(x, out) {
    if (x instanceof Float64Array) for (let i = 0; i < x.length; i++) out[i] = sigmoidDerivative64(x[i]!);
    else for (let i = 0; i < x.length; i++) out[i] = sigmoidDerivativeWide(x[i]!);
  },

  sigmoidBackward(y, dy, out) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      out[i] = dy[i]! * (v * (1 - v));
    }
  },

  softmax(x, out, cols, temperature) {
    for (let from = 0; from < x.length; from += cols) {
      const to = from + cols;
      const { max, nan } = maxAndNaN(x, from, to);
      if (nan || !Number.isFinite(max)) specialRow(x, out, from, to, nan, max, false);
      else scale(out, from, to, 1 / expSum(x, out, from, to, max, temperature));
    }
  },

  logSoftmax(x, out, cols, temperature) {
    for (let from = 0; from < x.length; from += cols) {
      const to = from + cols;
      const { max, nan } = maxAndNaN(x, from, to);
      if (nan || !Number.isFinite(max)) specialRow(x, out, from, to, nan, max, true);
      else logSoftmaxFinish(x, out, from, to, max, temperature, Math.log(expSum(x, null, from, to, max, temperature)));
    }
  },

  logSumExp(x, out, cols) {
    for (let row = 0, from = 0; from < x.length; row++, from += cols) {
      const to = from + cols;
      const { max, nan } = maxAndNaN(x, from, to);
      out[row] = nan ? NaN : Number.isFinite(max) ? max + Math.log(expSum(x, null, from, to, max, 1)) : max;
    }
  },

  softmaxBackward(y, dy, out, cols) {
    for (let from = 0; from < y.length; from += cols) {
      softmaxBackwardFinish(y, dy, out, from, from + cols, sum(dy, y, from, from + cols));
    }
  },

  logSoftmaxBackward(y, dy, out, cols) {
    for (let from = 0; from < y.length; from += cols) {
      logSoftmaxBackwardFinish(y, dy, out, from, from + cols, sum(null, dy, from, from + cols));
    }
  },

  softmaxJacobian(y, out, firstRow) {
    const k = y.length;
    const rows = out.length / k;
    for (let r = 0; r < rows; r++) {
      const i = firstRow + r;
      const yi = y[i]!;
      const row = r * k;
      for (let j = 0; j < k; j++) out[row + j] = -yi * y[j]!;
      out[row + i] = yi * (1 - yi);
    }
  },
};

/** The whole pure-TypeScript core. */
export const jsCore: Core = { ...jsKernels, ...jsPieces };
