// Reference implementations and error measures for the sigmax tests.
//
// - Float32 inputs: computed in float64 with Math.exp/Math.log. Float64 carries 29 bits more than
//   float32, so these references are exact to a tiny fraction of a float32 ulp.
// - Float64 inputs:
//   * sigmoid / sigmoidDerivative: exact-to-2^-200 evaluation of e^-|x| in BigInt fixed point,
//     then the rational σ = e/(1+e) (or 1/(1+e)), σ' = e/(1+e)² rounded to a double `hi` plus the
//     remainder `frac` in ulps, so that the ulp error of a result is measured against the exact value.
//   * softmax family: z = (x − m)/t as a double-double (exact two-sum, compensated division),
//     e = exp(zh)·(1 + zl), Neumaier sums: relative error ≈ 2^-52, 500× below the 1e-13 bound.
// - Error measures: ulps in the OUTPUT precision (float32 ulp with subnormal ulp 2^-149, float64 ulp
//   with 2^-1074); NaN must match NaN, infinities must match exactly.
// - Checkers for the SPEC bounds that return a description of the first violation (or null).
// Everything here is independent of lib/ but Dekker's exact product (twoProdError, an error-free
// transformation with no approximation in it), which the row references take from lib/js/kernels.ts.
import { twoProdError } from '../dist/cjs/js/kernels.js';

export type FloatArray = Float32Array | Float64Array;

// ---------------------------------------------------------------------------------------------
// Bits and ulps.

const f64buf = new Float64Array(1);
const f64u32 = new Uint32Array(f64buf.buffer);
const f64u64 = new BigUint64Array(f64buf.buffer);
const f32buf = new Float32Array(1);
const f32u32 = new Uint32Array(f32buf.buffer);

export function f32FromBits(bits: number): number {
  f32u32[0] = bits >>> 0;
  return f32buf[0]!;
}

export function f32Bits(x: number): number {
  f32buf[0] = x;
  return f32u32[0]!;
}

export function f64FromBits(bits: bigint): number {
  f64u64[0] = BigInt.asUintN(64, bits);
  return f64buf[0]!;
}

export function f64Bits(x: number): bigint {
  f64buf[0] = x;
  return f64u64[0]!;
}

/** x · 2^n without intermediate overflow/underflow for |n| up to a few thousand. */
export function ldexp(x: number, n: number): number {
  while (n > 1000) {
    x *= 2 ** 1000;
    n -= 1000;
  }
  while (n < -1000) {
    x *= 2 ** -1000;
    n += 1000;
  }
  return x * 2 ** n;
}

/** floor(log2 |x|) for finite nonzero x, exact (subnormals included). */
export function exponentOf(x: number): number {
  f64buf[0] = x;
  const e = (f64u32[1]! >>> 20) & 0x7ff;
  if (e === 0) return exponentOf(x * 2 ** 64) - 64;
  return e - 1023;
}

/** The float32 ulp at |r| (r a float64 value): 2^(max(e, −126) − 23); 2^-149 for subnormals and 0. */
export function ulp32(r: number): number {
  const e = r === 0 ? -126 : Math.max(exponentOf(r), -126);
  return 2 ** (e - 23);
}

/** The float64 ulp exponent at |r|: max(e, −1022) − 52. */
export function ulpExp64(r: number): number {
  const e = r === 0 || !Number.isFinite(r) ? -1022 : Math.max(exponentOf(r), -1022);
  return e - 52;
}

export function ulp64(r: number): number {
  return 2 ** ulpExp64(r);
}

/** Error of a float32 result y against a float64 reference, in float32 ulps of the reference. */
export function ulpErr32(y: number, ref: number): number {
  if (ref !== ref) return y !== y ? 0 : Infinity;
  if (y !== y) return Infinity;
  if (!Number.isFinite(ref) || !Number.isFinite(y)) return y === ref ? 0 : Infinity;
  return Math.abs(y - ref) / ulp32(ref);
}

/**
 * A float64 reference value: exact = hi + frac · 2^e, where hi is the nearest double,
 * 2^e the float64 ulp at the exact value and |frac| ≤ 1/2.
 */
export interface Ref64 {
  hi: number;
  frac: number;
  e: number;
}

/** A reference that is exactly the double v. */
export function exactRef64(v: number): Ref64 {
  return { hi: v, frac: 0, e: ulpExp64(v) };
}

/** Error of a float64 result y against an (exact) reference, in float64 ulps. */
export function ulpErr64(y: number, r: Ref64): number {
  if (r.hi !== r.hi) return y !== y ? 0 : Infinity;
  if (y !== y) return Infinity;
  if (!Number.isFinite(r.hi) || !Number.isFinite(y)) return y === r.hi ? 0 : Infinity;
  return Math.abs(ldexp(y - r.hi, -r.e) - r.frac);
}

/** Error between two float64 results in ulps of b (for comparing two implementations). */
export function ulpDist64(a: number, b: number): number {
  return ulpErr64(a, exactRef64(b));
}

// ---------------------------------------------------------------------------------------------
// Exact-ish float64 references for sigmoid and sigmoidDerivative (BigInt fixed point).

const Q = 200; // bits of precision of exp
const GUARD = 24;
const W = Q + GUARD; // working bits
const WB = BigInt(W);
const ONE_W = 1n << WB;

function bitLength(v: bigint): number {
  if (v < 0n) v = -v;
  if (v === 0n) return 0;
  const s = v.toString(16);
  return (s.length - 1) * 4 + (32 - Math.clz32(parseInt(s[0]!, 16)));
}

/** ln 2 in fixed point with `bits` fractional bits: Σ_{k≥1} 1/(k·2^k). */
function ln2Fixed(bits: number): bigint {
  const extra = 16;
  const B = BigInt(bits + extra);
  const one = 1n << B;
  let s = 0n;
  for (let k = 1; k <= bits + extra + 8; k++) s += (one >> BigInt(k)) / BigInt(k);
  return s >> BigInt(extra);
}

export const LN2_W = ln2Fixed(W);

/** |x| (finite) as a fixed-point BigInt with `bits` fractional bits (truncated). */
function toFixed(x: number, bits: number): bigint {
  const b = f64Bits(Math.abs(x));
  const expField = Number((b >> 52n) & 0x7ffn);
  const frac = b & ((1n << 52n) - 1n);
  const m = expField === 0 ? frac : frac | (1n << 52n);
  const e2 = expField === 0 ? -1074 : expField - 1075;
  const shift = e2 + bits;
  return shift >= 0 ? m << BigInt(shift) : m >> BigInt(-shift);
}

/** e^-a for finite a ≥ 0 (a ≤ 800): returns E, k with e^-a = E · 2^-(W + k), E ≈ 2^W. */
export function expNegFixed(a: number): { E: bigint; k: number } {
  const X = toFixed(a, W);
  const k = Math.round(a / Math.LN2);
  const r = X - BigInt(k) * LN2_W; // a − k·ln2 ∈ [−0.35, 0.35], in W-bit fixed point
  const t = -r;
  let sum = ONE_W;
  let term = ONE_W;
  for (let n = 1; n < 200; n++) {
    term = (term * t) >> WB;
    term /= BigInt(n);
    if (term === 0n) break;
    sum += term;
  }
  return { E: sum, k };
}

/** The positive rational N/D as a Ref64 (correctly rounded hi, remainder in ulps). */
export function ratToRef64(N: bigint, D: bigint): Ref64 {
  if (N === 0n) return { hi: 0, frac: 0, e: -1074 };
  const s = 130 - (bitLength(N) - bitLength(D));
  const q = s >= 0 ? (N << BigInt(s)) / D : N / (D << BigInt(-s));
  const ev = bitLength(q) - 1 - s; // exact value ∈ [2^ev, 2^(ev+1))
  const u = Math.max(ev, -1022) - 52;
  const d = s + u; // > 0: bits of q below the ulp
  const dB = BigInt(d);
  let m = q >> dB;
  let rem = q - (m << dB);
  const half = 1n << (dB - 1n);
  if (rem > half || (rem === half && (m & 1n) === 1n)) {
    m += 1n;
    rem -= 1n << dB;
  }
  const frac = d <= 1000 ? Number(rem) / 2 ** d : 0;
  return { hi: Number(m) * 2 ** u, frac, e: u };
}

const TINY_BELOW_ZERO: Ref64 = { hi: 0, frac: 0, e: -1074 }; // a positive value far below 2^-1074
const JUST_BELOW_ONE: Ref64 = { hi: 1, frac: 0, e: -53 }; // 1 − (something far below 2^-53)

/** σ(x) for a float64 x, exact to ~2^-190 relative. */
export function sigmoidRef64(x: number): Ref64 {
  if (x !== x) return { hi: NaN, frac: 0, e: 0 };
  if (x === Infinity) return exactRef64(1);
  if (x === -Infinity) return exactRef64(0);
  const a = Math.abs(x);
  if (a > 800) return x > 0 ? JUST_BELOW_ONE : TINY_BELOW_ZERO;
  const { E, k } = expNegFixed(a);
  const S = 1n << BigInt(W + k);
  return x > 0 ? ratToRef64(S, S + E) : ratToRef64(E, S + E);
}

/** σ'(x) = e^-|x| / (1 + e^-|x|)² for a float64 x. */
export function sigmoidDerivativeRef64(x: number): Ref64 {
  if (x !== x) return { hi: NaN, frac: 0, e: 0 };
  if (!Number.isFinite(x)) return exactRef64(0);
  const a = Math.abs(x);
  if (a > 800) return TINY_BELOW_ZERO;
  const { E, k } = expNegFixed(a);
  const S = 1n << BigInt(W + k);
  const D = S + E;
  return ratToRef64(E * S, D * D);
}

/** Both references at once (they share e^-|x|, the costly part). */
export function sigmoidPairRef64(x: number): { s: Ref64; d: Ref64 } {
  if (x !== x || !Number.isFinite(x) || Math.abs(x) > 800) return { s: sigmoidRef64(x), d: sigmoidDerivativeRef64(x) };
  const { E, k } = expNegFixed(Math.abs(x));
  const S = 1n << BigInt(W + k);
  const D = S + E;
  return { s: x > 0 ? ratToRef64(S, D) : ratToRef64(E, D), d: ratToRef64(E * S, D * D) };
}

// ---------------------------------------------------------------------------------------------
// Float64-arithmetic references (float32 inputs), element-wise.

export function sigmoidRefWide(x: number): number {
  if (x !== x) return NaN;
  const e = Math.exp(-Math.abs(x));
  return x > 0 ? 1 / (1 + e) : e / (1 + e);
}

export function sigmoidDerivativeRefWide(x: number): number {
  if (x !== x) return NaN;
  const e = Math.exp(-Math.abs(x));
  const t = 1 + e;
  return e / t / t;
}

// ---------------------------------------------------------------------------------------------
// A Neumaier sum.

export class NeumaierSum {
  s = 0;
  c = 0;
  add(v: number): void {
    const t = this.s + v;
    if (Math.abs(this.s) >= Math.abs(v)) this.c += this.s - t + v;
    else this.c += v - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

export function sumOf(a: ArrayLike<number>, from = 0, to = a.length): number {
  const s = new NeumaierSum();
  for (let i = from; i < to; i++) s.add(a[i]!);
  return s.value;
}

// ---------------------------------------------------------------------------------------------
// Row-wise references (softmax, logSoftmax, logSumExp), in float64 / double-double, following the
// SPEC's IEEE rules for rows with NaN or infinities.

/** The max of x[from, to), NaN if a NaN is there. */
function maxRef(x: ArrayLike<number>, from: number, to: number): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const v = x[i]!;
    if (v !== v) return NaN;
    if (v > max) max = v;
  }
  return max;
}

export interface SoftmaxRefs {
  softmax: Float64Array;
  logSoftmax: Float64Array;
}

/** Reference softmax and logSoftmax of each row of x/t. */
export function softmaxRefs(x: ArrayLike<number>, cols: number, t = 1): SoftmaxRefs {
  const n = x.length;
  const sm = new Float64Array(n);
  const ls = new Float64Array(n);
  const zl = new Float64Array(cols);
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    const max = maxRef(x, from, to);
    if (max !== max || max === -Infinity) {
      sm.fill(NaN, from, to);
      ls.fill(NaN, from, to);
      continue;
    }
    if (max === Infinity) {
      for (let i = from; i < to; i++) {
        const inf = x[i] === Infinity;
        sm[i] = inf ? NaN : 0;
        ls[i] = inf ? NaN : -Infinity;
      }
      continue;
    }
    const S = new NeumaierSum();
    for (let i = from; i < to; i++) {
      const v = x[i]!;
      let zh: number;
      let zlo = 0;
      if (v === -Infinity) {
        zh = -Infinity;
      } else {
        // d = v − max exactly as dh + dl (two-sum)
        const dh = v - max;
        let dl = 0;
        if (Number.isFinite(dh)) {
          const bb = dh - v;
          dl = (v - (dh - bb)) + (-max - bb);
        }
        if (!Number.isFinite(dh)) {
          // v − max overflowed; (v − max)/t may still be finite (t > 1): halve first (exact)
          zh = (v * 0.5 - max * 0.5) / (t * 0.5);
        } else if (t === 1) {
          zh = dh;
          zlo = dl;
        } else {
          zh = dh / t;
          if (Number.isFinite(zh) && zh !== 0) {
            const p = zh * t;
            const pe = twoProdError(zh, t, p);
            zlo = ((dh - p) - pe + dl) / t;
          } else {
            zlo = dl / t;
          }
        }
        if (!Number.isFinite(zh)) zlo = 0;
      }
      let e = Math.exp(zh);
      e += e * zlo;
      sm[i] = e;
      ls[i] = zh;
      zl[i - from] = zlo;
      S.add(e);
    }
    const s = S.value;
    const L = Math.log(s);
    for (let i = from; i < to; i++) {
      sm[i] = sm[i]! / s;
      ls[i] = ls[i]! - L + zl[i - from]!;
    }
  }
  return { softmax: sm, logSoftmax: ls };
}

/** Reference logSumExp of each row. */
export function logSumExpRef(x: ArrayLike<number>, cols: number): Float64Array {
  const rows = cols === 0 ? 0 : x.length / cols;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const from = r * cols;
    const to = from + cols;
    const max = maxRef(x, from, to);
    if (max !== max) out[r] = NaN;
    else if (!Number.isFinite(max)) out[r] = max; // all −∞: log 0 = −∞; any +∞: +∞
    else {
      const S = new NeumaierSum();
      for (let i = from; i < to; i++) {
        const v = x[i]!;
        if (v === -Infinity) continue;
        const dh = v - max;
        const bb = dh - v;
        const dl = Number.isFinite(dh) ? (v - (dh - bb)) + (-max - bb) : 0;
        const e = Math.exp(dh);
        S.add(e + e * dl);
      }
      // m + log S as a double-double sum, rounded once
      const L = Math.log(S.value);
      const h = max + L;
      const bb = h - max;
      const err = (max - (h - bb)) + (L - bb);
      out[r] = h + err;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Backward references (float64 arithmetic) with the magnitude each result is conditioned on.

export interface BackwardRef {
  value: Float64Array;
  /** The scale of the rounding error any reasonable evaluation makes at each element. */
  scale: Float64Array;
  /**
   * Multiplier of the absolute (subnormal-range) floor at each element, where an intermediate that
   * may be rounded on the subnormal grid is multiplied by a large factor afterwards (default 1).
   */
  floorScale?: Float64Array;
}

export function sigmoidBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>): BackwardRef {
  const n = y.length;
  const value = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    value[i] = dy[i]! * v * (1 - v);
    scale[i] = Math.abs(value[i]!);
  }
  return { value, scale };
}

export function softmaxBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>, cols: number): BackwardRef {
  const n = y.length;
  const value = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    const dot = new NeumaierSum();
    let absDot = 0;
    for (let i = from; i < to; i++) {
      dot.add(dy[i]! * y[i]!);
      absDot += Math.abs(dy[i]! * y[i]!);
    }
    const d = dot.value;
    for (let i = from; i < to; i++) {
      value[i] = y[i]! * (dy[i]! - d);
      scale[i] = Math.abs(y[i]!) * (Math.abs(dy[i]!) + absDot);
    }
  }
  return { value, scale };
}

export function logSoftmaxBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>, cols: number): BackwardRef {
  const n = y.length;
  const value = new Float64Array(n);
  const scale = new Float64Array(n);
  const floorScale = new Float64Array(n);
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    const s = sumOf(dy, from, to);
    let abs = 0;
    for (let i = from; i < to; i++) abs += Math.abs(dy[i]!);
    for (let i = from; i < to; i++) {
      const e = Math.exp(y[i]!);
      value[i] = dy[i]! - e * s;
      scale[i] = Math.abs(dy[i]!) + e * abs;
      floorScale[i] = 1 + abs; // e^y may be a subnormal of the output precision, then × Σdy
    }
  }
  return { value, scale, floorScale };
}

/** J_ij = y_i(δ_ij − y_j), row-major k×k. */
export function softmaxJacobianRef(y: ArrayLike<number>): BackwardRef {
  const k = y.length;
  const value = new Float64Array(k * k);
  const scale = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = i === j ? y[i]! * (1 - y[i]!) : -y[i]! * y[j]!;
      value[i * k + j] = v;
      scale[i * k + j] = Math.abs(v);
    }
  }
  return { value, scale };
}

// ---------------------------------------------------------------------------------------------
// Bounds of the SPEC and checkers.

export type Precision = 'f32' | 'f64';

export const MIN_NORMAL_F64 = 2 ** -1022;

export const SOFTMAX_BOUNDS = {
  f32: { rel: 1e-5, relFrom: 1e-30, abs: 1e-35, sum: 1e-5 },
  // SPEC: rel ≤ 1e-13. Below the normal range a relative bound cannot hold (the float64 grid itself is
  // coarser there); the absolute bound continues the relative one: 1e-13 · 2^-1022 ≈ 2.2e-321.
  f64: { rel: 1e-13, relFrom: MIN_NORMAL_F64, abs: 1e-13 * MIN_NORMAL_F64, sum: 1e-12 },
} as const;

export const LOG_BOUNDS = { f32: 4e-6, f64: 1e-13 } as const;

/**
 * Backward functions and the Jacobian: the SPEC states no bound. We hold them to the softmax row
 * bounds, relative to the magnitude the result is conditioned on (see BackwardRef.scale), with
 * tighter bounds for the element-wise products (a few roundings each).
 */
export const BACKWARD_BOUNDS = {
  rows: { f32: 1e-5, f64: 1e-12 },
  elementwise: { f32: 1e-6, f64: 2e-15 },
  floor: { f32: 2 ** -148, f64: 2 ** -1073 },
} as const;

function fmt(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

function roundTo(p: Precision, v: number): number {
  return p === 'f32' ? Math.fround(v) : v;
}

/**
 * The element-wise part of every checker: NaN must match NaN; every other pair (v, r) = (y[i], ref[i])
 * must pass `ok`. Returns a description of the violations (how many; the first, with `note`'s detail),
 * or null.
 */
function elementViolation(
  y: ArrayLike<number>,
  ref: ArrayLike<number>,
  ok: (v: number, r: number, i: number) => boolean,
  note: (v: number, r: number, i: number) => string,
): string | null {
  if (y.length !== ref.length) return `length ${y.length}, want ${ref.length}`;
  let bad = 0;
  let first: string | null = null;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    const r = ref[i]!;
    if (r !== r || v !== v ? r !== r && v !== v : ok(v, r, i)) continue;
    bad++;
    if (first === null) first = `element ${i}: got ${fmt(v)}, want ${fmt(r)} (${note(v, r, i)})`;
  }
  return first === null ? null : `${bad} element(s) out of bounds; first: ${first}`;
}

/**
 * First violation of the softmax bounds (rel where ref ≥ relFrom, abs below; NaN ↔ NaN; |Σy − 1| per
 * row for rows whose reference is finite), or null. `factor` scales the element bounds (2 when
 * comparing two implementations with each other).
 */
export function softmaxViolation(y: ArrayLike<number>, ref: ArrayLike<number>, cols: number, p: Precision, factor = 1): string | null {
  const b = SOFTMAX_BOUNDS[p];
  const elements = elementViolation(
    y,
    ref,
    (v, r) => (r >= b.relFrom ? Math.abs(v - r) <= factor * b.rel * r : Math.abs(v - r) <= factor * b.abs),
    (v, r, i) => `rel err ${(Math.abs(v - r) / Math.abs(r)).toExponential(3)}, row ${Math.floor(i / cols)}`,
  );
  if (elements !== null) return elements;
  for (let from = 0; from < y.length; from += cols) {
    let finite = true;
    for (let i = from; i < from + cols; i++) if (ref[i] !== ref[i]) finite = false;
    if (!finite) continue;
    const s = sumOf(y, from, from + cols);
    if (!(Math.abs(s - 1) <= b.sum)) return `row ${from / cols}: sum of outputs is ${s}, |Σy − 1| = ${Math.abs(s - 1)} > ${b.sum}`;
  }
  return null;
}

/** First violation of abs ≤ bound · max(1, |ref|) (logSoftmax, logSumExp; infinities exactly, after rounding to p), or null. */
export function logViolation(y: ArrayLike<number>, ref: ArrayLike<number>, p: Precision, factor = 1): string | null {
  const bound = LOG_BOUNDS[p] * factor;
  return elementViolation(
    y,
    ref,
    (v, r) => {
      const rr = roundTo(p, r);
      return Number.isFinite(rr) ? Math.abs(v - r) <= bound * Math.max(1, Math.abs(r)) : v === rr;
    },
    (v, r) => `abs err ${Math.abs(v - r).toExponential(3)}`,
  );
}

/** First violation of |y − ref| ≤ rel · scale + floor (NaN ↔ NaN, infinities exactly), or null. */
export function scaledViolation(y: ArrayLike<number>, ref: BackwardRef, rel: number, floor: number): string | null {
  const allowed = (i: number) => rel * ref.scale[i]! + floor * (ref.floorScale?.[i] ?? 1);
  return elementViolation(
    y,
    ref.value,
    (v, r, i) => (Number.isFinite(r) ? Math.abs(v - r) <= allowed(i) : v === r),
    (v, r, i) => `err ${Math.abs(v - r).toExponential(3)}, allowed ${allowed(i).toExponential(3)}`,
  );
}

/**
 * Max distance between two element-wise results of the same precision, in ulps of the larger of
 * the two (so that two results each within 2 ulp of the same exact value are within 4 of each
 * other, even across a binade boundary), with the worst index. NaN must match NaN, infinities exactly.
 */
export function maxUlpDistance(a: FloatArray, b: FloatArray): { max: number; at: number } {
  let max = 0;
  let at = -1;
  const ulp = a instanceof Float32Array ? ulp32 : ulp64;
  for (let i = 0; i < a.length; i++) {
    const u = a[i]!;
    const v = b[i]!;
    let d: number;
    if (u !== u || v !== v) d = u !== u && v !== v ? 0 : Infinity;
    else if (!Number.isFinite(u) || !Number.isFinite(v)) d = u === v ? 0 : Infinity;
    else d = Math.abs(u - v) / ulp(Math.max(Math.abs(u), Math.abs(v)));
    if (d > max) {
      max = d;
      at = i;
    }
  }
  return { max, at };
}
