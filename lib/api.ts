// The public synchronous API, built over one set of kernels: validate, allocate if needed, compute.
import type {
  ArgmaxOptions, CrossEntropyOptions, FloatArray, Implementation, Kernels, RowOptions, SampleOptions, TemperatureOptions, TopKOptions,
  TopKResult,
} from './types.js';
import {
  argmaxArgs, binaryArgs, crossEntropyArgs, elementwiseArgs, floatArraysOfOneType, jacobianArgs, rowArgs, rowBinaryArgs, sampleArgs,
  topKArgs,
} from './validate.js';

export interface Api {
  /** y = 1 / (1 + e^-x), element-wise. */
  sigmoid<T extends FloatArray>(x: T, out?: T): T;
  /** σ(x)·(1 − σ(x)), element-wise, from x. */
  sigmoidDerivative<T extends FloatArray>(x: T, out?: T): T;
  /** dx = dy · y · (1 − y), where y = sigmoid(x). */
  sigmoidBackward<T extends FloatArray>(y: T, dy: T, out?: T): T;
  /** Row-wise softmax of x / temperature (rows of `cols` elements), stable against overflow. */
  softmax<T extends FloatArray>(x: T, options?: TemperatureOptions<T>): T;
  /** Row-wise log-softmax of x / temperature. */
  logSoftmax<T extends FloatArray>(x: T, options?: TemperatureOptions<T>): T;
  /** One value per row: log Σ e^x. */
  logSumExp<T extends FloatArray>(x: T, options?: RowOptions<T>): T;
  /** Per row: dx = y ⊙ (dy − ⟨dy, y⟩), where y is a softmax output. */
  softmaxBackward<T extends FloatArray>(y: T, dy: T, options?: RowOptions<T>): T;
  /** Per row: dx = dy − e^y · Σ dy, where y is a logSoftmax output. */
  logSoftmaxBackward<T extends FloatArray>(y: T, dy: T, options?: RowOptions<T>): T;
  /** The k×k Jacobian J_ij = y_i(δ_ij − y_j) of one softmax output row y (row-major). */
  softmaxJacobian<T extends FloatArray>(y: T, options?: { out?: T }): T;
  /** Per row: the index of the largest element (ties: the lowest index; a NaN: the first NaN). */
  argmax(x: FloatArray, options?: ArgmaxOptions): Int32Array;
  /** Per row: the k largest entries, best first, with softmax(x/t), logSoftmax(x/t) or x at them. */
  topK<T extends FloatArray>(x: T, k: number, options?: TopKOptions<T>): TopKResult<T>;
  /** Per row: −log softmax(x/t)[target], without forming the softmax row. */
  crossEntropy<T extends FloatArray>(x: T, target: Int32Array | Uint32Array, options?: CrossEntropyOptions<T>): T;
  /** Per row: an index drawn from softmax(x/t) after the topK, topP and minP filters (−1 for a row that is not finite). */
  sample(x: FloatArray, options?: SampleOptions): Int32Array;
}

export function makeApi({ kernels: k, checksOverlap, checksArrays }: Implementation): Api {
  const overlap = !checksOverlap;
  /**
   * sigmoid or sigmoidDerivative; with `out` given, kernels that check their arrays' lengths and element
   * sizes run with only the type check here.
   */
  function elementwise<T extends FloatArray>(kernel: Kernels['sigmoid'], x: T, out: T | undefined): T {
    if (checksArrays && out !== undefined && floatArraysOfOneType(x, out)) {
      try {
        kernel(x, out);
        return out;
      } catch (error) {
        elementwiseArgs(x, out, overlap); // the error naming the argument
        throw error;
      }
    }
    const a = elementwiseArgs(x, out, overlap);
    if (a.x.length > 0) kernel(a.x, a.out);
    return a.out as T;
  }
  return {
    sigmoid(x, out) {
      return elementwise(k.sigmoid, x, out);
    },
    sigmoidDerivative(x, out) {
      return elementwise(k.sigmoidDerivative, x, out);
    },
    sigmoidBackward(y, dy, out) {
      if (checksArrays && out !== undefined && floatArraysOfOneType(y, dy, out)) {
        try {
          k.sigmoidBackward(y, dy, out);
          return out;
        } catch (error) {
          binaryArgs(y, dy, out, overlap); // the error naming the argument
          throw error;
        }
      }
      const a = binaryArgs(y, dy, out, overlap);
      if (a.y.length > 0) k.sigmoidBackward(a.y, a.dy, a.out);
      return a.out as typeof y;
    },
    softmax(x, options) {
      const a = rowArgs(x, options, 'rows', true, overlap);
      if (a.x.length > 0) k.softmax(a.x, a.out, a.cols, a.temperature);
      return a.out as typeof x;
    },
    logSoftmax(x, options) {
      const a = rowArgs(x, options, 'rows', true, overlap);
      if (a.x.length > 0) k.logSoftmax(a.x, a.out, a.cols, a.temperature);
      return a.out as typeof x;
    },
    logSumExp(x, options) {
      const a = rowArgs(x, options, 'perRow', false, overlap);
      if (a.x.length > 0) k.logSumExp(a.x, a.out, a.cols);
      return a.out as typeof x;
    },
    softmaxBackward(y, dy, options) {
      const a = rowBinaryArgs(y, dy, options, overlap);
      if (a.y.length > 0) k.softmaxBackward(a.y, a.dy, a.out, a.cols);
      return a.out as typeof y;
    },
    logSoftmaxBackward(y, dy, options) {
      const a = rowBinaryArgs(y, dy, options, overlap);
      if (a.y.length > 0) k.logSoftmaxBackward(a.y, a.dy, a.out, a.cols);
      return a.out as typeof y;
    },
    softmaxJacobian(y, options) {
      const a = jacobianArgs(y, options, overlap);
      if (a.x.length > 0) k.softmaxJacobian(a.x, a.out);
      return a.out as typeof y;
    },
    argmax(x, options) {
      const a = argmaxArgs(x, options);
      if (a.x.length > 0) k.argmax(a.x, a.out, a.cols);
      return a.out;
    },
    topK(x, kk, options) {
      const a = topKArgs(x, kk, options);
      if (a.x.length > 0) k.topK(a.x, a.indices, a.values, a.cols, a.k, a.temperature, a.valuesKind);
      return { indices: a.indices, values: a.values as typeof x };
    },
    crossEntropy(x, target, options) {
      const a = crossEntropyArgs(x, target, options, !checksArrays);
      if (a.x.length === 0) return a.out as typeof x;
      try {
        k.crossEntropy(a.x, a.target, a.out, a.cols, a.temperature, a.ignoreIndex);
      } catch (error) {
        if (checksArrays) crossEntropyArgs(x, target, options); // the error naming the target
        throw error;
      }
      return a.out as typeof x;
    },
    sample(x, options) {
      const a = sampleArgs(x, options);
      if (a.x.length > 0) k.sample(a.x, a.u, a.out, a.cols, a.temperature, a.topK, a.topP, a.minP);
      return a.out;
    },
  };
}
