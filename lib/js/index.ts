// sigmax/js: the pure-TypeScript implementation of the sigmax API (no native code, browser-safe).
import { makeApi } from '../api.js';
import type { Backend } from '../types.js';
import { jsKernels } from './kernels.js';

export type { Api } from '../api.js';
export type { Backend, FloatArray, IsaName, RowOptions, TemperatureOptions } from '../types.js';

export const backend: Backend = Object.freeze({ kind: 'js', isa: 'js', isas: Object.freeze([]) as unknown as Backend['isas'] });

const api = makeApi(jsKernels);
export const sigmoid = api.sigmoid;
export const sigmoidDerivative = api.sigmoidDerivative;
export const sigmoidBackward = api.sigmoidBackward;
export const softmax = api.softmax;
export const logSoftmax = api.logSoftmax;
export const logSumExp = api.logSumExp;
export const softmaxBackward = api.softmaxBackward;
export const logSoftmaxBackward = api.logSoftmaxBackward;
export const softmaxJacobian = api.softmaxJacobian;
