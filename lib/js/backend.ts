// The pure-TypeScript backend: the kernels of lib/js/kernels.ts and the scheduler of lib/js/schedule.ts.
import type { Implementation } from '../types.js';
import { jsKernels } from './kernels.js';
import { jsScheduler } from './schedule.js';

export const jsBackend: Implementation = {
  kernels: jsKernels,
  scheduler: jsScheduler,
  backend: { kind: 'js', isa: 'js', isas: [] },
  checksOverlap: false,
  checksArrays: false,
};
