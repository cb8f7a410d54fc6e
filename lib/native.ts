// Loads the native addon (a prebuilt binary from prebuilds/ first, else build/Release) and selects its
// ISA. Its sync functions are the kernels; an async call is one addon call whose pool threads own the
// splitting, the phases of a long row, the chunks and the abort.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { FloatArray, Implementation, IsaName, KernelName, Kernels, Scheduler } from './types.js';

const KERNELS: Record<KernelName, true> = {
  sigmoid: true,
  sigmoidDerivative: true,
  sigmoidBackward: true,
  softmax: true,
  logSoftmax: true,
  logSumExp: true,
  softmaxBackward: true,
  logSoftmaxBackward: true,
  softmaxJacobian: true,
  argmax: true,
  topK: true,
  crossEntropy: true,
  sample: true,
};

const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];

/** What the addon exports: select, each kernel, and its async twin `<kernel>Async(...args, threads, abort)`. */
export const ADDON_EXPORTS: readonly string[] = ['select', ...KERNEL_NAMES, ...KERNEL_NAMES.map((name) => `${name}Async`)];

type Addon = Kernels & {
  /** Picks the best ISA this CPU offers, capped at `cap`; throws on an unknown or unavailable cap. */
  select(cap: string): { isa: IsaName; isas: IsaName[] };
} & {
  /** Resolves once done, or once `abort[0]` was set (between chunks). */
  [K in KernelName as `${K}Async`]: (...args: [...Parameters<Kernels[K]>, threads: number, abort: Int32Array | null]) => Promise<void>;
};

/**
 * While a short native call is in flight, the event loop keeps turning (a setImmediate chain) for up to
 * SPIN_MS instead of sleeping in its poller at once: waking a sleeping thread costs tens of µs on a VM,
 * more than such a call's work. On a busy machine that backfires (the spinning thread holds the core
 * the pool thread needs), so spinning stays on only while it pays: while most recent short calls
 * settled within the window; otherwise one call in 16 still tries it, to notice when it pays again.
 */
const SHORT_CALL_ELEMENTS = 1 << 16;
const SPIN_MS = 0.1;
let shortCallsInFlight = 0;
let spinUntil = 0;
let spinPaid = 1; // moving average: did short calls settle while the loop was still spinning?
let probes = 0;
let turning = false; // one setImmediate chain at most
function turn(): void {
  turning = shortCallsInFlight > 0 && performance.now() < spinUntil;
  if (turning) setImmediate(turn);
}
function keepLoopAwake(call: Promise<void>): Promise<void> {
  if (spinPaid < 0.5 && (++probes & 15) !== 0) return call;
  shortCallsInFlight++;
  spinUntil = performance.now() + SPIN_MS;
  if (!turning) {
    turning = true;
    setImmediate(turn);
  }
  const settled = (): void => {
    shortCallsInFlight--;
    spinPaid = 0.875 * spinPaid + (performance.now() < spinUntil ? 0.125 : 0);
  };
  call.then(settled, settled);
  return call;
}

/** The package root: dist/cjs/ sits two levels below it. */
const packageRoot = path.join(__dirname, '..', '..');

/** Loads the addon (node-gyp-build); throws with the loader's reason when it cannot. */
export function loadAddon(): Addon {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = require('node-gyp-build') as (dir: string) => Addon;
  return load(packageRoot);
}

/** The native backend at the best ISA, capped at `isaCap` ('' for none); throws when it cannot load. */
export function loadNative(isaCap: string): Implementation {
  const addon = loadAddon();
  const { isa, isas } = addon.select(isaCap);
  const scheduler: Scheduler = {
    run(name, args, threads, signal) {
      const abort = signal ? new Int32Array(1) : null;
      const onAbort = (): void => void Atomics.store(abort!, 0, 1);
      signal?.addEventListener('abort', onAbort, { once: true });
      const run = addon[`${name}Async`] as (...a: unknown[]) => Promise<void>;
      const call = run(...args, threads, abort);
      if (signal) {
        const done = (): void => signal.removeEventListener('abort', onAbort);
        call.then(done, done);
      }
      return (args[0] as FloatArray).length <= SHORT_CALL_ELEMENTS ? keepLoopAwake(call) : call;
    },
    // The addon's pool has one thread per hardware thread; more would only queue.
    defaultThreads: Math.max(1, availableParallelism()),
  };
  return { kernels: addon, scheduler, backend: { kind: 'native', isa, isas }, checksOverlap: true, checksArrays: true };
}
