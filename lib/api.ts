// The public synchronous API, built over one set of kernels: validate, allocate if needed, compute.
import type { FloatArray, Implementation, RowOptions, TemperatureOptions } from './types.js';
import { binaryArgs, elementwiseArgs, jacobianArgs, rowArgs, rowBinaryArgs } from './validate.js';

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
}

export function makeApi({ kernels: k, checksOverlap }: Implementation): Api {
  const overlap = !checksOverlap;
  return {
    sigmoid(x, out) {
      const a = elementwiseArgs(x, out, overlap);
      if (a.x.length > 0) k.sigmoid(a.x, a.out);
      return a.out as typeof x;
    },
    sigmoidDerivative(x, out) {
      const a = elementwiseArgs(x, out, overlap);
      if (a.x.length > 0) k.sigmoidDerivative(a.x, a.out);
      return a.out as typeof x;
    },
    sigmoidBackward(y, dy, out) {
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
  };
}
