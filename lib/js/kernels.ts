// The pure-TypeScript kernels: the same contract as the native ones, computed in float64 with an
// exp of our own (Math.exp is an out-of-line call to fdlibm in V8, and the bulk of every kernel's time).
// Float32 results are computed in float64 and rounded once on store, so they are nearly correctly
// rounded. The float64 sigmoid and sigmoidDerivative carry exp as a double-double and correct the
// division for the rounding of 1 + e (≤ ~1 ulp, SPEC: 2); the float64 softmax family takes x − m as a
// double-double too, so that only exp's own error (~1e-15 relative) remains.
// Every hot loop exists once per element type (…32, …64): a loop that sees both Float32Array and
// Float64Array would make V8 dispatch on the array kind at every element. The loops over a row take
// an index range [from, to), which is also how lib/js/schedule.ts cuts a long row into parts.
import { jsLogits } from './logits.js';
import type { FloatArray, Kernels } from '../types.js';

// ---------------------------------------------------------------------------------------------
// exp(z) = 2^k · 2^(j/N) · e^r, with n = round(z·N/ln 2) = N·k + j (0 ≤ j < N) and
// r = z − n·ln2/N, |r| ≤ ln2/(2N) ≈ 0.0027 (Tang 1989, "Table-driven implementation of the exponential
// function in IEEE floating-point arithmetic"; the layout of glibc's exp). 2^(j/N) comes from a table
// (hi + lo), 2^k from a table of exact powers of two, e^r − 1 from its Taylor polynomial.

const N = 128;
/** 1.5·2^52: for |v| < 2^51, (v + SHIFT) − SHIFT is v rounded to the nearest integer. */
const SHIFT = 6755399441055744;
const INV_LN2N = N / Math.LN2;
// ln 2 = LN2_HI + LN2_LO (fdlibm's split: LN2_HI has 32 significant bits, so n·LN2_HI/N is exact for
// |n| < 2^21 and z − n·LN2_HI/N is exact (Cody & Waite 1980)).
const LN2N_HI = 6.93147180369123816490e-1 / N;
const LN2N_LO = 1.90821492927058770002e-10 / N;

/** TH[j] + TL[j] = 2^(j/N) to ~2^-110 relative (TH correctly rounded), computed exactly with BigInt. */
const TH = new Float64Array(N);
const TL = new Float64Array(N);
{
  const F = 120n; // fixed point with F fraction bits
  const isqrt = (v: bigint): bigint => {
    let s = BigInt(Math.floor(Math.sqrt(Number(v)))); // 53 good bits; three Newton steps give > 200
    for (let i = 0; i < 3; i++) s = (s + v / s) >> 1n;
    return s;
  };
  let c = 2n << F;
  for (let i = 0; i < 7; i++) c = isqrt(c << F); // 2^(1/128) = seven square roots of 2
  const scale = 2 ** -Number(F);
  for (let j = 0, t = 1n << F; j < N; j++, t = (t * c) >> F) {
    TH[j] = Number(t) * scale; // Number(bigint) rounds to nearest
    TL[j] = Number(t - BigInt(TH[j]! / scale)) * scale;
  }
}

/** P2[k + P2_BIAS] = 2^k exactly, for k = −P2_BIAS … 200 (0 below 2^-1074). */
const P2_BIAS = 1100;
const P2 = new Float64Array(P2_BIAS + 201);
for (let k = 0, p = 1; k <= 200; k++, p *= 2) P2[P2_BIAS + k] = p;
for (let k = -1, p = 0.5; k >= -P2_BIAS; k--, p *= 0.5) P2[P2_BIAS + k] = p; // halving is exact down to 2^-1074

const TWO_M64 = 2 ** -64;

/** The lowest argument that matters: e^-746 < 2^-1075 rounds to 0 in float64 (and −∞ must not reach the tables). */
const Z_MIN_64 = -746;
/** For float32 results: e^-120 ≈ 7.7e-53 is far below half the least float32 subnormal (2^-150). */
const Z_LIM_32 = 120;

/**
 * e^(z + zl) for z ∈ [−746, 200] (or NaN) and |zl| ≤ ulp(z) (the low part of a double-double argument,
 * or 0), relative error < 2e-15 (|r|^5/120 ≤ 1.2e-15 plus roundings) wherever the result is a normal
 * float64; where it is subnormal, one rounding of the scaled value.
 * Enough for float32 results (2^-24) and the float64 softmax family (SPEC: 1e-13).
 */
function expFast(z: number, zl: number): number {
  const n = z * INV_LN2N + SHIFT - SHIFT;
  const r = z - n * LN2N_HI - n * LN2N_LO + zl;
  const i = n | 0;
  const t = TH[i & (N - 1)]!;
  const r2 = r * r;
  const p = r + r2 * (0.5 + r * (1 / 6)) + r2 * r2 * (1 / 24); // e^r − 1 (Taylor, degree 4, Estrin)
  const k = i >> 7;
  // The mantissa first, then 2^k: one rounding, also into the subnormal range; 2^k itself is
  // representable down to 2^-1074, below that (z < −744.4) it is applied as 2^(k+64) · 2^-64.
  if (k < -1074) return (t + t * p) * P2[k + 64 + P2_BIAS]! * TWO_M64;
  return (t + t * p) * P2[k + P2_BIAS]!;
}

/** The low part of the last `expParts` result (a typed array: a number in a `let` would be boxed). */
const LOW = new Float64Array(1);

/**
 * e^z for z ∈ [−746, 0] (or NaN) as a double-double hi + LOW[0], accurate to ~2^-60 relative where the
 * result is normal (degree-5 Taylor, |r|^6/720 < 6e-19; TL carries 2^(j/N) beyond double precision).
 */
function expParts(z: number): number {
  const n = z * INV_LN2N + SHIFT - SHIFT;
  const r = z - n * LN2N_HI - n * LN2N_LO;
  const i = n | 0;
  const j = i & (N - 1);
  const t = TH[j]!;
  const r2 = r * r;
  const p = r + r2 * (0.5 + r * (1 / 6)) + r2 * r2 * (1 / 24 + r * (1 / 120));
  const tail = TL[j]! + t * p; // 2^(j/N)·e^r = t + tail (t·TL·p is below 2^-115)
  const m = t + tail;
  const ml = (t - m) + tail; // Fast2Sum: m + ml = t + tail exactly (|t| ≥ |tail|)
  const k = i >> 7;
  if (k < -1074) {
    // see expFast; the low part is below half the least subnormal there
    LOW[0] = 0;
    return m * P2[k + 64 + P2_BIAS]! * TWO_M64;
  }
  const s = P2[k + P2_BIAS]!;
  LOW[0] = ml * s;
  return m * s;
}

// ---------------------------------------------------------------------------------------------
// Element-wise

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitting constant for float64

/**
 * The rounding error of a·b, so that a·b = fl(a·b) + twoProdError(a, b, fl(a·b)) exactly (Dekker 1971).
 * Exported for test/reference.ts, whose double-double references need the same exact product.
 */
export function twoProdError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (((p - ah * bh) - al * bh) - ah * bl);
}

/** e^-|x| as a double-double eh + LOW[0] (expParts; below −746 it no longer matters). */
function expNegAbs(x: number): number {
  const z = -Math.abs(x);
  return expParts(z < Z_MIN_64 ? Z_MIN_64 : z);
}

/**
 * σ(x) in float64: with e = e^-|x| = eh + el, f = e/(1 + e) ≤ 1/2 and σ = f (x ≤ 0) or 1 − f.
 * 1 + e = dh + dl exactly (Fast2Sum); q = eh/dh rounds once, and
 * f = q + (el − q·dl)/(dh + dl) + O(u²), where 1/(1 + e) = 1 − f ≈ 1 − q replaces a second division.
 * Error ≤ ~1 ulp: the rounding of q plus that of the final sum.
 */
function sigmoid64(x: number): number {
  const eh = expNegAbs(x);
  const el = LOW[0]!;
  const dh = 1 + eh;
  const dl = (1 - dh) + eh + el;
  const q = eh / dh;
  const f = q + (el - q * dl) * (1 - q);
  const s = +(x > 0); // σ = s + (1 − 2s)·f: a setcc, where a ?: would branch (and mispredict on mixed signs)
  return s + (1 - 2 * s) * f;
}

/**
 * σ'(x) = f·(1 − f), f = σ(−|x|) (σ' is even), nearly correctly rounded: as in sigmoid64, but the
 * rounding errors of q = eh/dh and of the product are recovered exactly (Dekker's product):
 * f = q + c to ~u², 1 − f = g + gl, and f·g = p + pl exactly.
 */
function sigmoidDerivative64(x: number): number {
  const eh = expNegAbs(x);
  const el = LOW[0]!;
  const dh = 1 + eh;
  const dl = (1 - dh) + eh + el;
  const q = eh / dh;
  const qd = q * dh;
  const c = ((eh - qd) - twoProdError(q, dh, qd) + el - q * dl) * (1 - q); // (e − q·(1 + e)) / (1 + e)
  const g = 1 - q;
  const gl = (1 - g) - q - c; // Fast2Sum(1, −q), minus c
  const p = q * g;
  return p + (twoProdError(q, g, p) + (q * gl + c * g));
}

/** Float32 results need no compensation: float64 arithmetic carries 29 spare bits. E = e^-x, clamped. */
function sigmoid32(x: number): number {
  let z = -x;
  if (z > Z_LIM_32) z = Z_LIM_32;
  else if (z < -Z_LIM_32) z = -Z_LIM_32;
  return 1 / (1 + expFast(z, 0));
}

function sigmoidDerivative32(x: number): number {
  let z = -x;
  if (z > Z_LIM_32) z = Z_LIM_32;
  else if (z < -Z_LIM_32) z = -Z_LIM_32;
  const e = expFast(z, 0);
  const t = 1 + e;
  return e / (t * t); // σ'(x) = e^-x / (1 + e^-x)²
}

// ---------------------------------------------------------------------------------------------
// Row pieces over index ranges [from, to): the row loops below call them without creating views.

/** Low part of the last `scaledLogit` result (see LOW). */
const LOGIT_LOW = new Float64Array(1);

/**
 * z = (x − m)/t as zh + LOGIT_LOW[0], accurate to ~u·|z| (a plain division would round twice, 1e-14
 * relative in e^z once |z| is in the hundreds), without the spurious overflow of x − m when t > 1:
 * then x/2 − m/2 (exact) is divided by t/2. d + dl = xs − ms exactly (Knuth's TwoSum).
 * Float64 only: float32 results can afford the plain (x − m)/t.
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
  LOGIT_LOW[0] = Number.isFinite(low) ? low : 0; // NaN or ±∞ when x or zh is infinite
  return zh;
}

/**
 * Neumaier's compensated sum (improved Kahan–Babuška) of block sums: the running pair (SUM[0], SUM[1])
 * (a typed array: numbers in module-level `let`s would be boxed). startSum(), addBlock(s)…, sumValue().
 */
const SUM = new Float64Array(2);
function startSum(): void {
  SUM[0] = SUM[1] = 0;
}
function addBlock(s: number): void {
  const total = SUM[0]!;
  const u = total + s;
  SUM[1] = SUM[1]! + (Math.abs(total) >= Math.abs(s) ? (total - u) + s : (s - u) + total);
  SUM[0] = u;
}
function sumValue(): number {
  return SUM[0]! + SUM[1]!;
}

/**
 * The exp-sums add BLOCK terms plainly (error ≤ BLOCK·u relative: the terms are positive), then the
 * block sums with Neumaier's compensation: 256·2^-53 ≈ 3e-14 even for rows of 10^6 and more.
 */
const BLOCK = 256;

/** max of x[from, to), or NaN if a NaN occurs there. */
export function rowMax(x: FloatArray, from: number, to: number): number {
  let max = -Infinity;
  let nan = false;
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    if (v > max) max = v;
    else if (v !== v) nan = true;
  }
  return nan ? NaN : max;
}

/** Σ e^((x_i − m)/t) over [from, to) (m ≥ every x_i), storing the terms in y unless it is null. */
function expSum32(x: Float32Array, y: Float32Array | null, from: number, to: number, m: number, t: number): number {
  startSum();
  for (let b = from; b < to; b += BLOCK) {
    const end = Math.min(b + BLOCK, to);
    let s = 0;
    for (let i = b; i < end; i++) {
      let z = t === 1 ? x[i]! - m : (x[i]! - m) / t;
      if (z < -Z_LIM_32) z = -Z_LIM_32; // also −∞ (x_i = −∞)
      const e = expFast(z, 0);
      if (y !== null) y[i] = e; // the store rounds the term to float32 once; the sum keeps float64
      s += e;
    }
    addBlock(s);
  }
  return sumValue();
}

function expSum64(x: Float64Array, y: Float64Array | null, from: number, to: number, m: number, t: number): number {
  startSum();
  for (let b = from; b < to; b += BLOCK) {
    const end = Math.min(b + BLOCK, to);
    let s = 0;
    for (let i = b; i < end; i++) {
      // z + zl = (x_i − m)/t exactly or nearly: x_i − m rounds by up to 2^-44 when |z| ≥ 512, which
      // would cost 6e-14 relative in e^z (SPEC: 1e-13); Knuth's TwoSum recovers it.
      let z: number;
      let zl: number;
      if (t === 1) {
        const v = x[i]!;
        z = v - m;
        const bb = z - v;
        zl = (v - (z - bb)) - (m + bb);
      } else {
        z = scaledLogit(x[i]!, m, t);
        zl = LOGIT_LOW[0]!;
      }
      if (z < Z_MIN_64) {
        z = Z_MIN_64; // also −∞ (x_i = −∞, or x_i − m overflowing), where zl is NaN
        zl = 0;
      }
      const e = expFast(z, zl);
      if (y !== null) y[i] = e;
      s += e;
    }
    addBlock(s);
  }
  return sumValue();
}

function scale32(y: Float32Array, from: number, to: number, s: number): void {
  for (let i = from; i < to; i++) y[i] = y[i]! * s;
}

function scale64(y: Float64Array, from: number, to: number, s: number): void {
  for (let i = from; i < to; i++) y[i] = y[i]! * s;
}

/** y_i = (x_i − m)/t − logSum */
function logSoftmaxFinish32(x: Float32Array, y: Float32Array, from: number, to: number, m: number, t: number, logSum: number): void {
  if (t === 1) for (let i = from; i < to; i++) y[i] = x[i]! - m - logSum;
  else for (let i = from; i < to; i++) y[i] = (x[i]! - m) / t - logSum;
}

function logSoftmaxFinish64(x: Float64Array, y: Float64Array, from: number, to: number, m: number, t: number, logSum: number): void {
  if (t === 1) for (let i = from; i < to; i++) y[i] = x[i]! - m - logSum;
  else for (let i = from; i < to; i++) y[i] = scaledLogit(x[i]!, m, t) - logSum + LOGIT_LOW[0]!;
}

/**
 * Rows whose max is not finite follow the stable formula in IEEE arithmetic (as NumPy/PyTorch):
 * any NaN: all NaN; all −∞: NaN (softmax, logSoftmax) and −∞ (logSumExp);
 * some +∞: NaN at the +∞ entries, 0 (softmax) or −∞ (logSoftmax) elsewhere, +∞ (logSumExp).
 */
export function specialRow(x: FloatArray, out: FloatArray, from: number, to: number, max: number, log: boolean): void {
  for (let i = from; i < to; i++) {
    out[i] = max !== max || max === -Infinity || x[i] === Infinity ? NaN : log ? -Infinity : 0;
  }
}

type F32 = Float32Array;
type F64 = Float64Array;
const is32 = (a: FloatArray): a is Float32Array => a instanceof Float32Array;

/** Σ e^((x_i − m)/t) over [from, to), storing the terms in y unless it is null. */
export const expSum = (x: FloatArray, y: FloatArray | null, from: number, to: number, m: number, t: number): number =>
  is32(x) ? expSum32(x, y as F32 | null, from, to, m, t) : expSum64(x as F64, y as F64 | null, from, to, m, t);

/** y_i ·= s over [from, to) */
export const scale = (y: FloatArray, from: number, to: number, s: number): void =>
  is32(y) ? scale32(y, from, to, s) : scale64(y as F64, from, to, s);

/** y_i = (x_i − m)/t − logSum over [from, to) */
export const logSoftmaxFinish = (x: FloatArray, y: FloatArray, from: number, to: number, m: number, t: number, logSum: number): void =>
  is32(x) ? logSoftmaxFinish32(x, y as F32, from, to, m, t, logSum) : logSoftmaxFinish64(x as F64, y as F64, from, to, m, t, logSum);

// Backward passes. The loops that write exist once per element type (…32, …64): fed both kinds of
// array, V8's element accesses go polymorphic, which here costs as much as the arithmetic; the loops
// that only read (sums, max) are as fast either way. The sums are plain within blocks of BLOCK terms
// (error ≤ BLOCK·u of Σ|terms|), compensated across blocks.

/** Σ a_i·b_i over [from, to), or Σ b_i when a is null. */
export function sum(a: FloatArray | null, b: FloatArray, from: number, to: number): number {
  startSum();
  for (let k = from; k < to; k += BLOCK) {
    const end = Math.min(k + BLOCK, to);
    // four partial sums: one would wait on the previous addition's latency at every element
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = k;
    if (a === null) {
      for (; i + 4 <= end; i += 4) s0 += b[i]!, s1 += b[i + 1]!, s2 += b[i + 2]!, s3 += b[i + 3]!;
      for (; i < end; i++) s0 += b[i]!;
    } else {
      for (; i + 4 <= end; i += 4) s0 += a[i]! * b[i]!, s1 += a[i + 1]! * b[i + 1]!, s2 += a[i + 2]! * b[i + 2]!, s3 += a[i + 3]! * b[i + 3]!;
      for (; i < end; i++) s0 += a[i]! * b[i]!;
    }
    addBlock((s0 + s1) + (s2 + s3));
  }
  return sumValue();
}

function sigmoidBackward32(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0, n = y.length; i < n; i++) dx[i] = dy[i]! * (y[i]! * (1 - y[i]!));
}

function sigmoidBackward64(y: Float64Array, dy: Float64Array, dx: Float64Array): void {
  for (let i = 0, n = y.length; i < n; i++) dx[i] = dy[i]! * (y[i]! * (1 - y[i]!));
}

function softmaxBackwardFinish32(y: Float32Array, dy: Float32Array, dx: Float32Array, from: number, to: number, dot: number): void {
  for (let i = from; i < to; i++) dx[i] = y[i]! * (dy[i]! - dot);
}

function softmaxBackwardFinish64(y: Float64Array, dy: Float64Array, dx: Float64Array, from: number, to: number, dot: number): void {
  for (let i = from; i < to; i++) dx[i] = y[i]! * (dy[i]! - dot);
}

/** dx_i = y_i·(dy_i − dot) over [from, to) */
export function softmaxBackwardFinish(y: FloatArray, dy: FloatArray, dx: FloatArray, from: number, to: number, dot: number): void {
  if (is32(y)) softmaxBackwardFinish32(y, dy as F32, dx as F32, from, to, dot);
  else softmaxBackwardFinish64(y as F64, dy as F64, dx as F64, from, to, dot);
}

/** e^y for a log-probability y (expFast covers [−745, 0]; anything else, NaN included, goes to Math.exp). */
function expOfLog(y: number): number {
  return y <= 0 && y >= -745 ? expFast(y, 0) : Math.exp(y);
}

function logSoftmaxBackwardFinish32(y: Float32Array, dy: Float32Array, dx: Float32Array, from: number, to: number, total: number): void {
  for (let i = from; i < to; i++) dx[i] = dy[i]! - expOfLog(y[i]!) * total;
}

function logSoftmaxBackwardFinish64(y: Float64Array, dy: Float64Array, dx: Float64Array, from: number, to: number, total: number): void {
  for (let i = from; i < to; i++) dx[i] = dy[i]! - expOfLog(y[i]!) * total;
}

/** dx_i = dy_i − e^(y_i)·total over [from, to) */
export function logSoftmaxBackwardFinish(y: FloatArray, dy: FloatArray, dx: FloatArray, from: number, to: number, total: number): void {
  if (is32(y)) logSoftmaxBackwardFinish32(y, dy as F32, dx as F32, from, to, total);
  else logSoftmaxBackwardFinish64(y as F64, dy as F64, dx as F64, from, to, total);
}

// ---------------------------------------------------------------------------------------------
// Whole kernels: a row at a time through the pieces above, or one loop per element type.

function softmaxRows(x: FloatArray, out: FloatArray, cols: number, t: number): void {
  for (let from = 0; from < x.length; from += cols) {
    const to = from + cols;
    const max = rowMax(x, from, to);
    if (!Number.isFinite(max)) specialRow(x, out, from, to, max, false);
    else scale(out, from, to, 1 / expSum(x, out, from, to, max, t));
  }
}

function logSoftmaxRows(x: FloatArray, out: FloatArray, cols: number, t: number): void {
  for (let from = 0; from < x.length; from += cols) {
    const to = from + cols;
    const max = rowMax(x, from, to);
    if (!Number.isFinite(max)) specialRow(x, out, from, to, max, true);
    else logSoftmaxFinish(x, out, from, to, max, t, Math.log(expSum(x, null, from, to, max, t)));
  }
}

/** m + log Σ e^(x − m); the special rows give NaN, −∞ (all −∞) or +∞. */
function logSumExpRows(x: FloatArray, out: FloatArray, cols: number): void {
  for (let row = 0, from = 0; from < x.length; row++, from += cols) {
    const max = rowMax(x, from, from + cols);
    out[row] = Number.isFinite(max) ? max + Math.log(expSum(x, null, from, from + cols, max, 1)) : max;
  }
}

function sigmoidLoop32(x: Float32Array, out: Float32Array): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = sigmoid32(x[i]!);
}

function sigmoidLoop64(x: Float64Array, out: Float64Array): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = sigmoid64(x[i]!);
}

function sigmoidDerivativeLoop32(x: Float32Array, out: Float32Array): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = sigmoidDerivative32(x[i]!);
}

function sigmoidDerivativeLoop64(x: Float64Array, out: Float64Array): void {
  for (let i = 0, n = x.length; i < n; i++) out[i] = sigmoidDerivative64(x[i]!);
}

// The arguments are validated: x and out (and y, dy) share one element type.

/** Rows [first, first + rows) of the Jacobian J_ij = y_i(δ_ij − y_j), written to those rows of out. */
export function jacobianRows(y: FloatArray, out: FloatArray, first: number, rows: number): void {
  const k = y.length;
  for (let i = first; i < first + rows; i++) {
    const yi = y[i]!;
    const row = i * k;
    for (let j = 0; j < k; j++) out[row + j] = -yi * y[j]!;
    out[row + i] = yi * (1 - yi);
  }
}

export const jsKernels: Kernels = {
  ...jsLogits,
  sigmoid: (x, out) => (is32(x) ? sigmoidLoop32(x, out as F32) : sigmoidLoop64(x as F64, out as F64)),
  sigmoidDerivative: (x, out) =>
    is32(x) ? sigmoidDerivativeLoop32(x, out as F32) : sigmoidDerivativeLoop64(x as F64, out as F64),

  sigmoidBackward: (y, dy, out) => (is32(y) ? sigmoidBackward32(y, dy as F32, out as F32) : sigmoidBackward64(y as F64, dy as F64, out as F64)),

  softmax: softmaxRows,
  logSoftmax: logSoftmaxRows,
  logSumExp: logSumExpRows,

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

  softmaxJacobian: (y, out) => jacobianRows(y, out, 0, y.length),
};
