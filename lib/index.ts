// sigmax: the native SIMD backend when the addon loads, the pure-TypeScript one otherwise.
// Environment overrides, read once here: SIGMAX_BACKEND=js|native, SIGMAX_ISA=scalar|sse2|avx2|avx512|neon.
import { makeApi } from './api.js';
import { makeAsyncApi } from './async.js';
import { jsBackend } from './js/backend.js';
import { loadNative } from './native.js';
import type { Backend, Implementation } from './types.js';

export type { Api } from './api.js';
export type { AsyncApi, AsyncOptions } from './async.js';
export type {
  ArgmaxOptions, Backend, CrossEntropyOptions, FloatArray, IsaName, RowOptions, SampleOptions, TemperatureOptions, TopKOptions,
  TopKResult, TopKValues,
} from './types.js';

const ISA_NAMES = ['scalar', 'sse2', 'avx2', 'avx512', 'neon'];

function chooseBackend(): Implementation {
  const want = process.env.SIGMAX_BACKEND ?? '';
  const isaCap = process.env.SIGMAX_ISA ?? '';
  if (want !== '' && want !== 'js' && want !== 'native') {
    throw new Error(`sigmax: SIGMAX_BACKEND must be 'js' or 'native', got '${want}'`);
  }
  if (isaCap !== '' && !ISA_NAMES.includes(isaCap)) {
    throw new Error(`sigmax: SIGMAX_ISA must be one of ${ISA_NAMES.join(', ')}, got '${isaCap}'`);
  }
  if (want === 'js') return jsBackend;
  let reason: unknown;
  try {
    return loadNative(isaCap);
  } catch (err) {
    reason = err;
  }
  // An explicit request for native code must not quietly turn into the pure-TS backend.
  if (want === 'native' || isaCap !== '') {
    const why = reason instanceof Error ? reason.message : String(reason);
    throw new Error(`sigmax: native backend requested (SIGMAX_BACKEND/SIGMAX_ISA) but unavailable: ${why}`);
  }
  return jsBackend;
}

const chosen = chooseBackend();

/** What runs: `{ kind: 'native' | 'js', isa, isas }`. */
export const backend: Backend = Object.freeze({ ...chosen.backend, isas: Object.freeze([...chosen.backend.isas]) as Backend['isas'] });

export const { sigmoid, sigmoidDerivative, sigmoidBackward, softmax, logSoftmax, logSumExp, softmaxBackward,
  logSoftmaxBackward, softmaxJacobian, argmax, topK, crossEntropy, sample } = makeApi(chosen);

export const { sigmoidAsync, sigmoidDerivativeAsync, sigmoidBackwardAsync, softmaxAsync, logSoftmaxAsync,
  logSumExpAsync, softmaxBackwardAsync, logSoftmaxBackwardAsync, softmaxJacobianAsync, argmaxAsync, topKAsync,
  crossEntropyAsync, sampleAsync, setThreads,
  getThreads } = makeAsyncApi(chosen);
