// JS API fuzzing (issue 6): a short, seeded run of random calls at the whole public API (every sync
// function and its …Async twin) with arbitrary arguments, on whichever backend path this process
// runs (test/run-all.mjs sets it). The property code lives in test/fuzz/api-fuzz.mjs, shared with the
// long run `npm run fuzz:api -- --calls 100000` (scripts/fuzz-api.mjs).
//   FC_SEED=<n>        the seed (default 20261124); a failure prints the shrunk call and its seed
//   SIGMAX_FUZZ_CALLS  calls in this run (default 3000)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as sx from 'sigmax';
// @ts-expect-error a plain-JS module shared with scripts/fuzz-api.mjs (no type declarations)
import { callArbitrary, describeCall, fuzz, runCall } from './fuzz/api-fuzz.mjs';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const CALLS = Number(process.env.SIGMAX_FUZZ_CALLS ?? 3000);

describe(`API fuzz (${sx.backend.kind}/${sx.backend.isa}, seed ${SEED})`, () => {
  it(`${CALLS} random calls: a valid result or a TypeError/RangeError, memory intact`, async () => {
    await fc.assert(
      fc.asyncProperty(callArbitrary(), async (d: unknown) => {
        const { violations } = (await runCall(sx, d)) as { violations: string[] };
        if (violations.length > 0) throw new Error(`${describeCall(d)}\n  ${violations.join('\n  ')}`);
      }),
      { numRuns: CALLS, seed: SEED, endOnFailure: false },
    );
  });

  it('the batch driver counts outcomes and finds no violation (another seed)', async () => {
    const stats = (await fuzz(sx, { calls: 500, seed: SEED + 1 })) as {
      calls: number; outcomes: Record<string, number>; violations: number; examples: unknown[];
    };
    expect(stats.calls).toBe(500);
    expect(stats.violations, JSON.stringify(stats.examples, null, 1)).toBe(0);
    // the generator reaches every kind of outcome
    expect(stats.outcomes.ok ?? 0).toBeGreaterThan(50);
    expect(stats.outcomes.TypeError ?? 0).toBeGreaterThan(50);
    expect(stats.outcomes.RangeError ?? 0).toBeGreaterThan(20);
  });
});
