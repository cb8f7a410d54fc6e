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
export interface Kernels {
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
}
