/** The two element types sigmax computes in. Every function returns the type it was given. */
export type FloatArray = Float32Array | Float64Array;

/** Options of the row-wise functions that read one input (`softmax`, `logSoftmax`). */
export interface RowOptions<T extends FloatArray> {
  /** Row length; `x.length` must be a multiple of it. Default: `x.length` (one row). */
  cols?: number;
  /** Where to write the result; same type and length as the input, may be the input itself. */
  out?: T;
}

export interface TemperatureOptions<T extends FloatArray> extends RowOptions<T> {
  /** Divide every logit by this finite, positive number first. Default 1. */
  temperature?: number;
}

export type IsaName = 'avx512' | 'avx2' | 'sse2' | 'neon' | 'scalar';

export interface Backend {
  /** `native`: the C++ addon runs; `js`: the pure-TypeScript implementation runs. */
  kind: 'native' | 'js';
  /** The instruction set the native kernels use (`js` for the pure-TypeScript backend). */
  isa: IsaName | 'js';
  /** What this CPU and build offer, best first (empty for the pure-TypeScript backend). */
  isas: IsaName[];
}

/**
 * The kernels behind the public API, one set per backend: plain functions over validated arguments
 * (matching types and lengths, `cols` dividing `x.length`, no partial overlap, nothing empty).
 */
export interface Kernels extends LogitsKernels {
  sigmoid(x: FloatArray, out: FloatArray): void;
  sigmoidDerivative(x: FloatArray, out: FloatArray): void;
  sigmoidBackward(y: FloatArray, dy: FloatArray, out: FloatArray): void;
  softmax(x: FloatArray, out: FloatArray, cols: number, temperature: number): void;
  logSoftmax(x: FloatArray, out: FloatArray, cols: number, temperature: number): void;
  logSumExp(x: FloatArray, out: FloatArray, cols: number): void;
  softmaxBackward(y: FloatArray, dy: FloatArray, out: FloatArray, cols: number): void;
  logSoftmaxBackward(y: FloatArray, dy: FloatArray, out: FloatArray, cols: number): void;
  softmaxJacobian(y: FloatArray, out: FloatArray): void;
}

export type KernelName = keyof Kernels;

/** How a backend runs async calls. */
export interface Scheduler {
  /**
   * Runs `kernels[name](...args)` (arguments validated, nothing empty) on up to `threads` threads, in
   * chunks; once `signal` aborts it stops taking chunks and settles (the caller then rejects).
   */
  run<K extends KernelName>(name: K, args: Parameters<Kernels[K]>, threads: number, signal: AbortSignal | undefined): Promise<void>;
  /** Default for `threads`. */
  defaultThreads: number;
}

/** One backend: its kernels (the sync API), its scheduler (the async API), and what it is. */
export interface Implementation {
  kernels: Kernels;
  scheduler: Scheduler;
  backend: Backend;
  /**
   * Whether the kernels and the scheduler reject an `out` that overlaps an input other than exactly
   * themselves, with the message lib/validate.ts would give, before writing anything.
   */
  checksOverlap: boolean;
  /**
   * Whether the sync element-wise kernels themselves reject arrays of another element size or length,
   * and crossEntropy a target out of range (with an error of their own, before writing anything): then
   * those checks of lib/validate.ts are skipped on the hot path (which checks only that the arrays are
   * float arrays of one type) and run only after such an error, to throw the message they give.
   */
  checksArrays: boolean;
}

/** What `topK` reports at the chosen indices: softmax(x/t), logSoftmax(x/t), or x itself. */
export type TopKValues = 'probs' | 'logprobs' | 'logits';

export interface ArgmaxOptions {
  /** Row length; `x.length` must be a multiple of it. Default: `x.length` (one row). */
  cols?: number;
  /** Where to write the result: one index per row. */
  out?: Int32Array;
}

export interface TopKResult<T extends FloatArray> {
  /** rows·k indices, each row's best first. */
  indices: Int32Array;
  /** rows·k values at those indices (see `TopKOptions.values`). */
  values: T;
}

export interface TopKOptions<T extends FloatArray> {
  cols?: number;
  /** Divide every logit by this finite, positive number for 'probs' and 'logprobs'. Default 1. */
  temperature?: number;
  /** Default 'probs': softmax(x/t) over the whole row, at the chosen indices. */
  values?: TopKValues;
  /** Where to write the result; both arrays required, of length rows·k. */
  out?: TopKResult<T>;
}

export interface CrossEntropyOptions<T extends FloatArray> {
  cols?: number;
  temperature?: number;
  /** A row whose target equals this gives 0 and is exempt from the range check. */
  ignoreIndex?: number;
  /** One value per row. */
  out?: T;
}

export interface SampleOptions {
  cols?: number;
  temperature?: number;
  /** Keep only the topK most probable indices (0: off; more than cols means cols). Default 0. */
  topK?: number;
  /** Keep the shortest most-probable prefix holding this share of the probability, in (0, 1]. Default 1. */
  topP?: number;
  /** Drop the indices less probable than minP times the most probable one, in [0, 1]. Default 0. */
  minP?: number;
  /** Uniform draws in [0, 1), one per row, taken in row order before any computation. Default Math.random. */
  random?: () => number;
  /** One index per row. */
  out?: Int32Array;
}

/** The logits toolkit's kernels, over validated arguments (nothing empty; per-row arrays fit). */
export interface LogitsKernels {
  /** out[r]: the index of row r's largest element (ties: lowest; a NaN: the first NaN). */
  argmax(x: FloatArray, out: Int32Array, cols: number): void;
  /** values: 0 probs, 1 logprobs, 2 logits. indices and values: k per row. */
  topK(x: FloatArray, indices: Int32Array, values: FloatArray, cols: number, k: number, temperature: number, valuesKind: number): void;
  /** ignoreIndex: NaN when none. */
  crossEntropy(x: FloatArray, target: Int32Array | Uint32Array, out: FloatArray, cols: number, temperature: number, ignoreIndex: number): void;
  /** u: one draw per row; topK 0 off (≤ cols), topP 1 off, minP 0 off. */
  sample(x: FloatArray, u: Float64Array, out: Int32Array, cols: number, temperature: number, topK: number, topP: number, minP: number): void;
}
