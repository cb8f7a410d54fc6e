// The …Async twins of the API: the validation of the sync functions, then the whole call handed to the
// backend's scheduler, which owns splitting, chunking and abort (native: lib/native.ts, one addon call
// run on its pool threads; pure TS: lib/js/schedule.ts, chunks between turns of the event loop).
import type {
  ArgmaxOptions, CrossEntropyOptions, FloatArray, Implementation, KernelName, Kernels, RowOptions, SampleOptions, TemperatureOptions,
  TopKOptions, TopKResult,
} from './types.js';
import {
  argmaxArgs, binaryArgs, checkOptions, crossEntropyArgs, elementwiseArgs, jacobianArgs, rowArgs, rowBinaryArgs, sampleArgs,
  topKArgs,
} from './validate.js';

export interface AsyncOptions {
  /** Aborting rejects the promise with an AbortError at the next chunk boundary. */
  signal?: AbortSignal;
  /** At most this many threads for this call (default: `getThreads()`). */
  threads?: number;
}

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
  argmaxAsync(x: FloatArray, options?: ArgmaxOptions & AsyncOptions): Promise<Int32Array>;
  topKAsync<T extends FloatArray>(x: T, k: number, options?: TopKOptions<T> & AsyncOptions): Promise<TopKResult<T>>;
  crossEntropyAsync<T extends FloatArray>(x: T, target: Int32Array | Uint32Array, options?: CrossEntropyOptions<T> & AsyncOptions): Promise<T>;
  /** The draws are taken on the calling thread, before the promise is returned. */
  sampleAsync(x: FloatArray, options?: SampleOptions & AsyncOptions): Promise<Int32Array>;
  /** Sets the default thread count of the async functions (a positive integer). */
  setThreads(threads: number): void;
  /** The default thread count of the async functions. */
  getThreads(): number;
}

function checkThreads(threads: unknown): number {
  if (typeof threads !== 'number') throw new TypeError(`sigmax: threads must be a number, got ${typeof threads}`);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`sigmax: threads must be a positive integer, got ${threads}`);
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
  // DOMException's options bag ({ name, cause }) is Node's: browsers take the name alone.
  const error = new DOMException('sigmax: the operation was aborted', 'AbortError');
  Object.defineProperty(error, 'cause', { value: signal.reason, writable: true, configurable: true });
  return error;
}

export function makeAsyncApi({ scheduler, checksOverlap }: Implementation): AsyncApi {
  const overlap = !checksOverlap;
  let defaultThreads = scheduler.defaultThreads;

  /** Checks the async options, hands `name(...args)` to the scheduler, and resolves with `out`. */
  async function run<K extends KernelName, T extends FloatArray>(name: K, args: Parameters<Kernels[K]>, out: FloatArray, options: unknown): Promise<T> {
    const o = checkOptions(options);
    const signal = checkSignal(o.signal);
    const threads = o.threads === undefined ? defaultThreads : checkThreads(o.threads);
    if (signal?.aborted) throw abortError(signal);
    if (args[0].length > 0) await scheduler.run(name, args, threads, signal);
    if (signal?.aborted) throw abortError(signal);
    return out as T;
  }

  return {
    async sigmoidAsync(x, out, options) {
      const a = elementwiseArgs(x, out, overlap);
      return run('sigmoid', [a.x, a.out], a.out, options);
    },
    async sigmoidDerivativeAsync(x, out, options) {
      const a = elementwiseArgs(x, out, overlap);
      return run('sigmoidDerivative', [a.x, a.out], a.out, options);
    },
    async sigmoidBackwardAsync(y, dy, out, options) {
      const a = binaryArgs(y, dy, out, overlap);
      return run('sigmoidBackward', [a.y, a.dy, a.out], a.out, options);
    },
    async softmaxAsync(x, options) {
      const a = rowArgs(x, options, 'rows', true, overlap);
      return run('softmax', [a.x, a.out, a.cols, a.temperature], a.out, options);
    },
    async logSoftmaxAsync(x, options) {
      const a = rowArgs(x, options, 'rows', true, overlap);
      return run('logSoftmax', [a.x, a.out, a.cols, a.temperature], a.out, options);
    },
    async logSumExpAsync(x, options) {
      const a = rowArgs(x, options, 'perRow', false, overlap);
      return run('logSumExp', [a.x, a.out, a.cols], a.out, options);
    },
    async softmaxBackwardAsync(y, dy, options) {
      const a = rowBinaryArgs(y, dy, options, overlap);
      return run('softmaxBackward', [a.y, a.dy, a.out, a.cols], a.out, options);
    },
    async logSoftmaxBackwardAsync(y, dy, options) {
      const a = rowBinaryArgs(y, dy, options, overlap);
      return run('logSoftmaxBackward', [a.y, a.dy, a.out, a.cols], a.out, options);
    },
    async softmaxJacobianAsync(y, options) {
      const a = jacobianArgs(y, options, overlap);
      return run('softmaxJacobian', [a.x, a.out], a.out, options);
    },
    async argmaxAsync(x, options) {
      const a = argmaxArgs(x, options);
      await run('argmax', [a.x, a.out, a.cols], a.x, options);
      return a.out;
    },
    async topKAsync(x, k, options) {
      const a = topKArgs(x, k, options);
      await run('topK', [a.x, a.indices, a.values, a.cols, a.k, a.temperature, a.valuesKind], a.values, options);
      return { indices: a.indices, values: a.values as typeof x };
    },
    async crossEntropyAsync(x, target, options) {
      const a = crossEntropyArgs(x, target, options);
      return run('crossEntropy', [a.x, a.target, a.out, a.cols, a.temperature, a.ignoreIndex], a.out, options);
    },
    async sampleAsync(x, options) {
      const a = sampleArgs(x, options);
      await run('sample', [a.x, a.u, a.out, a.cols, a.temperature, a.topK, a.topP, a.minP], a.x, options);
      return a.out;
    },
    setThreads(threads) {
      defaultThreads = checkThreads(threads);
    },
    getThreads: () => defaultThreads,
  };
}
