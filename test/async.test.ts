// The …Async twins (SPEC "Functions (async)"): same results as the sync API (element-wise bit for bit
// whatever the thread count, reductions within the SPEC bounds), validation errors as rejections,
// AbortSignal before and during the work, many concurrent calls, and an event loop that keeps running.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as sx from 'sigmax';
import { type Api, alloc, EMULATED, fillSentinel, type FloatArray, FUNCTIONS, type FnInfo, isAllSentinel, type Precision, PRECISIONS, SENTINEL_F32_BITS, SENTINEL_F64_BITS } from './util.js';

type AsyncOptions = { signal?: AbortSignal; threads?: number };
const api = sx as unknown as Api & Record<string, (...args: any[]) => any>;

/** Calls the async twin of `f` with the same arguments plus the async options. */
function callAsync(f: FnInfo, x: FloatArray, dy: FloatArray | undefined, out: FloatArray | undefined, cols: number | undefined, extra: AsyncOptions & { temperature?: number }): Promise<FloatArray> {
  const fn = api[`${f.name}Async`]!;
  const { temperature, ...asyncOpts } = extra;
  switch (f.kind) {
    case 'unary':
      return fn(x, out, asyncOpts);
    case 'binary':
      return fn(x, dy, out, asyncOpts);
    case 'rows':
      return fn(x, { cols, out, ...(f.hasTemperature && temperature !== undefined ? { temperature } : {}), ...asyncOpts });
    case 'rowsBinary':
      return fn(x, dy, { cols, out, ...asyncOpts });
    case 'jacobian':
      return fn(x, { out, ...asyncOpts });
  }
}

function callSync(f: FnInfo, x: FloatArray, dy: FloatArray | undefined, cols: number | undefined, temperature?: number): FloatArray {
  return f.call(api, { x, dy, cols, ...(f.hasTemperature ? { temperature } : {}) });
}

/** Largest relative difference (NaN must match NaN; differences below `floor` count as equal). */
function maxRelDiff(a: FloatArray, b: FloatArray, floor: number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const u = a[i]!, v = b[i]!;
    if (Number.isNaN(u) || Number.isNaN(v)) {
      if (Number.isNaN(u) !== Number.isNaN(v)) return Infinity;
      continue;
    }
    if (u === v) continue;
    const d = Math.abs(u - v);
    if (d <= floor) continue;
    worst = Math.max(worst, d / Math.max(Math.abs(u), Math.abs(v)));
  }
  return worst;
}

/** Per element, the magnitude of the terms dx_i is computed from (softmax/logSoftmax backward). */
function backwardScale(name: string, y: FloatArray, dy: FloatArray, cols: number): Float64Array {
  const scale = new Float64Array(y.length);
  for (let from = 0; from < y.length; from += cols) {
    let total = 0;
    for (let i = from; i < from + cols; i++) total += name === 'softmaxBackward' ? Math.abs(y[i]! * dy[i]!) : Math.abs(dy[i]!);
    for (let i = from; i < from + cols; i++) {
      scale[i] = name === 'softmaxBackward' ? Math.abs(y[i]!) * (Math.abs(dy[i]!) + total) : Math.abs(dy[i]!) + Math.exp(y[i]!) * total;
      if (scale[i] === 0) scale[i] = Number.MIN_VALUE;
    }
  }
  return scale;
}

/** Shapes that exercise each way of splitting: ranges, blocks of rows, long rows split in parts. */
function shapesFor(f: FnInfo): Array<{ n: number; cols?: number }> {
  if (f.kind === 'unary' || f.kind === 'binary') return [{ n: 300_001 }, { n: 1000 }];
  if (f.kind === 'jacobian') return [{ n: 700 }];
  // Under emulation fewer rows and a shorter long row (still 8 pure-TS chunks): ~4× less work.
  const long = EMULATED ? (1 << 18) + 77 : (1 << 20) + 77;
  return [
    { n: (EMULATED ? 60 : 300) * 1000, cols: 1000 }, // blocks of rows
    { n: long, cols: long }, // one long row: split in parts across threads
    { n: 2 * 150_011, cols: 150_011 }, // fewer rows than threads (native) / rows longer than a pure-TS chunk
  ];
}

const isElementwise = (f: FnInfo) => f.kind === 'unary' || f.kind === 'binary' || f.kind === 'jacobian';

describe('async results equal the sync API', () => {
  for (const f of FUNCTIONS) {
    for (const p of PRECISIONS) {
      it(`${f.name} ${p}: threads 1, 2, 3 ${isElementwise(f) ? 'bit for bit' : 'within the SPEC bounds'}`, async () => {
        for (const { n, cols } of shapesFor(f)) {
          const { x, dy } = f.data(p, n, cols ?? n, 7);
          const expected = callSync(f, x, dy, cols, 0.8);
          for (const threads of [1, 2, 3]) {
            const got = await callAsync(f, x, dy, undefined, cols, { threads, temperature: 0.8 });
            expect(got.constructor).toBe(expected.constructor);
            expect(got.length).toBe(expected.length);
            if (isElementwise(f)) {
              expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), `n=${n} threads=${threads}`).toBe(true);
            } else if (f.kind === 'rowsBinary') {
              // dx depends on a row sum that parallel parts round differently: measure the difference
              // against the size of what each dx_i is made of (it may cancel to ~0).
              const bound = p === 'f32' ? 2e-5 : 2e-13;
              const scale = backwardScale(f.name, x, dy!, cols!);
              let worst = 0;
              for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!) / scale[i]!);
              expect(worst, `n=${n} cols=${cols} threads=${threads}`).toBeLessThanOrEqual(bound);
            } else {
              // Parallel partial sums may round differently: twice the float32 bound / 1e-13 (f64).
              const bound = p === 'f32' ? 2e-5 : 2e-13;
              expect(maxRelDiff(got, expected, p === 'f32' ? 1e-35 : 1e-300), `n=${n} cols=${cols} threads=${threads}`).toBeLessThanOrEqual(bound);
            }
          }
        }
      });
    }
  }

  it('a long row split across threads follows the sync rules for NaN and ±∞', async () => {
    const n = 300_000;
    const cases: Array<[string, (x: FloatArray) => void]> = [
      ['a NaN in a late chunk', (x) => { x[n - 1] = NaN; }],
      ['+∞ in a late chunk', (x) => { x[250_000] = Infinity; }],
      ['−∞ before the finite values', (x) => { x.fill(-Infinity, 0, 100_000); }],
      ['all −∞', (x) => { x.fill(-Infinity); }],
      ['−∞ and +∞', (x) => { x[5] = -Infinity; x[200_000] = Infinity; }],
    ];
    for (const p of PRECISIONS) {
      for (const [what, edit] of cases) {
        const x = alloc(p, n);
        for (let i = 0; i < n; i++) x[i] = Math.sin(i * 0.37) * 20;
        edit(x);
        const floor = p === 'f32' ? 1e-35 : 1e-300;
        const bound = p === 'f32' ? 2e-5 : 2e-13;
        for (const name of ['softmax', 'logSoftmax', 'logSumExp'] as const) {
          const expected = api[name](x, { cols: n });
          const got = await api[`${name}Async`]!(x, { cols: n, threads: 2 });
          expect(maxRelDiff(got, expected, floor), `${p} ${name}: ${what}`).toBeLessThanOrEqual(bound);
        }
        // Backward: y from the forward pass, dy with the same special values.
        const y = api.softmax(x.map((v) => (Number.isFinite(v) ? v : 0)) as FloatArray, { cols: n });
        for (const name of ['softmaxBackward', 'logSoftmaxBackward'] as const) {
          const expected = api[name](y, x, { cols: n });
          const got = await api[`${name}Async`]!(y, x, { cols: n, threads: 2 });
          expect(maxRelDiff(got, expected, floor), `${p} ${name}: ${what} in dy`).toBeLessThanOrEqual(bound);
        }
      }
    }
  });

  it('a long float32 row with a temperature outside float32\'s range, split across threads, equals the sync result', async () => {
    const n = 300_000;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 3e38);
    for (const temperature of [1e39, 1e-40]) {
      for (const name of ['softmax', 'logSoftmax'] as const) {
        const expected = api[name](x, { cols: n, temperature });
        const got = await api[`${name}Async`]!(x, { cols: n, temperature, threads: 2 });
        expect(maxRelDiff(got, expected, 1e-35), `${name} t=${temperature}`).toBeLessThanOrEqual(2e-5);
      }
    }
  });

  it('writes into out and works in place', async () => {
    const x = Float32Array.from({ length: 200_000 }, (_, i) => Math.sin(i) * 30);
    const expected = sx.softmax(x, { cols: 1000 });
    const out = new Float32Array(x.length);
    expect(await sx.softmaxAsync(x, { cols: 1000, out })).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(expected));
    const y = x.slice();
    expect(await sx.softmaxAsync(y, { cols: 1000, out: y })).toBe(y);
    expect(Array.from(y)).toEqual(Array.from(expected));
    const s = x.slice();
    expect(await sx.sigmoidAsync(s, s, { threads: 2 })).toBe(s);
    expect(Array.from(s)).toEqual(Array.from(sx.sigmoid(x)));
    // One long row in place, split across threads (the parallel reduction, then the last pass).
    for (const name of ['softmax', 'logSoftmax'] as const) {
      const row = x.slice();
      expect(await api[`${name}Async`]!(row, { out: row, threads: 2, temperature: 0.7 })).toBe(row);
      expect(maxRelDiff(row, api[name](x, { temperature: 0.7 }), 1e-35), name).toBeLessThanOrEqual(2e-5);
    }
    const yRow = sx.softmax(x);
    for (const name of ['softmaxBackward', 'logSoftmaxBackward'] as const) {
      const dy = x.map((v) => v * 0.01);
      expect(await api[`${name}Async`]!(yRow, dy, { out: dy, threads: 2 })).toBe(dy);
      expect(maxRelDiff(dy, api[name](yRow, x.map((v) => v * 0.01)), 1e-35), name).toBeLessThanOrEqual(2e-5);
    }
  });

  it('handles empty inputs and SharedArrayBuffer-backed arrays', async () => {
    for (const p of PRECISIONS) {
      const empty = alloc(p, 0);
      expect((await sx.sigmoidAsync(empty)).length).toBe(0);
      expect((await sx.softmaxAsync(empty)).length).toBe(0);
      expect((await sx.logSumExpAsync(empty, { cols: 0 })).length).toBe(0);
      expect((await sx.softmaxJacobianAsync(empty)).length).toBe(0);
    }
    const shared = new Float64Array(new SharedArrayBuffer(8 * 100_000)).map((_, i) => Math.cos(i));
    expect(Array.from(await sx.logSoftmaxAsync(shared, { cols: 100 }))).toEqual(Array.from(sx.logSoftmax(shared, { cols: 100 })));
  });
});

describe('async errors', () => {
  it('validation errors reject (never throw synchronously) and leave out untouched', async () => {
    const out = new Float32Array(4);
    fillSentinel(out.buffer, 'f32');
    const cases: Array<[() => Promise<unknown>, ErrorConstructor, RegExp]> = [
      [() => sx.sigmoidAsync([1, 2] as never), TypeError, /x/],
      [() => sx.sigmoidAsync(new Float32Array(4), new Float64Array(4) as never), TypeError, /out/],
      [() => sx.softmaxAsync(new Float32Array(6), { cols: 4, out: out as never }), RangeError, /cols/],
      [() => sx.softmaxAsync(new Float32Array(4), { temperature: 0, out }), RangeError, /temperature/],
      [() => sx.sigmoidAsync(new Float32Array(4), out, { threads: 0 }), RangeError, /threads/],
      [() => sx.sigmoidAsync(new Float32Array(4), out, { threads: 1.5 }), RangeError, /threads/],
      [() => sx.sigmoidAsync(new Float32Array(4), out, { threads: '2' as never }), TypeError, /threads/],
      [() => sx.softmaxAsync(new Float32Array(4), { out, signal: {} as never }), TypeError, /signal/],
      [() => sx.sigmoidAsync(new Float32Array(4), out, 5 as never), TypeError, /options/],
      [() => sx.softmaxBackwardAsync(new Float32Array(4), new Float32Array(3), { out }), RangeError, /dy/],
      [() => sx.softmaxJacobianAsync(new Float32Array(2), { out: new Float32Array(3) }), RangeError, /out/],
    ];
    for (const [call, type, message] of cases) {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = call())).not.toThrow();
      await expect(promise).rejects.toThrow(type);
      await expect(promise).rejects.toThrow(message);
      expect(isAllSentinel(out)).toBe(true);
    }
  });

  it('setThreads validates and getThreads reports the default', () => {
    const before = sx.getThreads();
    expect(Number.isInteger(before) && before >= 1).toBe(true);
    expect(() => sx.setThreads(0)).toThrow(RangeError);
    expect(() => sx.setThreads('3' as never)).toThrow(TypeError);
    sx.setThreads(1);
    expect(sx.getThreads()).toBe(1);
    sx.setThreads(before);
    expect(sx.getThreads()).toBe(before);
  });
});

describe('AbortSignal', () => {
  it('an already-aborted signal rejects with an AbortError at once, writing nothing', async () => {
    for (const f of FUNCTIONS) {
      const p: Precision = 'f32';
      const n = f.kind === 'jacobian' ? 8 : 64;
      const { x, dy } = f.data(p, n, 8, 3);
      const out = alloc(p, f.outLength(n, 8));
      fillSentinel(out.buffer, p);
      const controller = new AbortController();
      controller.abort();
      await expect(callAsync(f, x, dy, out, f.hasCols ? 8 : undefined, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
      expect(isAllSentinel(out), f.name).toBe(true);
    }
  });

  it('aborting mid-way stops at the next chunk boundary and rejects; the process stays healthy', async () => {
    // Natively 6·10^7 elements: a complete run takes tens of milliseconds on 2 threads, above what a
    // loaded host adds to the aborted call (the abort's event-loop turn, a thread's wake-up): with 3·10^7
    // a complete sigmoid ran in 14 ms and a busy host delivered the abort after 27 ms.
    const n = EMULATED ? 6_000_000 : 60_000_000; // under emulation, still seconds of work
    const x = new Float32Array(n).fill(0.5);
    const out = new Float32Array(n);
    for (const run of [
      (signal: AbortSignal) => sx.sigmoidAsync(x, out, { signal }),
      (signal: AbortSignal) => sx.softmaxAsync(x, { out, signal }), // one long row: the reduction protocol
    ]) {
      fillSentinel(out.buffer, 'f32');
      const started = performance.now();
      const controller = new AbortController();
      const promise = run(controller.signal);
      setImmediate(() => controller.abort(new Error('enough'))); // once the work has started
      const error = await promise.then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ name: 'AbortError' });
      expect((error as Error & { cause?: unknown }).cause).toMatchObject({ message: 'enough' });
      const abortedAfter = performance.now() - started;
      // The work stopped: part of out was never written.
      const bits = new Uint32Array(out.buffer);
      let untouched = 0;
      for (let i = 0; i < n; i++) if (bits[i] === SENTINEL_F32_BITS) untouched++;
      expect(untouched, 'elements of out left unwritten').toBeGreaterThan(0);
      // A complete run of the same work, for scale: the aborted one must have stopped well before.
      const t0 = performance.now();
      await run(new AbortController().signal);
      const complete = performance.now() - t0;
      expect(abortedAfter, `aborted after ${abortedAfter} ms, complete run ${complete} ms`).toBeLessThan(complete);
    }
    expect(Array.from(await sx.sigmoidAsync(Float32Array.of(0)))).toEqual([0.5]);
  });
  it('threads: 1 on one float32 row of 3·2^20 elements: aborted right after it starts, it rejects before the row is done', async () => {
    // Longer than a chunk (2^20 elements natively, 2^15 in pure TS): the row runs in parts even on one
    // thread, so the abort is seen at the next part, long before the last part of the row is written.
    // What "right after" allows is timing: an attempt counts when the abort came within 0.5 ms of the
    // call (a busy host may hold this thread longer); the first attempt that does is checked. Under
    // emulation 5 ms: the call itself takes longer to start there, and its parts as much longer.
    const soon = EMULATED ? 5 : 0.5;
    const n = 3 << 20;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 20);
    const out = new Float32Array(n);
    let checked = false;
    for (let attempt = 0; attempt < 10 && !checked; attempt++) {
      fillSentinel(out.buffer, 'f32');
      const controller = new AbortController();
      const started = performance.now();
      const promise = sx.softmaxAsync(x, { out, threads: 1, signal: controller.signal }); // the work has started
      controller.abort();
      const abortedAfter = performance.now() - started;
      await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
      if (abortedAfter >= soon) continue;
      expect(isAllSentinel(out.subarray(2 << 20)), 'the last 2^20 elements were never written').toBe(true);
      checked = true;
    }
    expect(checked, `an attempt aborted within ${soon} ms of the call`).toBe(true);
    // The same call runs to the end without the abort.
    const done = await sx.softmaxAsync(x, { out, threads: 1 });
    expect(maxRelDiff(done, sx.softmax(x), 1e-35)).toBeLessThanOrEqual(2e-5);
  });
});

describe('concurrency and the event loop', () => {
  it('200 concurrent calls all give the sync results', async () => {
    const inputs = Array.from({ length: 200 }, (_, i) => Float32Array.from({ length: 2000 + i }, (_, j) => Math.sin(i * 7919 + j) * 10));
    const results = await Promise.all(inputs.map((x, i) => (i % 2 === 0 ? sx.softmaxAsync(x) : sx.sigmoidAsync(x))));
    results.forEach((y, i) => {
      const x = inputs[i]!;
      expect(Array.from(y)).toEqual(Array.from(i % 2 === 0 ? sx.softmax(x) : sx.sigmoid(x)));
    });
  });

  it('the event loop keeps running while a large softmaxAsync works', async () => {
    // Under emulation a fifth of the input; and there a busy machine can hold the thread for a second
    // (seen: 1.2 s of a 3.8 s call), so the gap must only stay below half the call: a blocked loop
    // would show one gap as long as the whole call.
    const x = Float32Array.from({ length: EMULATED ? 4_000_000 : 20_000_000 }, (_, i) => (i % 1000) / 100);
    let last = performance.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 1);
    const started = performance.now();
    await sx.softmaxAsync(x);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // The benchmark holds the 20 ms target on a quiet machine; a shared CI machine gets slack.
    expect(maxGap, `max timer gap ${maxGap.toFixed(1)} ms over ${elapsed.toFixed(0)} ms`).toBeLessThan(EMULATED ? elapsed / 2 : 100);
    expect(ticks).toBeGreaterThan(0);
  });

  it('a Worker torn down with calls in flight (terminate() or its own exit) leaves the process healthy', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const code = `
      const sx = require(${JSON.stringify(root)});
      const { parentPort } = require('node:worker_threads');
      const x = new Float32Array(1 << 22).fill(1);
      for (let i = 0; i < 8; i++) sx.sigmoidAsync(x, undefined, { threads: 2 }).then(() => {});
      sx.softmaxAsync(x, { cols: 1024 }).then(() => {});
      parentPort.postMessage('started');
      if (process.env.SIGMAX_TEST_SELF_EXIT) setTimeout(() => process.exit(0), 1);
    `;
    for (let round = 0; round < (EMULATED ? 4 : 12); round++) { // a Worker takes ~1 s to start under emulation
      const selfExit = round % 2 === 1;
      const worker = new Worker(code, { eval: true, env: { ...process.env, ...(selfExit ? { SIGMAX_TEST_SELF_EXIT: '1' } : {}) } });
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await new Promise((resolve) => worker.once('message', resolve));
      if (!selfExit) {
        await new Promise((resolve) => setTimeout(resolve, round % 4));
        await worker.terminate();
      }
      await exited;
    }
    const x = Float32Array.from([0, 1, -1]);
    expect(Array.from(await sx.sigmoidAsync(x))).toEqual(Array.from(sx.sigmoid(x)));
  });

  it('a Worker torn down mid-call stops its calls at the next chunk instead of finishing them', async () => {
    // Native: the pool threads stop taking chunks once the Worker's environment closes. Pure TS: the
    // chunks run on the Worker's own event loop, which stops with it.
    const root = fileURLToPath(new URL('..', import.meta.url));
    // Shared memory, so that what the Worker's call wrote can be read after the Worker is gone.
    const n = 1 << 24; // about 40 ms of work on one thread: far longer than posting a message and terminating
    const x = new Float64Array(new SharedArrayBuffer(8 * n)).fill(0.5);
    const out = new Float64Array(new SharedArrayBuffer(8 * n));
    fillSentinel(out.buffer, 'f64');
    const code = `
      const sx = require(${JSON.stringify(root)});
      const { parentPort, workerData: { x, out } } = require('node:worker_threads');
      sx.softmaxAsync(x, { cols: 1024, out, threads: 1 }).then(() => {});
      parentPort.postMessage('started');
    `;
    const worker = new Worker(code, { eval: true, workerData: { x, out } });
    await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    const bits = new BigUint64Array(out.buffer);
    let untouched = 0;
    for (let i = 0; i < n; i++) if (bits[i] === SENTINEL_F64_BITS) untouched++;
    expect(untouched, 'elements of out never written').toBeGreaterThan(0);
  });
});
