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
 * The computing core behind the public API: plain functions over validated arguments.
 * Both the native addon and the pure-TypeScript implementation provide one.
 * Arguments are already checked: matching types, lengths, `cols` dividing `x.length`, no partial overlap.
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
  /** Rows [firstRow, firstRow + out.length / y.length) of the Jacobian of y, written to out. */
  softmaxJacobian(y: FloatArray, out: FloatArray, firstRow: number): void;
}

/**
 * Pieces of one row, so that a long row can be split across threads and recombined: the row-wise
 * kernels are these, composed. Sums are returned as float64 numbers.
 */
export interface RowPieces {
  /** max over x (a NaN in x may or may not make it NaN; the exp-sum then is NaN). x is not empty. */
  rowMax(x: FloatArray): number;
  /** Σ e^((x_i − m)/t), storing each term in y unless y is null. */
  expSum(x: FloatArray, y: FloatArray | null, m: number, temperature: number): number;
  /** y ·= s */
  scale(y: FloatArray, s: number): void;
  /** y_i = (x_i − m)/t − logSum */
  logSoftmaxFinish(x: FloatArray, y: FloatArray, m: number, temperature: number, logSum: number): void;
  dot(a: FloatArray, b: FloatArray): number;
  sum(a: FloatArray): number;
  /** dx_i = y_i·(dy_i − dot) */
  softmaxBackwardFinish(y: FloatArray, dy: FloatArray, dx: FloatArray, dot: number): void;
  /** dx_i = dy_i − e^(y_i)·total */
  logSoftmaxBackwardFinish(y: FloatArray, dy: FloatArray, dx: FloatArray, total: number): void;
}

/** A backend's whole computing core. */
export type Core = Kernels & RowPieces;
