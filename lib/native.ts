// Loads the native addon (a prebuilt binary from prebuilds/ first, else build/Release) and selects its ISA.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Executor } from './async.js';
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
function needsWideTemperature(name: keyof Core, args: unknown[]): boolean {
  if (!TEMPERATURE_CALLS.has(name) || (args[0] as FloatArray).BYTES_PER_ELEMENT !== 4) return false;
  const t = args[3] as number;
  return !(t >= F32_MIN_NORMAL && t <= F32_MAX);
}

/** libuv's thread pool size: UV_THREADPOOL_SIZE (read by libuv when the pool starts), default 4. */
function poolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
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
  const executor: Executor = {
    // `<name>Async` runs the same kernel on the libuv thread pool and resolves with its result.
    call: (name, args) =>
      needsWideTemperature(name, args)
        ? Promise.resolve().then(() => wide[name]!(...args))
        : (calls[`${name}Async`]! as (...a: unknown[]) => Promise<unknown>)(...args),
    // Each chunk costs a round trip through libuv's pool and the event loop (20–170 µs on a busy VM):
    // 4M elements (a few ms of work) keep that small while an abort still lands within milliseconds.
    chunkElements: 1 << 22,
    parallel: true,
    // More chains than pool threads would only queue behind each other.
    defaultThreads: Math.max(1, Math.min(availableParallelism(), poolSize())),
  };
  return { core: core as unknown as Core, executor, backend: { kind: 'native', isa, isas } };
}
