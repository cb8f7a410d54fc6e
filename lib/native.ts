// Loads the native addon (a prebuilt binary from prebuilds/ first, else build/Release) and selects its ISA.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Executor, RowKind } from './async.js';
import { jsCore } from './js/kernels.js';
import type { Backend, Core, FloatArray, IsaName } from './types.js';

interface Addon extends Core {
  /** Picks the best ISA this CPU offers, capped at `cap`; throws on an unknown or unavailable cap. */
  select(cap: string): { isa: IsaName; isas: IsaName[] };
}

export interface NativeBackend {
  core: Core;
  executor: Executor;
  backend: Backend;
}

/** The core calls that take a temperature, all as their fourth argument. */
const TEMPERATURE_CALLS = new Set<keyof Core>(['softmax', 'logSoftmax', 'expSum', 'logSoftmaxFinish']);
const F32_MIN_NORMAL = 2 ** -126;
const F32_MAX = 3.4028234663852886e38;

/**
 * The float32 kernels take the temperature as a float: a valid one outside float32's normal range
 * would become 0, ∞ or a subnormal of few bits. Such calls go to the float64 pure-TS kernels.
 */
function isWideTemperature(x: FloatArray, t: number): boolean {
  return x.BYTES_PER_ELEMENT === 4 && !(t >= F32_MIN_NORMAL && t <= F32_MAX);
}
function needsWideTemperature(name: keyof Core, args: unknown[]): boolean {
  return TEMPERATURE_CALLS.has(name) && isWideTemperature(args[0] as FloatArray, args[3] as number);
}

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
function keepLoopAwake<T>(call: Promise<T>): Promise<T> {
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

/** Loads the addon; throws (with the loader's reason) when it cannot be loaded. */
export function loadNative(isaCap: string): NativeBackend {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = require('node-gyp-build') as (dir: string) => Addon;
  const addon = load(packageRoot);
  const { isa, isas } = addon.select(isaCap);
  type Call = (...args: unknown[]) => unknown;
  const calls = addon as unknown as Record<string, Call>;
  const wide = jsCore as unknown as Record<string, Call>;
  const core = { ...addon } as unknown as Record<string, Call>;
  for (const name of TEMPERATURE_CALLS) {
    core[name] = (...args) => (needsWideTemperature(name, args) ? wide : calls)[name]!(...args);
  }
  /**
   * `<name>Async(...args, threads, abort)` runs the same kernel on up to `threads` of the addon's pool
   * threads, in chunks, and resolves with its result; it stops taking chunks once `abort[0]` is set.
   */
  const callAsync = (name: string, args: unknown[], threads: number, signal?: AbortSignal): Promise<unknown> => {
    const abort = signal ? new Int32Array(1) : null;
    const onAbort = (): void => void Atomics.store(abort!, 0, 1);
    signal?.addEventListener('abort', onAbort, { once: true });
    const call = (calls[`${name}Async`]! as (...a: unknown[]) => Promise<unknown>)(...args, threads, abort);
    if (signal) {
      const done = (): void => signal.removeEventListener('abort', onAbort);
      call.then(done, done);
    }
    return (args[0] as FloatArray).length <= SHORT_CALL_ELEMENTS ? keepLoopAwake(call) : call;
  };
  const executor: Executor = {
    call: (name, args) =>
      needsWideTemperature(name, args) ? Promise.resolve().then(() => wide[name]!(...args)) : callAsync(name, args, 1),
    // One call does the whole work: the addon cuts it into chunks for its threads (no round trip through
    // the event loop between chunks). Not for the float32 calls the float64 pure-TS kernels take.
    callSplit: (name, args, threads, signal) =>
      needsWideTemperature(name, args) ? undefined : callAsync(name, args, threads, signal),
    // `<kind>RowAsync`: the reduction, then the last pass, each cut into chunks for the pool threads.
    callRow: (kind: RowKind, args, threads, signal) =>
      (kind === 'softmax' || kind === 'logSoftmax') && isWideTemperature(args[0] as FloatArray, args[2] as number)
        ? undefined
        : callAsync(`${kind}Row`, args, threads, signal),
    // Rows longer than this take the long-row path (callRow). The float32 rows that the float64 pure-TS
    // kernels take instead go through lib/async.ts's protocol, cut into parts of this size.
    chunkElements: 1 << 22,
    parallel: true,
    // The addon's pool has one thread per hardware thread; more chains would only queue.
    defaultThreads: Math.max(1, availableParallelism()),
  };
  return { core: core as unknown as Core, executor, backend: { kind: 'native', isa, isas } };
}
