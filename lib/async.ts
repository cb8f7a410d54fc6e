// The …Async twins of the API: the same validation, then the work run off the JavaScript thread (native:
// one call that the addon cuts into chunks for its pool threads) or cut into calls that run between
// turns of the event loop (pure TS).
// Large inputs are split across `threads` concurrent chains of calls: element-wise ops by range,
// row-wise ops by whole rows, and a few long rows by a parallel max/sum reduction followed by a
// parallel finishing pass. Element-wise results are bit-for-bit those of the sync API.
import type { Api } from './api.js';
import { Sum } from './js/kernels.js';
import type { Core, FloatArray, RowOptions, TemperatureOptions } from './types.js';
import { binaryArgs, checkOptions, elementwiseArgs, jacobianArgs, rowArgs, rowBinaryArgs } from './validate.js';

/** How one backend runs a single core call asynchronously. */
export interface Executor {
  /** Runs `core[name](...args)` and resolves with its result. */
  call(name: keyof Core, args: unknown[]): Promise<unknown>;
  /**
   * Runs the whole of `core[name](...args)` (one that writes only into arrays), cut by the executor
   * itself into chunks for up to `threads` threads, and stops between chunks once `signal` aborts.
   * Undefined when the executor has no such call or cannot take this one: lib/async.ts then cuts the
   * work into separate calls.
   */
  callSplit?(name: keyof Core, args: unknown[], threads: number, signal: AbortSignal | undefined): Promise<unknown> | undefined;
  /**
   * The same for one long row of `kind`, whose reduction and last pass the executor runs in parallel
   * itself. Arguments: (x, y, t) for softmax and logSoftmax, (x, out) with one element of out for
   * logSumExp, (y, dy, dx) for the backward passes.
   */
  callRow?(kind: RowKind, args: unknown[], threads: number, signal: AbortSignal | undefined): Promise<unknown> | undefined;
  /** Elements per call at most: bounds the delay of an abort and, for pure TS, each event-loop stall. */
  chunkElements: number;
  /** Whether concurrent calls run in parallel (native) or interleave on one thread (pure TS). */
  parallel: boolean;
  /** Default for `threads`. */
  defaultThreads: number;
}

export interface AsyncOptions {
  /** Aborting rejects the promise with an AbortError at the next chunk boundary. */
  signal?: AbortSignal;
  /** At most this many threads for this call (default: `getThreads()`). */
  threads?: number;
}

/**
 * Below this many elements per thread, splitting costs more than it gains. bench/async.js part (d) on a
 * 2-core VM: two half calls beat one call from 2^15 per thread (1.1–1.47× at 64K elements, 1.26–1.66×
 * at 128K, three runs), not at 2^14 (0.97–1.17×).
 */
export const MIN_ELEMENTS_PER_THREAD = 1 << 15;

export interface AsyncApi {
  sigmoidAsync<T extends FloatArray>(x: T, out?: T, options?: AsyncOptions): Promise<T>;
  sigmoidDerivativeAsync<T extends FloatArray>(x: T, out?: T, options?: AsyncOptions): Promise<T>;
  sigmoidBackwardAsync<T extends FloatArray>(y: T, dy: T, out?: T, options?: AsyncOptions): Promise<T>;
  softmaxAsync<T extends FloatArray>(x: T, options?: TemperatureOptions<T> & AsyncOptions): Promise<T>;
  logSoftmaxAsync<T extends FloatArray>(x: T, options?: TemperatureOptions<T> & AsyncOptions): Promise<T>;
  logSumExpAsync<T extends FloatArray>(x: T, options?: RowOptions<T> & AsyncOptions): Promise<T>;
  softmaxBackwardAsync<T extends FloatArray>(y: T, dy: T, options?: RowOptions<T> & AsyncOptions): Promise<T>;
  logSoftmaxBackwardAsync<T extends FloatArray>(y: T, dy: T, options?: RowOptions<T> & AsyncOptions): Promise<T>;
  softmaxJacobianAsync<T extends FloatArray>(y: T, options?: { out?: T } & AsyncOptions): Promise<T>;
  /** Sets the default thread count of the async functions (a positive integer). */
  setThreads(threads: number): void;
  /** The default thread count of the async functions. */
  getThreads(): number;
}

function checkThreads(threads: unknown, name: string): number {
  if (typeof threads !== 'number') throw new TypeError(`sigmax: ${name} must be a number, got ${typeof threads}`);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`sigmax: ${name} must be a positive integer, got ${threads}`);
  }
  return threads;
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  const s = signal as AbortSignal;
  if (typeof s !== 'object' || s === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw new TypeError('sigmax: signal must be an AbortSignal');
  }
  return s;
}

function abortError(signal: AbortSignal): Error {
  return new DOMException('sigmax: the operation was aborted', { name: 'AbortError', cause: signal.reason } as never);
}

export type RowKind = 'softmax' | 'logSoftmax' | 'logSumExp' | 'softmaxBackward' | 'logSoftmaxBackward';

/** A unit of work: one core call on views of the arrays. */
type Task = () => Promise<unknown>;

export function makeAsyncApi(ex: Executor): AsyncApi {
  let defaultThreads = ex.defaultThreads;

  /** Options common to all async functions; `options` is already known to be an object or undefined. */
  function asyncOptions(options: unknown): { signal: AbortSignal | undefined; threads: number } {
    const o = checkOptions(options);
    const signal = checkSignal(o.signal);
    const threads = o.threads === undefined ? defaultThreads : checkThreads(o.threads, 'threads');
    if (signal?.aborted) throw abortError(signal);
    return { signal, threads };
  }

  /** How many chains to run for `elements` of work: 1 for small work and for the pure-TS backend. */
  function chainsFor(elements: number, threads: number): number {
    if (!ex.parallel) return 1;
    return Math.max(1, Math.min(threads, Math.floor(elements / MIN_ELEMENTS_PER_THREAD)));
  }

  /**
   * How many tasks to cut `elements` of work into: enough that none exceeds a chunk, and a multiple of
   * `chains` so that every chain gets the same share (3 chunks on 2 chains would leave one idle a third
   * of the time).
   */
  function taskCount(elements: number, chains: number): number {
    return Math.ceil(Math.ceil(elements / ex.chunkElements) / chains) * chains;
  }

  /** Elements per task: equal shares of at most about a chunk (a multiple of 64). */
  function taskSize(elements: number, chains: number): number {
    return Math.max(64, Math.ceil(elements / taskCount(elements, chains) / 64) * 64);
  }

  /** Runs the tasks on `chains` concurrent chains; stops taking tasks once aborted, then rejects. */
  async function run(tasks: Task[], chains: number, signal: AbortSignal | undefined): Promise<unknown[]> {
    if (tasks.length === 1) {
      // The common small call: no chain machinery, one hand-off to the executor.
      const result = await tasks[0]!();
      if (signal?.aborted) throw abortError(signal);
      return [result];
    }
    const results: unknown[] = new Array(tasks.length);
    let next = 0;
    const chain = async (): Promise<void> => {
      while (next < tasks.length && !signal?.aborted) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    };
    await Promise.all(Array.from({ length: Math.min(chains, tasks.length) }, chain));
    if (signal?.aborted) throw abortError(signal);
    return results;
  }

  /**
   * Runs the whole call `name(...args)` on `chains` threads: as one call that the executor cuts into
   * chunks itself, or else as `tasks()` on `chains` chains of separate calls.
   */
  async function runWhole(name: keyof Core, args: unknown[], chains: number, signal: AbortSignal | undefined, tasks: () => Task[]) {
    const whole = ex.callSplit?.(name, args, chains, signal);
    if (whole) await settled(whole, signal);
    else await run(tasks(), chains, signal);
  }

  /** One long row by the executor's own protocol; false when it has none or cannot take this row. */
  async function runRow(kind: RowKind, args: unknown[], chains: number, signal: AbortSignal | undefined): Promise<boolean> {
    const whole = ex.callRow?.(kind, args, chains, signal);
    if (whole) await settled(whole, signal);
    return whole !== undefined;
  }

  /** Waits for a call that the executor runs whole; rejects if the signal aborted meanwhile. */
  async function settled(whole: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
    await whole;
    if (signal?.aborted) throw abortError(signal);
  }

  /** Tasks over [0, n) in pieces of `size` elements. */
  function ranges(n: number, size: number, task: (from: number, to: number) => Task): Task[] {
    const tasks: Task[] = [];
    for (let from = 0; from < n; from += size) tasks.push(task(from, Math.min(n, from + size)));
    return tasks;
  }

  async function elementwise(name: keyof Core, arrays: FloatArray[], out: FloatArray, options: unknown) {
    const { signal, threads } = asyncOptions(options);
    const n = out.length;
    const chains = chainsFor(n, threads);
    const call = (from: number, to: number): Task => () =>
      ex.call(name, [...arrays.map((a) => a.subarray(from, to)), out.subarray(from, to)]);
    await runWhole(name, [...arrays, out], chains, signal, () => ranges(n, taskSize(n, chains), call));
    return out;
  }

  /**
   * Row-wise work `name(...args)`: blocks of whole rows per task; or, for rows longer than a chunk or
   * fewer than the chains, one row at a time with `longRow` (a parallel reduction in chunk-sized parts).
   */
  async function rowwise(
    name: keyof Core,
    args: unknown[],
    n: number,
    cols: number,
    options: unknown,
    rowsTask: (firstRow: number, lastRow: number) => Task,
    longRow: (row: number, parts: Array<[number, number]>, chains: number, signal?: AbortSignal) => Promise<void>,
  ): Promise<void> {
    const { signal, threads } = asyncOptions(options);
    if (n === 0) return;
    const rows = n / cols;
    const chains = chainsFor(n, threads);
    if (cols <= ex.chunkElements && rows >= chains) {
      const rowsPerTask = Math.ceil(rows / Math.min(rows, taskCount(n, chains)));
      await runWhole(name, args, chains, signal, () => ranges(rows, rowsPerTask, rowsTask));
      return;
    }
    const size = taskSize(cols, chains);
    const parts: Array<[number, number]> = [];
    for (let from = 0; from < cols; from += size) parts.push([from, Math.min(cols, from + size)]);
    for (let row = 0; row < rows; row++) {
      if (signal?.aborted) throw abortError(signal);
      await longRow(row, parts, chains, signal);
    }
  }

  /** One task per part [from, to) of a long row: `name` called with the arguments `args(from, to)`. */
  const partTasks = (parts: Array<[number, number]>, name: keyof Core, args: (from: number, to: number) => unknown[]): Task[] =>
    parts.map(([from, to]) => () => ex.call(name, args(from, to)));

  /** Σ of the numbers, compensated. */
  const total = (values: unknown[]): number => {
    const s = new Sum();
    for (const v of values) s.add(v as number);
    return s.value;
  };
  /** max of the parts' maxima; NaN if any is NaN. */
  const maxOf = (values: unknown[]): number =>
    (values as number[]).reduce((m, v) => (v !== v || m !== m ? NaN : v > m ? v : m), -Infinity);

  /** The long-row protocol shared by softmax, logSoftmax and logSumExp. */
  function softmaxLike(kind: 'softmax' | 'logSoftmax' | 'logSumExp') {
    return async (x: FloatArray, out: FloatArray, cols: number, t: number, options: unknown) => {
      const rowsTask = (r0: number, r1: number): Task => () =>
        kind === 'logSumExp'
          ? ex.call(kind, [x.subarray(r0 * cols, r1 * cols), out.subarray(r0, r1), cols])
          : ex.call(kind, [x.subarray(r0 * cols, r1 * cols), out.subarray(r0 * cols, r1 * cols), cols, t]);
      const whole = kind === 'logSumExp' ? [x, out, cols] : [x, out, cols, t];
      await rowwise(kind, whole, x.length, cols, options, rowsTask, async (row, parts, chains, signal) => {
        const xr = x.subarray(row * cols, (row + 1) * cols);
        const yr = kind === 'logSumExp' ? null : out.subarray(row * cols, (row + 1) * cols);
        if (await runRow(kind, kind === 'logSumExp' ? [xr, out.subarray(row, row + 1)] : [xr, yr, t], chains, signal)) return;
        const each = (f: (from: number, to: number) => unknown[], name: keyof Core) => partTasks(parts, name, f);
        const m = maxOf(await run(each((a, b) => [xr.subarray(a, b)], 'rowMax'), chains, signal));
        if (!Number.isFinite(m)) {
          // NaN, all −∞ or some +∞: the whole-row kernel applies the special-value rules.
          await run([rowsTask(row, row + 1)], 1, signal);
          return;
        }
        const store = kind === 'softmax';
        const sums = await run(each((a, b) => [xr.subarray(a, b), store ? yr!.subarray(a, b) : null, m, t], 'expSum'), chains, signal);
        const s = total(sums);
        if (kind === 'logSumExp') {
          out[row] = m + Math.log(s);
        } else if (kind === 'softmax') {
          await run(each((a, b) => [yr!.subarray(a, b), 1 / s], 'scale'), chains, signal);
        } else {
          await run(each((a, b) => [xr.subarray(a, b), yr!.subarray(a, b), m, t, Math.log(s)], 'logSoftmaxFinish'), chains, signal);
        }
      });
      return out;
    };
  }

  function backwardLike(kind: 'softmaxBackward' | 'logSoftmaxBackward') {
    return async (y: FloatArray, dy: FloatArray, out: FloatArray, cols: number, options: unknown) => {
      const span = (a: FloatArray, r0: number, r1: number) => a.subarray(r0 * cols, r1 * cols);
      const rowsTask = (r0: number, r1: number): Task => () =>
        ex.call(kind, [span(y, r0, r1), span(dy, r0, r1), span(out, r0, r1), cols]);
      await rowwise(kind, [y, dy, out, cols], y.length, cols, options, rowsTask, async (row, parts, chains, signal) => {
        const [yr, dyr, dxr] = [y, dy, out].map((a) => span(a, row, row + 1)) as [FloatArray, FloatArray, FloatArray];
        if (await runRow(kind, [yr, dyr, dxr], chains, signal)) return;
        const each = (f: (from: number, to: number) => unknown[], name: keyof Core) => partTasks(parts, name, f);
        const reduce = kind === 'softmaxBackward'
          ? each((a, b) => [yr.subarray(a, b), dyr.subarray(a, b)], 'dot')
          : each((a, b) => [dyr.subarray(a, b)], 'sum');
        const c = total(await run(reduce, chains, signal));
        const finish = kind === 'softmaxBackward' ? 'softmaxBackwardFinish' : 'logSoftmaxBackwardFinish';
        await run(each((a, b) => [yr.subarray(a, b), dyr.subarray(a, b), dxr.subarray(a, b), c], finish), chains, signal);
      });
      return out;
    };
  }

  const softmax = softmaxLike('softmax');
  const logSoftmax = softmaxLike('logSoftmax');
  const logSumExp = softmaxLike('logSumExp');
  const softmaxBackward = backwardLike('softmaxBackward');
  const logSoftmaxBackward = backwardLike('logSoftmaxBackward');

  const api: AsyncApi = {
    async sigmoidAsync(x, out, options) {
      const a = elementwiseArgs(x, out);
      return (await elementwise('sigmoid', [a.x], a.out, options)) as typeof x;
    },
    async sigmoidDerivativeAsync(x, out, options) {
      const a = elementwiseArgs(x, out);
      return (await elementwise('sigmoidDerivative', [a.x], a.out, options)) as typeof x;
    },
    async sigmoidBackwardAsync(y, dy, out, options) {
      const a = binaryArgs(y, dy, out);
      return (await elementwise('sigmoidBackward', [a.y, a.dy], a.out, options)) as typeof y;
    },
    async softmaxAsync(x, options) {
      const a = rowArgs(x, options, 'rows', true);
      return (await softmax(a.x, a.out, a.cols, a.temperature, options)) as typeof x;
    },
    async logSoftmaxAsync(x, options) {
      const a = rowArgs(x, options, 'rows', true);
      return (await logSoftmax(a.x, a.out, a.cols, a.temperature, options)) as typeof x;
    },
    async logSumExpAsync(x, options) {
      const a = rowArgs(x, options, 'perRow', false);
      return (await logSumExp(a.x, a.out, a.cols, 1, options)) as typeof x;
    },
    async softmaxBackwardAsync(y, dy, options) {
      const a = rowBinaryArgs(y, dy, options);
      return (await softmaxBackward(a.y, a.dy, a.out, a.cols, options)) as typeof y;
    },
    async logSoftmaxBackwardAsync(y, dy, options) {
      const a = rowBinaryArgs(y, dy, options);
      return (await logSoftmaxBackward(a.y, a.dy, a.out, a.cols, options)) as typeof y;
    },
    async softmaxJacobianAsync(y, options) {
      const a = jacobianArgs(y, options);
      const { signal, threads } = asyncOptions(options);
      const k = a.x.length;
      if (k === 0) return a.out as typeof y;
      const chains = chainsFor(k * k, threads);
      const rowsPerTask = Math.ceil(k / Math.min(k, taskCount(k * k, chains)));
      const task = (r0: number, r1: number): Task => () => ex.call('softmaxJacobian', [a.x, a.out.subarray(r0 * k, r1 * k), r0]);
      await runWhole('softmaxJacobian', [a.x, a.out, 0], chains, signal, () => ranges(k, rowsPerTask, task));
      return a.out as typeof y;
    },
    setThreads(threads) {
      defaultThreads = checkThreads(threads, 'threads');
    },
    getThreads: () => defaultThreads,
  };
  return api;
}

/** Yields to the event loop (after pending I/O), then runs `f`. */
const nextTurn: (f: () => void) => void =
  typeof setImmediate === 'function' ? (f) => setImmediate(f) : (f) => setTimeout(f, 0);

/** The pure-TypeScript executor: each call runs on this thread after yielding to the event loop. */
export function jsExecutor(core: Core): Executor {
  return {
    call: (name, args) =>
      new Promise((resolve, reject) =>
        nextTurn(() => {
          try {
            resolve((core[name] as (...a: unknown[]) => unknown)(...args));
          } catch (err) {
            reject(err);
          }
        }),
      ),
    chunkElements: 1 << 15,
    parallel: false,
    defaultThreads: 1,
  };
}

export type { Api };
