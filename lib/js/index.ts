// sigmax/js: the pure-TypeScript implementation of the sigmax API (no native code, browser-safe).
import { makeApi } from '../api.js';
import { makeAsyncApi } from '../async.js';
import type { Backend } from '../types.js';
import { jsBackend } from './backend.js';

export type { Api } from '../api.js';
export type { AsyncApi, AsyncOptions } from '../async.js';
export type {
  ArgmaxOptions, Backend, CrossEntropyOptions, FloatArray, IsaName, RowOptions, SampleOptions, TemperatureOptions, TopKOptions,
  TopKResult, TopKValues,
} from '../types.js';

export const backend: Backend = Object.freeze({ kind: 'js', isa: 'js', isas: Object.freeze([]) as unknown as Backend['isas'] });

export const { sigmoid, sigmoidDerivative, sigmoidBackward, softmax, logSoftmax, logSumExp, softmaxBackward,
  logSoftmaxBackward, softmaxJacobian, argmax, topK, crossEntropy, sample } = makeApi(jsBackend);

export const { sigmoidAsync, sigmoidDerivativeAsync, sigmoidBackwardAsync, softmaxAsync, logSoftmaxAsync,
  logSumExpAsync, softmaxBackwardAsync, logSoftmaxBackwardAsync, softmaxJacobianAsync, argmaxAsync, topKAsync,
  crossEntropyAsync, sampleAsync, setThreads,
  getThreads } = makeAsyncApi(jsBackend);
