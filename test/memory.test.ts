// Memory behaviour of every function: `out` and in-place calls, inputs never modified, views at
// unaligned byte offsets inside larger buffers full of sentinels (nothing outside `out` is written),
// SharedArrayBuffer-backed arrays, and length 0.
import { describe, expect, it } from 'vitest';
import * as sx from 'sigmax';
import {
  BACKWARD_BOUNDS,
  logSoftmaxBackwardRef,
  logViolation,
  maxUlpDistance,
  scaledViolation,
  sigmoidBackwardRef,
  softmaxBackwardRef,
  softmaxJacobianRef,
  softmaxViolation,
} from './reference.js';
import {
  type Api,
  alloc,
  type CallArgs,
  colsChoices,
  fillSentinel,
  type FloatArray,
  type FnInfo,
  FUNCTIONS,
  isAllSentinel,
  type Precision,
  PRECISIONS,
  sameBits,
  sentinelArray,
  snapshot,
  expectOk,
} from './util.js';

const api = sx as unknown as Api;
const TEMPERATURE = 1.5;

function bpe(p: Precision): number {
  return p === 'f32' ? 4 : 8;
}

/** Arguments for fn: data of length n in rows of `cols`, plus the temperature where it applies. */
function argsFor(fn: FnInfo, x: FloatArray, dy: FloatArray | undefined, cols: number): CallArgs {
  const a: CallArgs = { x };
  if (fn.hasDy) a.dy = dy;
  if (fn.hasCols) a.cols = cols;
  if (fn.hasTemperature) a.temperature = TEMPERATURE;
  return a;
}

/** Whether `got` equals `want` (the same computation on contiguous copies) within the bounds. */
function withinBounds(fn: FnInfo, p: Precision, got: FloatArray, want: FloatArray, x: FloatArray, dy: FloatArray | undefined, cols: number): string | null {
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  const wantF = Float64Array.from(want);
  switch (fn.name) {
    case 'sigmoid':
    case 'sigmoidDerivative': {
      const { max, at } = maxUlpDistance(got, want);
      return max <= 4 ? null : `element ${at}: ${got[at]} vs ${want[at]} (${max} ulp)`;
    }
    case 'softmax':
      return softmaxViolation(got, wantF, cols, p, 2);
    case 'logSoftmax':
    case 'logSumExp':
      return logViolation(got, wantF, p, 2);
    case 'sigmoidBackward':
      return scaledViolation(got, { ...sigmoidBackwardRef(x, dy!), value: wantF }, 2 * BACKWARD_BOUNDS.elementwise[p], 2 * BACKWARD_BOUNDS.floor[p]);
    case 'softmaxBackward':
      return scaledViolation(got, { ...softmaxBackwardRef(x, dy!, cols), value: wantF }, 2 * BACKWARD_BOUNDS.rows[p], 2 * BACKWARD_BOUNDS.floor[p]);
    case 'logSoftmaxBackward':
      return scaledViolation(got, { ...logSoftmaxBackwardRef(x, dy!, cols), value: wantF }, 2 * BACKWARD_BOUNDS.rows[p], 2 * BACKWARD_BOUNDS.floor[p]);
    case 'softmaxJacobian':
      return scaledViolation(got, { ...softmaxJacobianRef(x), value: wantF }, 2 * BACKWARD_BOUNDS.elementwise[p], 2 * BACKWARD_BOUNDS.floor[p]);
  }
}

/** A view of `n` elements at element offset `off` of a fresh buffer filled with sentinels (+ slack). */
function viewInSentinels(p: Precision, n: number, off: number, shared = false): FloatArray {
  const size = (n + off + 5) * bpe(p);
  const buf = shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
  fillSentinel(buf, p);
  return p === 'f32' ? new Float32Array(buf, off * 4, n) : new Float64Array(buf, off * 8, n);
}

/** Whether every byte of buf outside [from, to) equals the snapshot. */
function untouchedOutside(buf: ArrayBufferLike, before: Uint8Array, from: number, to: number): boolean {
  const now = new Uint8Array(buf);
  for (let i = 0; i < now.length; i++) {
    if ((i < from || i >= to) && now[i] !== before[i]) return false;
  }
  return true;
}

function inPlaceAllowed(fn: FnInfo, n: number, cols: number): boolean {
  return fn.kind !== 'jacobian' && fn.outLength(n, cols) === n;
}

for (const fn of FUNCTIONS) {
  describe(fn.name, () => {
    it('`out` given and in place give bit-identical results to the allocating call', () => {
      for (const p of PRECISIONS) {
        const [n, cols] = fn.kind === 'jacobian' ? [17, 17] : [51, 17];
        const { x, dy } = fn.data(p, n, cols, 11);
        const base = argsFor(fn, x, dy, cols);
        const want = fn.call(api, base) as FloatArray;
        expect(want).toBeInstanceOf(x.constructor);
        expect(want.length).toBe(fn.outLength(n, cols));

        const out = sentinelArray(p, fn.outLength(n, cols));
        expect(fn.call(api, { ...base, out })).toBe(out);
        expect(sameBits(out, want), 'out').toBe(true);

        if (inPlaceAllowed(fn, n, cols)) {
          const xc = x.slice();
          expect(fn.call(api, { ...base, x: xc, out: xc })).toBe(xc);
          expect(sameBits(xc, want), 'out === x').toBe(true);
        }
        if (fn.hasDy) {
          const dyc = dy!.slice();
          expect(fn.call(api, { ...base, dy: dyc, out: dyc })).toBe(dyc);
          expect(sameBits(dyc, want), 'out === dy').toBe(true);
          // the same memory through another view object is "in place" too
          const dyv = dy!.slice();
          const dyAlias = dyv.subarray(0);
          expect(fn.call(api, { ...base, dy: dyv, out: dyAlias })).toBe(dyAlias);
          expect(sameBits(dyAlias, want), 'out aliases dy').toBe(true);
        }
        if (fn.name === 'logSumExp') {
          // one element per row: in place when cols = 1
          const xc = x.slice();
          const w1 = fn.call(api, { x: x, cols: 1 }) as FloatArray;
          expect(fn.call(api, { x: xc, cols: 1, out: xc })).toBe(xc);
          expect(sameBits(xc, w1)).toBe(true);
        }
      }
    });

    it('never modifies its inputs (with or without `out`)', () => {
      for (const p of PRECISIONS) {
        const [n, cols] = fn.kind === 'jacobian' ? [33, 33] : [99, 33];
        const { x, dy } = fn.data(p, n, cols, 12);
        const xb = snapshot(x.buffer);
        const dyb = dy ? snapshot(dy.buffer) : undefined;
        fn.call(api, argsFor(fn, x, dy, cols));
        fn.call(api, { ...argsFor(fn, x, dy, cols), out: alloc(p, fn.outLength(n, cols)) });
        expect(sameBits(new Uint8Array(x.buffer), xb), 'x changed').toBe(true);
        if (dy) expect(sameBits(new Uint8Array(dy.buffer), dyb!), 'dy changed').toBe(true);
      }
    });

    it('views at unaligned byte offsets, lengths 0..70: only `out` is written, results equal the contiguous ones', () => {
      let checked = 0;
      for (const p of PRECISIONS) {
        const size = bpe(p);
        for (const off of [1, 2, 3]) {
          // byte offsets 4/8/12 (float32), 8/16/24 (float64)
          for (let n = 0; n <= 70; n++) {
            const colsList = fn.hasCols ? colsChoices(n) : [n];
            for (const cols of colsList) {
              const data = fn.data(p, n, cols, 1000 * off + n);
              const outLen = fn.outLength(n, cols);
              const x = viewInSentinels(p, n, off);
              x.set(data.x);
              const dy = data.dy ? viewInSentinels(p, n, 4 - off) : undefined;
              if (dy) dy.set(data.dy!);
              const outOff = (off % 3) + 1;
              const out = viewInSentinels(p, outLen, outOff);
              const xBefore = snapshot(x.buffer);
              const dyBefore = dy ? snapshot(dy.buffer) : undefined;
              const outBefore = snapshot(out.buffer);
              const args = argsFor(fn, x, dy, cols);
              const want = fn.call(api, argsFor(fn, x.slice(), dy?.slice(), cols)) as FloatArray;
              const where = `${p} byteOffset ${off * size} n ${n} cols ${cols}`;

              // with out: only out's bytes change
              expect(fn.call(api, { ...args, out }), where).toBe(out);
              expect(untouchedOutside(out.buffer, outBefore, outOff * size, (outOff + outLen) * size), `${where}: wrote outside out`).toBe(true);
              expect(sameBits(new Uint8Array(x.buffer), xBefore), `${where}: x's buffer changed`).toBe(true);
              if (dy) expect(sameBits(new Uint8Array(dy.buffer), dyBefore!), `${where}: dy's buffer changed`).toBe(true);
              expectOk(withinBounds(fn, p, out, want, data.x, data.dy, cols), where);
              if (outLen > 0) expect(isAllSentinel(out), `${where}: out not written`).toBe(false);

              // without out: a new array, inputs untouched
              const fresh = fn.call(api, args) as FloatArray;
              expect(fresh).toBeInstanceOf(x.constructor);
              expect(fresh.buffer).not.toBe(x.buffer);
              expect(sameBits(new Uint8Array(x.buffer), xBefore), `${where}: x's buffer changed (no out)`).toBe(true);
              expectOk(withinBounds(fn, p, fresh, want, data.x, data.dy, cols), `${where} (no out)`);

              // in place on the unaligned view (and on dy for the backward functions)
              if (inPlaceAllowed(fn, n, cols)) {
                const target = fn.hasDy ? dy! : x;
                const before = snapshot(target.buffer);
                const r = fn.call(api, { ...args, out: target });
                expect(r).toBe(target);
                const from = target.byteOffset;
                expect(untouchedOutside(target.buffer, before, from, from + target.byteLength), `${where}: in place wrote outside`).toBe(true);
                expectOk(withinBounds(fn, p, target, want, data.x, data.dy, cols), `${where} (in place)`);
              }
              checked++;
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(400);
    });

    it('SharedArrayBuffer-backed inputs and outputs work', () => {
      for (const p of PRECISIONS) {
        const [n, cols] = fn.kind === 'jacobian' ? [20, 20] : [60, 20];
        const data = fn.data(p, n, cols, 13);
        const outLen = fn.outLength(n, cols);
        const x = viewInSentinels(p, n, 1, true);
        x.set(data.x);
        const dy = data.dy ? viewInSentinels(p, n, 2, true) : undefined;
        if (dy) dy.set(data.dy!);
        expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
        const want = fn.call(api, argsFor(fn, data.x, data.dy, cols)) as FloatArray;
        const args = argsFor(fn, x, dy, cols);
        const out = viewInSentinels(p, outLen, 3, true);
        const outBefore = snapshot(out.buffer);
        expect(fn.call(api, { ...args, out })).toBe(out);
        expect(untouchedOutside(out.buffer, outBefore, out.byteOffset, out.byteOffset + out.byteLength)).toBe(true);
        expectOk(withinBounds(fn, p, out, want, data.x, data.dy, cols));
        expectOk(withinBounds(fn, p, fn.call(api, args), want, data.x, data.dy, cols));
        // out on a SharedArrayBuffer, inputs on ordinary buffers
        const out2 = viewInSentinels(p, outLen, 0, true);
        fn.call(api, { ...argsFor(fn, data.x, data.dy, cols), out: out2 });
        expectOk(withinBounds(fn, p, out2, want, data.x, data.dy, cols));
        if (inPlaceAllowed(fn, n, cols)) {
          const target = fn.hasDy ? dy! : x;
          fn.call(api, { ...args, out: target });
          expectOk(withinBounds(fn, p, target, want, data.x, data.dy, cols));
        }
      }
    });

    it('length-0 inputs give length-0 results of the same type', () => {
      for (const p of PRECISIONS) {
        const x = alloc(p, 0);
        const dy = fn.hasDy ? alloc(p, 0) : undefined;
        const r = fn.call(api, argsFor(fn, x, dy, undefined as unknown as number));
        expect(r).toBeInstanceOf(x.constructor);
        expect(r.length).toBe(0);
        const out = alloc(p, 0);
        expect(fn.call(api, { ...argsFor(fn, x, dy, undefined as unknown as number), out })).toBe(out);
        if (fn.hasCols) {
          for (const cols of [0, 1, 5]) {
            const r2 = fn.call(api, argsFor(fn, x, dy, cols));
            expect(r2).toBeInstanceOf(x.constructor);
            expect(r2.length).toBe(0);
          }
        }
        // an empty view in the middle of a sentinel buffer stays untouched
        const ev = viewInSentinels(p, 0, 2);
        const evOut = viewInSentinels(p, 0, 1);
        const before = snapshot(evOut.buffer);
        fn.call(api, { ...argsFor(fn, ev, fn.hasDy ? viewInSentinels(p, 0, 3) : undefined, fn.hasCols ? 0 : (undefined as unknown as number)), out: evOut });
        expect(sameBits(new Uint8Array(evOut.buffer), before)).toBe(true);
      }
    });
  });
}
