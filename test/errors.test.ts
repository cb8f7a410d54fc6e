// Every argument rule of the SPEC: wrong types → TypeError, wrong lengths / cols / temperature /
// partial overlap → RangeError; the message names the argument; nothing is written to `out` (or any
// buffer) when a call throws.
import { describe, expect, it } from 'vitest';
import * as sx from 'sigmax';
import {
  type Api,
  alloc,
  type CallArgs,
  type FloatArray,
  type FnInfo,
  FUNCTIONS,
  isAllSentinel,
  type Precision,
  PRECISIONS,
  sameBits,
  sentinelArray,
  snapshot,
} from './util.js';

const api = sx as unknown as Api;

interface Thrown {
  name: string;
  message: string;
}

function thrown(call: () => unknown): Thrown | undefined {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return { name: (e as Error).name, message: (e as Error).message };
  }
  return undefined;
}

/**
 * `call` must throw `kind` with a message matching `names`; every array of `untouched` must still
 * hold only sentinels, and every buffer snapshot must be unchanged.
 */
function expectError(
  what: string,
  call: () => unknown,
  kind: 'TypeError' | 'RangeError',
  names: RegExp,
  untouched: FloatArray[] = [],
  buffers: [ArrayBufferLike, Uint8Array][] = [],
): void {
  const e = thrown(call);
  expect(e, `${what}: did not throw`).toBeDefined();
  expect(e!.name, `${what}: ${e!.message}`).toBe(kind);
  expect(e!.message, what).toMatch(names);
  for (const o of untouched) expect(isAllSentinel(o), `${what}: out was written`).toBe(true);
  for (const [buf, before] of buffers) expect(sameBits(new Uint8Array(buf), before), `${what}: memory was written`).toBe(true);
}

const N = 12; // elements of the valid inputs
const COLS = 4; // a valid row length (3 rows)

function valid(fn: FnInfo, p: Precision): { x: FloatArray; dy?: FloatArray; n: number; cols: number; outLen: number } {
  const n = fn.kind === 'jacobian' ? 4 : N;
  const cols = fn.kind === 'jacobian' ? 4 : COLS;
  const { x, dy } = fn.data(p, n, cols, 5);
  return { x, dy, n, cols, outLen: fn.outLength(n, cols) };
}

function baseArgs(fn: FnInfo, x: FloatArray, dy: FloatArray | undefined, cols: number): CallArgs {
  const a: CallArgs = { x };
  if (fn.hasDy) a.dy = dy;
  if (fn.hasCols) a.cols = cols;
  return a;
}

const other = (p: Precision): Precision => (p === 'f32' ? 'f64' : 'f32');

/** Values that are not a Float32Array or Float64Array. */
function notFloatArrays(n: number): [string, unknown][] {
  return [
    ['a plain Array', Array.from({ length: n }, (_, i) => i / n)],
    ['an Int32Array', new Int32Array(n)],
    ['a Uint8Array', new Uint8Array(n)],
    ['a Buffer', Buffer.alloc(n * 4)],
    ['a DataView', new DataView(new ArrayBuffer(n * 8))],
    ['an ArrayBuffer', new ArrayBuffer(n * 8)],
    ['a BigInt64Array', new BigInt64Array(n)],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'abc'],
    ['a number', 42],
    ['an array-like object', { length: n, 0: 1, 1: 2 }],
  ];
}

for (const fn of FUNCTIONS) {
  const firstName = fn.first === 'x' ? /\bx\b/ : /\by\b/;

  describe(fn.name, () => {
    it(`rejects a ${fn.first} that is not a Float32Array/Float64Array: TypeError naming ${fn.first}`, () => {
      for (const p of PRECISIONS) {
        const v = valid(fn, p);
        for (const [what, bad] of notFloatArrays(v.n)) {
          const out = sentinelArray(p, v.outLen);
          expectError(`${p} ${fn.first} = ${what}`, () => fn.call(api, { ...baseArgs(fn, v.x, v.dy, v.cols), x: bad, out }), 'TypeError', firstName, [out]);
          expectError(`${p} ${fn.first} = ${what} (no out)`, () => fn.call(api, { ...baseArgs(fn, v.x, v.dy, v.cols), x: bad }), 'TypeError', firstName);
        }
      }
    });

    if (fn.hasDy) {
      it('rejects a dy of the wrong type or precision (TypeError) or length (RangeError), naming dy', () => {
        for (const p of PRECISIONS) {
          const v = valid(fn, p);
          for (const [what, bad] of [...notFloatArrays(v.n), [`a ${other(p)} array`, alloc(other(p), v.n)] as [string, unknown]]) {
            const out = sentinelArray(p, v.outLen);
            expectError(`${p} dy = ${what}`, () => fn.call(api, { ...baseArgs(fn, v.x, v.dy, v.cols), dy: bad, out }), 'TypeError', /\bdy\b/, [out]);
          }
          for (const len of [0, v.n - 1, v.n + 1, 2 * v.n]) {
            const out = sentinelArray(p, v.outLen);
            expectError(`${p} dy.length = ${len}`, () => fn.call(api, { ...baseArgs(fn, v.x, v.dy, v.cols), dy: alloc(p, len), out }), 'RangeError', /\bdy\b/, [out]);
          }
        }
      });
    }

    it('rejects an out of the wrong type or precision (TypeError) or length (RangeError), naming out', () => {
      for (const p of PRECISIONS) {
        const v = valid(fn, p);
        const args = baseArgs(fn, v.x, v.dy, v.cols);
        const otherOut = sentinelArray(other(p), v.outLen);
        expectError(`${p} out of the other precision`, () => fn.call(api, { ...args, out: otherOut }), 'TypeError', /\bout\b/, [otherOut]);
        for (const [what, bad] of notFloatArrays(v.outLen)) {
          if (bad === undefined || bad === null) continue; // no out (null: see the report; not asserted)
          expectError(`${p} out = ${what}`, () => fn.call(api, { ...args, out: bad }), 'TypeError', /\bout\b/);
        }
        const wrongLengths = new Set([0, v.outLen - 1, v.outLen + 1, v.n === v.outLen ? 2 * v.n : v.n]);
        wrongLengths.delete(v.outLen);
        for (const len of wrongLengths) {
          if (len < 0) continue;
          const out = sentinelArray(p, len);
          expectError(`${p} out.length = ${len} (want ${v.outLen})`, () => fn.call(api, { ...args, out }), 'RangeError', /\bout\b/, [out]);
        }
        // inputs are not modified by a failing call either
        const xb = snapshot(v.x.buffer);
        thrown(() => fn.call(api, { ...args, out: alloc(p, v.outLen + 1) }));
        expect(sameBits(new Uint8Array(v.x.buffer), xb)).toBe(true);
      }
    });

    if (fn.hasCols) {
      it('rejects a bad cols: RangeError (0 for non-empty, negative, fractional, NaN, ±∞, not dividing), TypeError (not a number)', () => {
        for (const p of PRECISIONS) {
          const v = valid(fn, p);
          const args = baseArgs(fn, v.x, v.dy, v.cols);
          for (const cols of [0, -1, -4, 2.5, 4.000001, NaN, Infinity, -Infinity, 5, 7, 24, 2 ** 53]) {
            const out = sentinelArray(p, v.outLen);
            // out has the length right for cols = 4; a wrong cols must fail before out is looked at or written
            expectError(`${p} cols = ${cols}`, () => fn.call(api, { ...args, cols, out }), 'RangeError', /\bcols\b/, [out]);
            expectError(`${p} cols = ${cols} (no out)`, () => fn.call(api, { ...args, cols }), 'RangeError', /\bcols\b/);
          }
          for (const cols of ['4', '2', true, 4n, [4], {}]) {
            const out = sentinelArray(p, v.outLen);
            expectError(`${p} cols = ${String(cols)} (${typeof cols})`, () => fn.call(api, { ...args, cols, out }), 'TypeError', /\bcols\b/, [out]);
          }
        }
      });
    }

    if (fn.hasTemperature) {
      it('rejects a bad temperature: RangeError (0, −0, negative, NaN, ±∞), TypeError (not a number)', () => {
        for (const p of PRECISIONS) {
          const v = valid(fn, p);
          const args = baseArgs(fn, v.x, v.dy, v.cols);
          for (const temperature of [0, -0, -1, -1e-300, NaN, Infinity, -Infinity]) {
            const out = sentinelArray(p, v.outLen);
            expectError(`${p} temperature = ${temperature}`, () => fn.call(api, { ...args, temperature, out }), 'RangeError', /\btemperature\b/, [out]);
          }
          for (const temperature of ['2', true, 2n, [2], {}]) {
            const out = sentinelArray(p, v.outLen);
            expectError(`${p} temperature = ${String(temperature)}`, () => fn.call(api, { ...args, temperature, out }), 'TypeError', /\btemperature\b/, [out]);
          }
          // valid extremes are accepted
          for (const temperature of [Number.MIN_VALUE, 1e-30, 1e30, Number.MAX_VALUE]) {
            expect(() => fn.call(api, { ...args, temperature })).not.toThrow();
          }
        }
      });
    }

    if (fn.kind === 'rows' || fn.kind === 'rowsBinary' || fn.kind === 'jacobian') {
      it('rejects options that are not an object: TypeError naming options', () => {
        for (const p of PRECISIONS) {
          const v = valid(fn, p);
          for (const bad of [5, 'cols', true, null, 4n]) {
            const e = thrown(() => (fn.hasDy ? (api[fn.name] as any)(v.x, v.dy, bad) : (api[fn.name] as any)(v.x, bad)));
            expect(e, `options = ${String(bad)}: did not throw`).toBeDefined();
            expect(e!.name).toBe('TypeError');
            expect(e!.message).toMatch(/\boptions\b/);
          }
        }
      });
    }

    it('rejects an out that partially overlaps an input (RangeError naming out); exact in-place use is allowed', () => {
      for (const p of PRECISIONS) {
        const v = valid(fn, p);
        const args = baseArgs(fn, v.x, v.dy, v.cols);
        const inputs: ['x' | 'dy', FloatArray][] = [['x', v.x]];
        if (fn.hasDy) inputs.push(['dy', v.dy!]);
        for (const [which, input] of inputs) {
          // the input lives in the middle of a bigger buffer; out is another view of that buffer
          const big = alloc(p, v.n + v.outLen + 8);
          const inView = big.subarray(4, 4 + v.n);
          inView.set(input);
          const callArgs = { ...args, [which]: inView };
          const overlapping: [string, number][] = [
            ['starting one element before', 3],
            ['starting one element after', 5],
            ['ending inside', 4 - v.outLen + 1],
            ['starting inside at the last element', 4 + v.n - 1],
          ];
          if (v.outLen !== v.n) overlapping.push(['starting at the same element (different length)', 4]);
          for (const [what, start] of overlapping) {
            if (start < 0 || start + v.outLen > big.length) continue;
            const out = big.subarray(start, start + v.outLen);
            const before = snapshot(big.buffer);
            expectError(`${p} out ${what} ${which}`, () => fn.call(api, { ...callArgs, out }), 'RangeError', /\bout\b/, [], [[big.buffer, before]]);
          }
          // adjacent but not overlapping views are fine (unless the jacobian's out would need to...)
          const after = big.subarray(4 + v.n, 4 + v.n + v.outLen);
          expect(() => fn.call(api, { ...callArgs, out: after })).not.toThrow();
          if (v.outLen <= 4) {
            const beforeIn = big.subarray(4 - v.outLen, 4);
            expect(() => fn.call(api, { ...callArgs, out: beforeIn })).not.toThrow();
          }
        }
        if (fn.kind === 'jacobian') {
          // out must not share any memory with y, not even all of it (k = 1: same length)
          const y1 = alloc(p, 1).fill(0.5);
          const before = snapshot(y1.buffer);
          expectError(`${p} softmaxJacobian out === y`, () => api.softmaxJacobian(y1, { out: y1 }), 'RangeError', /\bout\b/, [], [[y1.buffer, before]]);
          const big = alloc(p, 32).fill(0.25);
          const y = big.subarray(0, 4);
          const out = big.subarray(0, 16); // contains y
          const b2 = snapshot(big.buffer);
          expectError(`${p} softmaxJacobian out contains y`, () => api.softmaxJacobian(y, { out }), 'RangeError', /\bout\b/, [], [[big.buffer, b2]]);
        } else if (v.outLen === v.n) {
          const xc = v.x.slice();
          expect(() => fn.call(api, { ...args, x: xc, out: xc })).not.toThrow();
          if (fn.hasDy) {
            const dyc = v.dy!.slice();
            expect(() => fn.call(api, { ...args, dy: dyc, out: dyc })).not.toThrow();
            // out exactly dy but partially overlapping y: still an overlap with y
            const big = alloc(p, 2 * v.n);
            const y = big.subarray(0, v.n);
            y.set(v.x);
            const dy = big.subarray(v.n / 2, v.n / 2 + v.n);
            const before = snapshot(big.buffer);
            expectError(`${p} out === dy but overlapping y`, () => fn.call(api, { ...args, x: y, dy, out: dy }), 'RangeError', /\bout\b/, [], [[big.buffer, before]]);
          }
        }
      }
    });

    it('a failing call leaves out untouched even when several arguments are wrong', () => {
      for (const p of PRECISIONS) {
        const v = valid(fn, p);
        const out = sentinelArray(p, v.outLen);
        const bad: CallArgs = { ...baseArgs(fn, v.x, v.dy, v.cols), out };
        if (fn.hasDy) bad.dy = alloc(p, v.n + 1);
        if (fn.hasCols) bad.cols = 5;
        if (fn.hasTemperature) bad.temperature = -1;
        const e = thrown(() => fn.call(api, bad));
        if (fn.hasDy || fn.hasCols || fn.hasTemperature) {
          expect(e).toBeDefined();
          expect(['TypeError', 'RangeError']).toContain(e!.name);
        }
        expect(isAllSentinel(out) || e === undefined).toBe(true);
      }
    });
  });
}

describe('sigmoid', () => {
  it('mixed float32/float64 between x and out is a TypeError, in both directions', () => {
    expect(() => api.sigmoid(new Float32Array(3), new Float64Array(3))).toThrow(TypeError);
    expect(() => api.sigmoid(new Float64Array(3), new Float32Array(3))).toThrow(TypeError);
    expect(() => api.sigmoidBackward(new Float32Array(3), new Float64Array(3))).toThrow(TypeError);
    expect(() => api.sigmoidBackward(new Float64Array(3), new Float32Array(3))).toThrow(TypeError);
  });

  it('no silent conversion: a plain number array is rejected, not converted', () => {
    expect(() => api.sigmoid([0, 1, 2])).toThrow(/Float32Array|Float64Array/);
  });
});
