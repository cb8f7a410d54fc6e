// All argument checking of the public API lives here, shared by the native and pure-TS backends.
// Every check runs before anything is written; errors name the argument and what was expected.
import type { FloatArray } from './types.js';

const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)!.get as (this: unknown) => string | undefined;

/** 'Float32Array' | 'Float64Array' for a genuine float typed array (of any realm), else undefined. */
function floatTag(v: unknown): 'Float32Array' | 'Float64Array' | undefined {
  if (typeof v !== 'object' || v === null || !ArrayBuffer.isView(v)) return undefined;
  const tag = typedArrayTag.call(v);
  return tag === 'Float32Array' || tag === 'Float64Array' ? tag : undefined;
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
  const want = typedArrayTag.call(like)!;
  if (tag !== want) {
    throw new TypeError(`sigmax: ${name} must be a ${want} like ${likeName}, got ${describe(v)}`);
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

/**
 * `out` may be exactly one of `inPlace` (the same memory, for in-place use) and must not otherwise
 * share memory with any input.
 */
function checkNoOverlap(out: FloatArray, inputs: [string, FloatArray][], inPlaceAllowed: boolean): void {
  for (const [name, input] of inputs) {
    const o = overlap(out, input);
    if (o === 'partial' || (o === 'same' && !inPlaceAllowed)) {
      throw new RangeError(
        `sigmax: out must not overlap ${name}` +
          (inPlaceAllowed ? ' unless it is exactly the same memory (in place)' : ''),
      );
    }
  }
}

function newLike(x: FloatArray, length: number): FloatArray {
  try {
    return typedArrayTag.call(x) === 'Float32Array' ? new Float32Array(length) : new Float64Array(length);
  } catch {
    throw new RangeError(`sigmax: the result (${length} elements) is too large to allocate`);
  }
}

/** The output array: `out` checked against the inputs, or a new array of `length` elements. */
function resolveOut(
  out: unknown,
  length: number,
  what: string,
  inputs: [string, FloatArray][],
  inPlaceAllowed: boolean,
): FloatArray {
  const [firstName, first] = inputs[0]!;
  if (out === undefined) return newLike(first, length);
  const o = checkSameType('out', out, firstName, first);
  checkLength('out', o, length, what);
  checkNoOverlap(o, inputs, inPlaceAllowed);
  return o;
}

export function checkOptions(options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
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
export function elementwiseArgs(x: unknown, out: unknown): ElementwiseArgs {
  const xa = checkFloatArray('x', x);
  return { x: xa, out: resolveOut(out, xa.length, 'x.length', [['x', xa]], true) };
}

/** sigmoidBackward(y, dy, out?) */
export function binaryArgs(y: unknown, dy: unknown, out: unknown): BinaryArgs {
  const ya = checkFloatArray('y', y);
  const dya = checkSameType('dy', dy, 'y', ya);
  checkLength('dy', dya, ya.length, 'y.length');
  const inputs: [string, FloatArray][] = [['y', ya], ['dy', dya]];
  return { y: ya, dy: dya, out: resolveOut(out, ya.length, 'y.length', inputs, true) };
}

/** softmax / logSoftmax (withTemperature) and logSumExp (one output per row). */
export function rowArgs(x: unknown, options: unknown, kind: 'rows' | 'perRow', withTemperature: boolean): RowArgs {
  const xa = checkFloatArray('x', x);
  const o = checkOptions(options);
  const cols = checkCols(o.cols, xa, 'x');
  const temperature = withTemperature ? checkTemperature(o.temperature) : 1;
  const rows = cols === 0 ? 0 : xa.length / cols;
  const length = kind === 'rows' ? xa.length : rows;
  const what = kind === 'rows' ? 'x.length' : 'one per row';
  return { x: xa, out: resolveOut(o.out, length, what, [['x', xa]], true), cols, temperature };
}

/** softmaxBackward / logSoftmaxBackward(y, dy, { cols?, out? }) */
export function rowBinaryArgs(y: unknown, dy: unknown, options: unknown): RowBinaryArgs {
  const ya = checkFloatArray('y', y);
  const dya = checkSameType('dy', dy, 'y', ya);
  checkLength('dy', dya, ya.length, 'y.length');
  const o = checkOptions(options);
  const cols = checkCols(o.cols, ya, 'y');
  const inputs: [string, FloatArray][] = [['y', ya], ['dy', dya]];
  return { y: ya, dy: dya, out: resolveOut(o.out, ya.length, 'y.length', inputs, true), cols };
}

/** softmaxJacobian(y, { out? }): out is k×k and never shares memory with y. */
export function jacobianArgs(y: unknown, options: unknown): ElementwiseArgs {
  const ya = checkFloatArray('y', y);
  const o = checkOptions(options);
  const k = ya.length;
  return { x: ya, out: resolveOut(o.out, k * k, 'y.length squared', [['y', ya]], false) };
}
