// Loads the native addon (a prebuilt binary from prebuilds/ first, else build/Release) and selects its ISA.
import * as path from 'node:path';
import type { Backend, IsaName, Kernels } from './types.js';

interface Addon extends Kernels {
  /** Picks the best ISA this CPU offers, capped at `cap`; throws on an unknown or unavailable cap. */
  select(cap: string): { isa: IsaName; isas: IsaName[] };
}

export interface NativeBackend {
  kernels: Kernels;
  backend: Backend;
}

/** The package root: dist/cjs/ sits two levels below it. */
const packageRoot = path.join(__dirname, '..', '..');

/** Loads the addon; throws (with the loader's reason) when it cannot be loaded. */
export function loadNative(isaCap: string): NativeBackend {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = require('node-gyp-build') as (dir: string) => Addon;
  const addon = load(packageRoot);
  const { isa, isas } = addon.select(isaCap);
  return { kernels: addon, backend: { kind: 'native', isa, isas } };
}
