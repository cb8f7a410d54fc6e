// Shared test utilities: a seeded PRNG, test-data generators, and a table of every sigmax function
// with a uniform way to call it (used by the memory, error and cross-backend tests).
import { expect } from 'vitest';
import type { FloatArray } from './reference.js';
import { mulberry32 } from '../scripts/lib/mulberry32.cjs';

export type { FloatArray };
export type Precision = 'f32' | 'f64';
export const PRECISIONS: Precision[] = ['f32', 'f64'];

/**
 * Set by scripts/test-arm64.sh, which runs the suite in an arm64 Node under qemu-user (roughly 10×
 * slower than native): the few tests that read it take fewer samples or smaller inputs there, or
 * allow longer for what they time; each says what it changes.
 */
export const EMULATED = process.env.SIGMAX_TEST_EMULATED === '1';

export function ctorOf(p: Precision): Float32ArrayConstructor | Float64ArrayConstructor {
  return p === 'f32' ? Float32Array : Float64Array;
}

export function precisionOf(a: FloatArray): Precision {
  return a instanceof Float32Array ? 'f32' : 'f64';
}

export function alloc(p: Precision, n: number): FloatArray {
  return p === 'f32' ? new Float32Array(n) : new Float64Array(n);
}

export function fromNumbers(p: Precision, values: ArrayLike<number>): FloatArray {
  return p === 'f32' ? Float32Array.from(values) : Float64Array.from(values);
}

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32): deterministic data, so every failure is reproducible.

export type Rng = () => number;

export { mulberry32 };

/** A uint32 from the generator. */
export function nextU32(rng: Rng): number {
  return Math.floor(rng() * 4294967296) >>> 0;
}

/** Standard normal deviate (Box–Muller). */
export function normal(rng: Rng): number {
  let u = rng();
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A uniform double in [0, 1) with all 53 bits random (two draws). */
export function random53(rng: Rng): number {
  return (Math.floor(rng() * 2 ** 26) * 2 ** 27 + Math.floor(rng() * 2 ** 27)) / 2 ** 53;
}

/** Uniform in [lo, hi) with full float64 mantissas (32-bit draws would give exact differences). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * random53(rng);
}

/**
 * Logits of a rows×cols matrix with realistic spread: each row normal with its own mean
 * (−50..50) and σ cycling through 1..10; every fifth row (and `wide` rows) uniform over a wide
 * range, so that some outputs of exp are tiny, subnormal or zero (f32: [−60, 60]; f64: [−400, 400]).
 */
export function makeLogits(p: Precision, rows: number, cols: number, seed: number, style: 'mixed' | 'normal' | 'wide' = 'mixed'): FloatArray {
  const rng = mulberry32(seed);
  const x = alloc(p, rows * cols);
  const w = p === 'f32' ? 60 : 400;
  for (let r = 0; r < rows; r++) {
    const wide = style === 'wide' || (style === 'mixed' && r % 5 === 4);
    const sigma = 1 + ((r * 7) % 10);
    const mean = style === 'normal' ? 0 : uniform(rng, -50, 50);
    for (let c = 0; c < cols; c++) {
      x[r * cols + c] = wide ? uniform(rng, -w, w) : mean + sigma * normal(rng);
    }
  }
  return x;
}

/** Arbitrary values in [lo, hi] (upstream gradients, softmax outputs...). */
export function makeUniform(p: Precision, n: number, seed: number, lo = -1, hi = 1): FloatArray {
  const rng = mulberry32(seed);
  const x = alloc(p, n);
  for (let i = 0; i < n; i++) x[i] = uniform(rng, lo, hi);
  return x;
}

/** Per-row probability vectors (what softmax would output), computed in float64 then stored. */
export function makeProbabilities(p: Precision, rows: number, cols: number, seed: number): FloatArray {
  const rng = mulberry32(seed);
  const y = alloc(p, rows * cols);
  const e = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const sigma = 0.5 + 3 * rng();
    for (let c = 0; c < cols; c++) s += e[c] = Math.exp(sigma * normal(rng));
    for (let c = 0; c < cols; c++) y[r * cols + c] = e[c]! / s;
  }
  return y;
}

/** Log-probability rows (what logSoftmax would output). */
export function makeLogProbabilities(p: Precision, rows: number, cols: number, seed: number): FloatArray {
  const y = makeProbabilities(p, rows, cols, seed);
  for (let i = 0; i < y.length; i++) y[i] = Math.log(y[i]!);
  return y;
}

/** Divisors of n that are worth testing as `cols`: n itself, 1, and one proper divisor if any. */
export function colsChoices(n: number): number[] {
  if (n === 0) return [0];
  const out = new Set<number>([n, 1]);
  for (let d = 2; d * d <= n; d++) {
    if (n % d === 0) {
      out.add(n / d);
      break;
    }
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------
// The API surface, and a uniform description of every function.

/** The shape of the sigmax API as the tests use it (loosely typed, to call it generically and wrongly). */
export interface Api {
  sigmoid(x: any, out?: any): any;
  sigmoidDerivative(x: any, out?: any): any;
  sigmoidBackward(y: any, dy: any, out?: any): any;
  softmax(x: any, options?: any): any;
  logSoftmax(x: any, options?: any): any;
  logSumExp(x: any, options?: any): any;
  softmaxBackward(y: any, dy: any, options?: any): any;
  logSoftmaxBackward(y: any, dy: any, options?: any): any;
  softmaxJacobian(y: any, options?: any): any;
}

export type FnName = keyof Api;

export interface CallArgs {
  x: any; // the first input (x or y)
  dy?: any; // the second input of the backward functions
  out?: any;
  cols?: any;
  temperature?: any;
}

export interface FnInfo {
  name: FnName;
  /** unary: f(x, out?); binary: f(y, dy, out?); rows/rowsBinary: options object; jacobian: f(y, { out }). */
  kind: 'unary' | 'binary' | 'rows' | 'rowsBinary' | 'jacobian';
  /** The name the API uses for the first argument. */
  first: 'x' | 'y';
  hasDy: boolean;
  hasCols: boolean;
  hasTemperature: boolean;
  /** Length of the output for an input of length n and row length cols. */
  outLength(n: number, cols: number): number;
  /** Calls the function; options are passed only when given (undefined fields are left out). */
  call(api: Api, a: CallArgs): any;
  /** Realistic input data for this function (x, and dy for the backward ones). */
  data(p: Precision, n: number, cols: number, seed: number): { x: FloatArray; dy?: FloatArray };
}

function opts(a: CallArgs, withTemperature: boolean): Record<string, unknown> | undefined {
  const o: Record<string, unknown> = {};
  if ('cols' in a && a.cols !== undefined) o.cols = a.cols;
  if ('out' in a && a.out !== undefined) o.out = a.out;
  if (withTemperature && 'temperature' in a && a.temperature !== undefined) o.temperature = a.temperature;
  return Object.keys(o).length === 0 ? undefined : o;
}

function rowsOf(n: number, cols: number): number {
  return cols === 0 ? 0 : n / cols;
}

export const FUNCTIONS: FnInfo[] = [
  {
    name: 'sigmoid', kind: 'unary', first: 'x', hasDy: false, hasCols: false, hasTemperature: false,
    outLength: (n) => n,
    call: (api, a) => ('out' in a && a.out !== undefined ? api.sigmoid(a.x, a.out) : api.sigmoid(a.x)),
    data: (p, n, _c, seed) => ({ x: makeUniform(p, n, seed, -30, 30) }),
  },
  {
    name: 'sigmoidDerivative', kind: 'unary', first: 'x', hasDy: false, hasCols: false, hasTemperature: false,
    outLength: (n) => n,
    call: (api, a) => ('out' in a && a.out !== undefined ? api.sigmoidDerivative(a.x, a.out) : api.sigmoidDerivative(a.x)),
    data: (p, n, _c, seed) => ({ x: makeUniform(p, n, seed, -30, 30) }),
  },
  {
    name: 'sigmoidBackward', kind: 'binary', first: 'y', hasDy: true, hasCols: false, hasTemperature: false,
    outLength: (n) => n,
    call: (api, a) => ('out' in a && a.out !== undefined ? api.sigmoidBackward(a.x, a.dy, a.out) : api.sigmoidBackward(a.x, a.dy)),
    data: (p, n, _c, seed) => ({ x: makeUniform(p, n, seed, 0, 1), dy: makeUniform(p, n, seed + 1, -2, 2) }),
  },
  {
    name: 'softmax', kind: 'rows', first: 'x', hasDy: false, hasCols: true, hasTemperature: true,
    outLength: (n) => n,
    call: (api, a) => api.softmax(a.x, opts(a, true)),
    data: (p, n, cols, seed) => ({ x: makeLogits(p, rowsOf(n, cols), cols, seed) }),
  },
  {
    name: 'logSoftmax', kind: 'rows', first: 'x', hasDy: false, hasCols: true, hasTemperature: true,
    outLength: (n) => n,
    call: (api, a) => api.logSoftmax(a.x, opts(a, true)),
    data: (p, n, cols, seed) => ({ x: makeLogits(p, rowsOf(n, cols), cols, seed) }),
  },
  {
    name: 'logSumExp', kind: 'rows', first: 'x', hasDy: false, hasCols: true, hasTemperature: false,
    outLength: (n, cols) => rowsOf(n, cols),
    call: (api, a) => api.logSumExp(a.x, opts(a, false)),
    data: (p, n, cols, seed) => ({ x: makeLogits(p, rowsOf(n, cols), cols, seed) }),
  },
  {
    name: 'softmaxBackward', kind: 'rowsBinary', first: 'y', hasDy: true, hasCols: true, hasTemperature: false,
    outLength: (n) => n,
    call: (api, a) => api.softmaxBackward(a.x, a.dy, opts(a, false)),
    data: (p, n, cols, seed) => ({ x: makeProbabilities(p, rowsOf(n, cols), cols, seed), dy: makeUniform(p, n, seed + 1, -2, 2) }),
  },
  {
    name: 'logSoftmaxBackward', kind: 'rowsBinary', first: 'y', hasDy: true, hasCols: true, hasTemperature: false,
    outLength: (n) => n,
    call: (api, a) => api.logSoftmaxBackward(a.x, a.dy, opts(a, false)),
    data: (p, n, cols, seed) => ({ x: makeLogProbabilities(p, rowsOf(n, cols), cols, seed), dy: makeUniform(p, n, seed + 1, -2, 2) }),
  },
  {
    name: 'softmaxJacobian', kind: 'jacobian', first: 'y', hasDy: false, hasCols: false, hasTemperature: false,
    outLength: (n) => n * n,
    call: (api, a) => api.softmaxJacobian(a.x, opts(a, false)),
    data: (p, n, _c, seed) => ({ x: makeProbabilities(p, n === 0 ? 0 : 1, n, seed) }),
  },
];

export function fnInfo(name: FnName): FnInfo {
  return FUNCTIONS.find((f) => f.name === name)!;
}

// ---------------------------------------------------------------------------------------------
// Raw memory helpers.

/** The bytes of a typed array's view (a copy). */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** A copy of a whole buffer's bytes. */
export function snapshot(buf: ArrayBufferLike): Uint8Array {
  return new Uint8Array(buf).slice();
}

/** Whether two arrays hold bit-identical elements (NaN payloads included). */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Index of the first element where a and b differ (Object.is semantics, NaN = NaN), or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const u = a[i]!;
    const v = b[i]!;
    if (!(u === v || (u !== u && v !== v))) return i;
  }
  return -1;
}

/** Distinctive sentinel bit patterns (NaNs with a payload) to fill memory that must stay untouched. */
export const SENTINEL_F32_BITS = 0x7fa5a5a5;
export const SENTINEL_F64_BITS = 0x7ff5a5a5a5a5a5a5n;

/** Fills a whole buffer with the sentinel of the precision. */
export function fillSentinel(buf: ArrayBufferLike, p: Precision): void {
  if (p === 'f32') new Uint32Array(buf, 0, buf.byteLength >> 2).fill(SENTINEL_F32_BITS);
  else new BigUint64Array(buf, 0, buf.byteLength >> 3).fill(SENTINEL_F64_BITS);
}

/** A typed array of `n` elements filled with the sentinel (its own buffer). */
export function sentinelArray(p: Precision, n: number): FloatArray {
  const a = alloc(p, n);
  fillSentinel(a.buffer, p);
  return a;
}

/** Whether every element of `a` still holds the sentinel pattern. */
export function isAllSentinel(a: FloatArray): boolean {
  if (a instanceof Float32Array) {
    const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
    return u.every((v) => v === SENTINEL_F32_BITS);
  }
  const u = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  return u.every((v) => v === SENTINEL_F64_BITS);
}

/** Asserts that a checker found no violation, showing its whole description when it did. */
export function expectOk(violation: string | null, context = ''): void {
  expect(violation, context === '' ? (violation ?? '') : `${context}: ${violation}`).toBeNull();
}
