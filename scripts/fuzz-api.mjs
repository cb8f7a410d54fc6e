#!/usr/bin/env node
// The long JS API fuzz run (issue 6): `npm run fuzz:api -- --calls 100000 [--seed N]`.
// Random calls at the whole public API (sync and …Async) with arbitrary arguments; the property code
// is test/fuzz/api-fuzz.mjs, the same as the in-suite test/fuzz.test.ts. The backend is the one
// `sigmax` loads (SIGMAX_BACKEND=js for the pure-TS one, SIGMAX_ISA=<isa> to cap the native path).
// Prints calls made, outcomes by kind, violations (must be 0) with examples, and
// last `N passed, M failed` (calls without / with a violation). Exit status 1 on any violation.
import { performance } from 'node:perf_hooks';
import * as sx from 'sigmax';
import { fuzz } from '../test/fuzz/api-fuzz.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) {
    console.error(`fuzz-api: --${name} needs a number`);
    process.exit(2);
  }
  return v;
}

const calls = arg('calls', 100_000);
const seed = arg('seed', Number(process.env.FC_SEED ?? 20261124));
console.log(`fuzz-api: ${calls} calls, seed ${seed}, backend ${JSON.stringify(sx.backend)}, node ${process.version}`);
const t0 = performance.now();
const stats = await fuzz(sx, {
  calls,
  seed,
  onProgress: (done) => {
    if (done % 20_000 === 0) console.log(`  ${done} calls, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  },
});
const seconds = (performance.now() - t0) / 1000;
console.log(`calls made: ${stats.calls} in ${seconds.toFixed(1)} s (${Math.round(stats.calls / seconds)}/s)`);
console.log(`outcomes: ${Object.entries(stats.outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`by function: ${Object.entries(stats.byFunction).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`violations: ${stats.violations}`);
for (const e of stats.examples) console.log(`  ${e.call}\n    ${e.violations.join('\n    ')}`);
console.log(`rss: ${(process.memoryUsage.rss() / 2 ** 20).toFixed(1)} MB`);
console.log(`${stats.calls - stats.violations} passed, ${stats.violations} failed`);
process.exit(stats.violations > 0 ? 1 : 0);
