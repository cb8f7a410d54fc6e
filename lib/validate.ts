// All argument checking of the public API lives here, shared by the native and pure-TS backends.
// Every check runs before anything is written; errors name the argument and what was expected.
// The checks run on every call: they allocate nothing but the results they return. The overlap of
// `out` with an input needs the typed arrays' buffer, byteOffset and byteLength, which V8 (Node 20)
// does not inline (about 10 ns each, more than a short native call's own overhead): a backend whose
// kernels check overlap themselves (native: by address, for free) passes `checkOverlap` false.
import type { FloatArray } from './types.js';

const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)!.get as (this: unknown) => string | undefined;

/** 'Float32Array' | 'Float64Array' for a genuine float typed array (of any realm), else undefined. */
function floatTag(v: unknown): 'Float32Array' | 'Float64Array' | undefined {
  const tag = typedArrayTag.call(v); // undefined for anything but a typed array
  return tag === 'Float32Array' || tag === 'Float64Array' ? tag : undefined;
}

/**
 * Whether a and b (and c, when given) are all Float32Arrays or all Float64Arrays: the native fast path's
 * type check (the addon checks only their element size). Costs a few ns: V8 inlines the tag getter.
 */
export function floatArraysOfOneType(a: unknown, b: unknown, c?: unknown): boolean {
  const tag = floatTag(a);
  return tag !== undefined && typedArrayTag.call(b) === tag && (c === undefined || typedArrayTag.call(c) === tag);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an Array';
  if (typeof v === 'object') {
    if (ArrayBuffer.isView(v)) return `a ${typedArrayTag.call(v) ?? 'DataView'}`;
    return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
  }
  return `a ${typeof v} (${String(v).slice(0, 40)})`;
}

export function checkFloatArray(name: string, v: unknown): FloatArray {
  if (floatTag(v) === undefined) {
    throw new TypeError(`sigmax: ${name} must be a Float32Array or Float64Array, got ${describe(v)}`);
  }
  return v as FloatArray;
}

/** `v` must be a float array of the same element type as `like` (named `likeName`). */
export function checkSameType(name: string, v: unknown, likeName: string, like: FloatArray): FloatArray {
  const tag = floatTag(v);
  if (tag === undefined || tag !== typedArrayTag.call(like)) {
    throw new TypeError(`sigmax: ${name} must be a ${typedArrayTag.call(like)} like ${likeName}, got ${describe(v)}`);
  }
  return v as FloatArray;
}

function checkLength(name: string, v: FloatArray, length: number, what: string): void {
  if (v.length !== length) {
    throw new RangeError(`sigmax: ${name} must have length ${length} (${what}), got ${v.length}`);
  }
}

type Overlap = 'none' | 'same' | 'partial';

function overlap(a: FloatArray, b: FloatArray): Overlap {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return 'none';
  const aEnd = a.byteOffset + a.byteLength;
  const bEnd = b.byteOffset + b.byteLength;
  if (aEnd <= b.byteOffset || bEnd <= a.byteOffset) return 'none';
  return a.byteOffset === b.byteOffset && a.byteLength === b.byteLength ? 'same' : 'partial';
}

/** `out` may be exactly `input` (the same memory, for in-place use) when allowed, and must not otherwise share memory with it. */
function checkNoOverlap(out: FloatArray, name: string, input: FloatArray, inPlaceAllowed: boolean): void {
  if (out === input && inPlaceAllowed) return; // the same view: the same memory
  const o = overlap(out, input);
  if (o === 'partial' || (o === 'same' && !inPlaceAllowed)) {
    throw new RangeError(
      `sigmax: out must not overlap ${name}` + (inPlaceAllowed ? ' unless it is exactly the same memory (in place)' : ''),
    );
  }
}

function newLike(x: FloatArray, length: number): FloatArray {
  try {
    return typedArrayTag.call(x) === 'Float32Array' ? new Float32Array(length) : new Float64Array(length);
  } catch {
    throw new RangeError(`sigmax: the result (${length} elements) is too large to allocate`);
  }
}

/**
 * The output array: `out` checked against the inputs `a` (and `b`), or a new array of `length`
 * elements of their type.
 */
function resolveOut(
  out: unknown,
  length: number,
  what: string,
  checkOverlap: boolean,
  inPlaceAllowed: boolean,
  aName: string,
  a: FloatArray,
  bName?: string,
  b?: FloatArray,
): FloatArray {
  if (out === undefined) return newLike(a, length);
  const o = checkSameType('out', out, aName, a);
  checkLength('out', o, length, what);
  if (!checkOverlap) return o;
  checkNoOverlap(o, aName, a, inPlaceAllowed);
  if (b !== undefined) checkNoOverlap(o, bName!, b, inPlaceAllowed);
  return o;
}

const NO_OPTIONS: Record<string, unknown> = Object.freeze({});

export function checkOptions(options: unknown): Record<string, unknown> {
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new TypeError(`sigmax: options must be an object, got ${describe(options)}`);
  }
  return options as Record<string, unknown>;
}

function checkCols(cols: unknown, x: FloatArray, xName: string): number {
  if (cols === undefined) return x.length;
  if (typeof cols !== 'number') throw new TypeError(`sigmax: cols must be a number, got ${describe(cols)}`);
  if (!Number.isInteger(cols) || cols < 0 || (cols === 0 && x.length !== 0)) {
    throw new RangeError(`sigmax: cols must be a positive integer, got ${cols}`);
  }
  if (cols !== 0 && x.length % cols !== 0) {
    throw new RangeError(`sigmax: cols (${cols}) must divide ${xName}.length (${x.length})`);
  }
  return cols;
}

function checkTemperature(t: unknown): number {
  if (t === undefined) return 1;
  if (typeof t !== 'number') throw new TypeError(`sigmax: temperature must be a number, got ${describe(t)}`);
  if (!Number.isFinite(t) || t <= 0) {
    throw new RangeError(`sigmax: temperature must be a finite number > 0, got ${t}`);
  }
  return t;
}

export interface ElementwiseArgs { x: FloatArray; out: FloatArray }
export interface BinaryArgs { y: FloatArray; dy: FloatArray; out: FloatArray }
export interface RowArgs { x: FloatArray; out: FloatArray; cols: number; temperature: number }
export interface RowBinaryArgs { y: FloatArray; dy: FloatArray; out: FloatArray; cols: number }

/** sigmoid(x, out?), sigmoidDerivative(x, out?) */
export function elementwiseArgs(x: unknown, out: unknown, checkOverlap: boolean): ElementwiseArgs {
  const xa = checkFloatArray('x', x);
  return { x: xa, out: resolveOut(out, xa.length, 'x.length', checkOverlap, true, 'x', xa) };
}

/** sigmoidBackward(y, dy, out?) */
export function binaryArgs(y: unknown, dy: unknown, out: unknown, checkOverlap: boolean): BinaryArgs {
  const ya = checkFloatArray('y', y);
  const dya = checkSameType('dy', dy, 'y', ya);
  checkLength('dy', dya, ya.length, 'y.length');
  return { y: ya, dy: dya, out: resolveOut(out, ya.length, 'y.length', checkOverlap, true, 'y', ya, 'dy', dya) };
}

/** softmax / logSoftmax (withTemperature) and logSumExp (one output per row). */
export function rowArgs(x: unknown, options: unknown, kind: 'rows' | 'perRow', withTemperature: boolean, checkOverlap: boolean): RowArgs {
  const xa = checkFloatArray('x', x);
  const o = checkOptions(options);
  const cols = checkCols(o.cols, xa, 'x');
  const temperature = withTemperature ? checkTemperature(o.temperature) : 1;
  const rows = cols === 0 ? 0 : xa.length / cols;
  const out = kind === 'rows'
    ? resolveOut(o.out, xa.length, 'x.length', checkOverlap, true, 'x', xa)
    : resolveOut(o.out, rows, 'one per row', checkOverlap, true, 'x', xa);
  return { x: xa, out, cols, temperature };
}

/** softmaxBackward / logSoftmaxBackward(y, dy, { cols?, out? }) */
export function rowBinaryArgs(y: unknown, dy: unknown, options: unknown, checkOverlap: boolean): RowBinaryArgs {
  const ya = checkFloatArray('y', y);
  const dya = checkSameType('dy', dy, 'y', ya);
  checkLength('dy', dya, ya.length, 'y.length');
  const o = checkOptions(options);
  const cols = checkCols(o.cols, ya, 'y');
  return { y: ya, dy: dya, out: resolveOut(o.out, ya.length, 'y.length', checkOverlap, true, 'y', ya, 'dy', dya), cols };
}

/** softmaxJacobian(y, { out? }): out is k×k and never shares memory with y. */
export function jacobianArgs(y: unknown, options: unknown, checkOverlap: boolean): ElementwiseArgs {
  const ya = checkFloatArray('y', y);
  const o = checkOptions(options);
  const k = ya.length;
  return { x: ya, out: resolveOut(o.out, k * k, 'y.length squared', checkOverlap, false, 'y', ya) };
}

// ---- The logits toolkit: argmax, topK, crossEntropy, sample ----

type IndexArray = Int32Array | Uint32Array;

function checkIntArray(name: string, v: unknown, allowUint: boolean): IndexArray {
  const tag = typeof v === 'object' && v !== null && ArrayBuffer.isView(v) ? typedArrayTag.call(v) : undefined;
  if (tag !== 'Int32Array' && !(allowUint && tag === 'Uint32Array')) {
    const want = allowUint ? 'an Int32Array or Uint32Array' : 'an Int32Array';
    throw new TypeError(`sigmax: ${name} must be ${want}, got ${describe(v)}`);
  }
  return v as IndexArray;
}

/** An output array of another element type than the inputs: it must not share memory with any of them. */
function checkApart(name: string, out: ArrayBufferView, inputs: [string, ArrayBufferView][]): void {
  for (const [inputName, input] of inputs) {
    if (overlap(out as FloatArray, input as FloatArray) !== 'none') {
      throw new RangeError(`sigmax: ${name} must not overlap ${inputName}`);
    }
  }
}

/** An Int32Array output of `length` elements: `out` checked, or a new one. */
function resolveIndexOut(name: string, out: unknown, length: number, what: string, inputs: [string, ArrayBufferView][]): Int32Array {
  if (out === undefined) return new Int32Array(length);
  const o = checkIntArray(name, out, false) as Int32Array;
  if (o.length !== length) throw new RangeError(`sigmax: ${name} must have length ${length} (${what}), got ${o.length}`);
  checkApart(name, o, inputs);
  return o;
}

/** An integer option: undefined gives `fallback`; `min` ≤ value (≤ max). */
function checkInteger(name: string, v: unknown, fallback: number, min: number, max = Infinity): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`sigmax: ${name} must be a number, got ${describe(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`sigmax: ${name} must be an integer ${range}, got ${v}`);
  }
  return v;
}

/** A number option in [min, max] (or (min, max] when `openMin`). */
function checkFraction(name: string, v: unknown, fallback: number, openMin: boolean): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`sigmax: ${name} must be a number, got ${describe(v)}`);
  if (!(openMin ? v > 0 : v >= 0) || !(v <= 1)) {
    throw new RangeError(`sigmax: ${name} must be a number in ${openMin ? '(0, 1]' : '[0, 1]'}, got ${v}`);
  }
  return v;
}

function rowsOf(x: FloatArray, cols: number): number {
  return cols === 0 ? 0 : x.length / cols;
}

export interface ArgmaxArgs { x: FloatArray; out: Int32Array; cols: number }

/** argmax(x, { cols?, out? }) */
export function argmaxArgs(x: unknown, options: unknown): ArgmaxArgs {
  const xa = checkFloatArray('x', x);
  const o = checkOptions(options);
  const cols = checkCols(o.cols, xa, 'x');
  return { x: xa, out: resolveIndexOut('out', o.out, rowsOf(xa, cols), 'one per row', [['x', xa]]), cols };
}

const VALUES_KINDS = ['probs', 'logprobs', 'logits'];

export interface TopKArgs {
  x: FloatArray;
  indices: Int32Array;
  values: FloatArray;
  cols: number;
  k: number;
  temperature: number;
  /** 0 probs, 1 logprobs, 2 logits */
  valuesKind: number;
}

/** topK(x, k, { cols?, temperature?, values?, out? }) */
export function topKArgs(x: unknown, k: unknown, options: unknown): TopKArgs {
  const xa = checkFloatArray('x', x);
  const o = checkOptions(options);
  const cols = checkCols(o.cols, xa, 'x');
  if (k === undefined) throw new TypeError('sigmax: k must be a number, got undefined');
  const kk = checkInteger('k', k, 0, 1, xa.length === 0 ? Infinity : cols);
  const temperature = checkTemperature(o.temperature);
  const kind = o.values === undefined ? 'probs' : o.values;
  if (typeof kind !== 'string') throw new TypeError(`sigmax: values must be a string, got ${describe(kind)}`);
  if (!VALUES_KINDS.includes(kind)) {
    throw new RangeError(`sigmax: values must be one of ${VALUES_KINDS.join(', ')}, got '${kind.slice(0, 40)}'`);
  }
  const length = rowsOf(xa, cols) * kk;
  let indices: Int32Array;
  let values: FloatArray;
  if (o.out === undefined) {
    indices = new Int32Array(length);
    values = newLike(xa, length);
  } else {
    const out = o.out as Record<string, unknown>;
    if (typeof out !== 'object' || out === null || out.indices === undefined || out.values === undefined) {
      throw new TypeError(`sigmax: out must be an object { indices, values }, got ${describe(o.out)}`);
    }
    indices = resolveIndexOut('out.indices', out.indices, length, 'k per row', [['x', xa]]);
    values = checkSameType('out.values', out.values, 'x', xa);
    checkLength('out.values', values, length, 'k per row');
    checkNoOverlap(values, 'x', xa, false);
    checkApart('out.values', values, [['out.indices', indices]]);
  }
  return { x: xa, indices, values, cols, k: kk, temperature, valuesKind: VALUES_KINDS.indexOf(kind) };
}

export interface CrossEntropyArgs {
  x: FloatArray;
  target: IndexArray;
  out: FloatArray;
  cols: number;
  temperature: number;
  /** NaN when none */
  ignoreIndex: number;
}

/** crossEntropy(x, target, { cols?, temperature?, ignoreIndex?, out? }) */
/** `withTargets` false: every check but the targets' range, for kernels that check it themselves. */
export function crossEntropyArgs(x: unknown, target: unknown, options: unknown, withTargets = true): CrossEntropyArgs {
  const xa = checkFloatArray('x', x);
  const ta = checkIntArray('target', target, true);
  const o = checkOptions(options);
  const cols = checkCols(o.cols, xa, 'x');
  const temperature = checkTemperature(o.temperature);
  const ignoreIndex = checkInteger('ignoreIndex', o.ignoreIndex, NaN, -Infinity);
  const rows = rowsOf(xa, cols);
  if (ta.length !== rows) throw new RangeError(`sigmax: target must have length ${rows} (one per row), got ${ta.length}`);
  for (let r = 0; withTargets && r < rows; r++) {
    const t = ta[r]!;
    if ((t < 0 || t >= cols) && t !== ignoreIndex) {
      throw new RangeError(`sigmax: target[${r}] must be in [0, ${cols}) or ignoreIndex, got ${t}`);
    }
  }
  const out = resolveOut(o.out, rows, 'one per row', true, true, 'x', xa); // the logits kernels never check overlap
  checkApart('out', out, [['target', ta]]);
  return { x: xa, target: ta, out, cols, temperature, ignoreIndex };
}

export interface SampleArgs {
  x: FloatArray;
  /** one draw per row */
  u: Float64Array;
  out: Int32Array;
  cols: number;
  temperature: number;
  /** 0: off; else ≤ cols */
  topK: number;
  topP: number;
  minP: number;
}

/** sample(x, { cols?, temperature?, topK?, topP?, minP?, random?, out? }): checks, then draws u. */
export function sampleArgs(x: unknown, options: unknown): SampleArgs {
  const xa = checkFloatArray('x', x);
  const o = checkOptions(options);
  const cols = checkCols(o.cols, xa, 'x');
  const temperature = checkTemperature(o.temperature);
  const topK = Math.min(checkInteger('topK', o.topK, 0, 0), cols);
  const topP = checkFraction('topP', o.topP, 1, true);
  const minP = checkFraction('minP', o.minP, 0, false);
  const random = o.random === undefined ? Math.random : o.random;
  if (typeof random !== 'function') throw new TypeError(`sigmax: random must be a function, got ${describe(random)}`);
  const rows = rowsOf(xa, cols);
  const out = resolveIndexOut('out', o.out, rows, 'one per row', [['x', xa]]);
  const u = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const v: unknown = (random as () => unknown)();
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
      throw new RangeError(`sigmax: random() must return a number in [0, 1), got ${describe(v)} for row ${r}`);
    }
    u[r] = v;
  }
  return { x: xa, u, out, cols, temperature, topK: topK === cols ? 0 : topK, topP, minP };
}
