#!/usr/bin/env node
// Soak test (issue 6): `npm run soak -- --calls 1000000`.
//   1. Loop: `--calls` mixed calls of every function, sync and async (async ones a few at a time),
//      sizes 1..10^5 (log-uniform; softmaxJacobian k ≤ 300), f32/f64, with and without `out`, at
//      random offsets of shared random inputs. RSS is sampled every `--sample-every` calls after a
//      warm-up of `--warmup` calls (after a gc when node runs with --expose-gc, as `npm run soak` does).
//      Every `--check-every`-th async call is spot-checked against the sync result of the same input.
//   2. Abort phase: `--rounds` rounds of `--concurrent` (200) concurrent async calls, sizes up to 10^6,
//      each with an AbortController: some aborted before the call, some at a random time (microtask,
//      setImmediate, a 0–4 ms timer), some never. A non-aborted call must resolve to the sync result;
//      an aborted one must reject with an AbortError (or, aborted too late, resolve to the right result);
//      nothing may throw synchronously. RSS is sampled after every round as well.
//   3. Verdict on memory: fail if RSS at the end of the loop exceeds RSS after the warm-up by more than
//      `--max-growth-mb` (50), if the median of the last quarter of the loop's samples exceeds that of
//      the first quarter by more than half of that (a steady upward trend), or if, over the abort rounds
//      (the first quarter of them a warm-up: RSS climbs to a plateau there, on the pure-TS backend too),
//      the last quarter's median exceeds the second quarter's by more than half of that.
// Prints the figures and, last, `N passed, M failed` (checks: spot-checks, abort-phase calls, the three
// memory verdicts). Exit status 1 on any failure.
import { performance } from 'node:perf_hooks';
import * as sx from 'sigmax';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`soak: --${name} needs a non-negative number`);
    process.exit(2);
  }
  return v;
}

const CALLS = arg('calls', 1_000_000);
const WARMUP = arg('warmup', Math.min(50_000, Math.floor(CALLS / 10)));
const SAMPLE_EVERY = arg('sample-every', Math.max(1000, Math.floor(CALLS / 100)));
const CHECK_EVERY = arg('check-every', 25);
const CONCURRENT = arg('concurrent', 200);
const ROUNDS = arg('rounds', 10);
const MAX_GROWTH_MB = arg('max-growth-mb', 50);
const SEED = arg('seed', 20261124);
const ASYNC_BATCH = 4; // async calls in flight together in the loop

// ------------------------------------------------------------------------------------------------
let rngState = SEED >>> 0;
function rand() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const logSize = (max) => Math.max(1, Math.floor(Math.exp(rand() * Math.log(max + 1))));

const MAX = 100_000;
const BIG = 1_000_000;
function randomData(Ctor, n) {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = (rand() - 0.5) * 20;
  return a;
}
// Shared inputs (read-only): views at random offsets. y for the backward functions: probabilities.
const inputs = {
  f32: { x: randomData(Float32Array, BIG + 8), y: Float32Array.from({ length: MAX + 8 }, () => rand()) },
  f64: { x: randomData(Float64Array, BIG + 8), y: Float64Array.from({ length: MAX + 8 }, () => rand()) },
};
// Out buffers: one per async slot (in flight together) plus one for sync calls.
const outPool = {
  f32: Array.from({ length: ASYNC_BATCH + 1 }, () => new Float32Array(MAX + 8)),
  f64: Array.from({ length: ASYNC_BATCH + 1 }, () => new Float64Array(MAX + 8)),
};

const FNS = ['sigmoid', 'sigmoidDerivative', 'sigmoidBackward', 'softmax', 'logSoftmax', 'logSumExp',
  'softmaxBackward', 'logSoftmaxBackward', 'softmaxJacobian'];
const ELEMENTWISE = new Set(['sigmoid', 'sigmoidDerivative', 'sigmoidBackward']);

/** A random call: { fn, p, args(sync), asyncArgs(extra) , outLen }. `slot` picks the out buffer. */
function makeCall(slot, maxSize = MAX) {
  const fn = FNS[Math.floor(rand() * FNS.length)];
  const p = rand() < 0.5 ? 'f32' : 'f64';
  const n = fn === 'softmaxJacobian' ? randInt(1, 300) : logSize(maxSize);
  const src = inputs[p];
  const off = randInt(0, 7);
  const x = src.x.subarray(off, off + n);
  const y = fn === 'sigmoidBackward' || fn.endsWith('Backward') ? src.y.subarray(off, off + Math.min(n, MAX)) : null;
  let cols = n;
  if (!ELEMENTWISE.has(fn) && fn !== 'softmaxJacobian' && rand() < 0.6) {
    // a divisor of n near a random target
    const target = logSize(n);
    for (let c = target; c <= n; c++) if (n % c === 0) { cols = c; break; }
  }
  const outLen = fn === 'softmaxJacobian' ? n * n : fn === 'logSumExp' ? n / cols : n;
  const withOut = rand() < 0.5 && outLen <= MAX;
  const out = withOut ? outPool[p][slot].subarray(randInt(0, 7)).subarray(0, outLen) : undefined;
  const temperature = rand() < 0.3 ? 0.5 + rand() * 2 : undefined;
  const yy = y && y.length === n ? y : null;
  return { fn, p, n, x, y: yy, cols, out, temperature, outLen };
}

function callSync(c, out = c.out) {
  switch (c.fn) {
    case 'sigmoid': case 'sigmoidDerivative': return sx[c.fn](c.x, out);
    case 'sigmoidBackward': return sx.sigmoidBackward(c.y ?? c.x, c.x, out);
    case 'softmax': case 'logSoftmax': return sx[c.fn](c.x, { cols: c.cols, out, temperature: c.temperature });
    case 'logSumExp': return sx.logSumExp(c.x, { cols: c.cols, out });
    case 'softmaxBackward': case 'logSoftmaxBackward': return sx[c.fn](c.y ?? c.x, c.x, { cols: c.cols, out });
    case 'softmaxJacobian': return sx.softmaxJacobian(c.x, { out });
  }
  throw new Error(c.fn);
}

function callAsync(c, extra) {
  switch (c.fn) {
    case 'sigmoid': case 'sigmoidDerivative': return sx[`${c.fn}Async`](c.x, c.out, extra);
    case 'sigmoidBackward': return sx.sigmoidBackwardAsync(c.y ?? c.x, c.x, c.out, extra);
    case 'softmax': case 'logSoftmax': return sx[`${c.fn}Async`](c.x, { cols: c.cols, out: c.out, temperature: c.temperature, ...extra });
    case 'logSumExp': return sx.logSumExpAsync(c.x, { cols: c.cols, out: c.out, ...extra });
    case 'softmaxBackward': case 'logSoftmaxBackward': return sx[`${c.fn}Async`](c.y ?? c.x, c.x, { cols: c.cols, out: c.out, ...extra });
    case 'softmaxJacobian': return sx.softmaxJacobianAsync(c.x, { out: c.out, ...extra });
  }
  throw new Error(c.fn);
}

/** The async result against the sync one (element-wise: bit-exact; row-wise: within the SPEC bounds, loosely). */
function sameAsSync(c, got) {
  if (!(got instanceof (c.p === 'f32' ? Float32Array : Float64Array)) || got.length !== c.outLen) return `wrong result type/length`;
  const want = callSync(c, undefined);
  const tol = c.p === 'f32' ? 2e-5 : 1e-12;
  const exact = ELEMENTWISE.has(c.fn);
  for (let i = 0; i < want.length; i++) {
    const a = got[i];
    const b = want[i];
    if (Object.is(a, b) || (a !== a && b !== b)) continue;
    if (exact || !(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)))) return `${c.fn}[${i}] = ${a}, sync gives ${b} (n=${c.n}, cols=${c.cols})`;
  }
  return null;
}

// ------------------------------------------------------------------------------------------------
const mb = (bytes) => bytes / 2 ** 20;
const gc = globalThis.gc;
if (!gc) {
  // Without a gc before each sample, RSS carries whatever garbage is pending: the memory verdict would be noise.
  console.error('soak: run with node --expose-gc (npm run soak does): RSS is sampled after a gc');
  process.exit(2);
}
const samples = []; // { calls, rss }
let checksPassed = 0;
const failures = [];
const fail = (msg) => { if (failures.length < 30) console.log(`FAIL ${msg}`); failures.push(msg); };
const counts = { sync: 0, async: 0, withOut: 0, f32: 0, f64: 0, spotChecks: 0 };
const byFn = {};

function sample(calls) {
  gc();
  samples.push({ calls, rss: process.memoryUsage.rss() });
}

console.log(`soak: ${CALLS} calls (warm-up ${WARMUP}, RSS every ${SAMPLE_EVERY}), then ${ROUNDS} rounds of ${CONCURRENT} concurrent async calls with random aborts`);
console.log(`  backend ${JSON.stringify(sx.backend)}, threads ${sx.getThreads()}, node ${process.version}`);
const t0 = performance.now();
let done = 0;
let checkCounter = 0;
let rssAfterWarmup = null;
while (done < CALLS) {
  if (rand() < 0.3) {
    // a few async calls together
    const k = Math.min(ASYNC_BATCH, CALLS - done);
    const batch = [];
    for (let s = 0; s < k; s++) {
      const c = makeCall(s);
      let promise;
      try {
        promise = callAsync(c, rand() < 0.5 ? { threads: randInt(1, 4) } : undefined);
      } catch (e) {
        fail(`${c.fn}Async threw synchronously: ${e}`);
        continue;
      }
      batch.push(promise.then((r) => [c, r], (e) => [c, null, e]));
      counts.async++;
      counts[c.p]++;
      if (c.out) counts.withOut++;
      byFn[`${c.fn}Async`] = (byFn[`${c.fn}Async`] ?? 0) + 1;
    }
    for (const [c, r, e] of await Promise.all(batch)) {
      if (e) { fail(`${c.fn}Async rejected: ${e && e.name}: ${e && e.message}`); continue; }
      if (++checkCounter % CHECK_EVERY === 0) {
        counts.spotChecks++;
        const why = sameAsSync(c, r);
        if (why) fail(`spot-check ${why}`);
        else checksPassed++;
      }
    }
    done += k;
  } else {
    const c = makeCall(ASYNC_BATCH);
    try {
      callSync(c);
    } catch (e) {
      fail(`${c.fn} threw: ${e && e.name}: ${e && e.message}`);
    }
    counts.sync++;
    counts[c.p]++;
    if (c.out) counts.withOut++;
    byFn[c.fn] = (byFn[c.fn] ?? 0) + 1;
    done++;
  }
  if (done >= WARMUP && rssAfterWarmup === null) {
    sample(done);
    rssAfterWarmup = samples[0].rss;
    console.log(`  warm-up done (${done} calls, ${((performance.now() - t0) / 1000).toFixed(1)} s): RSS ${mb(rssAfterWarmup).toFixed(1)} MB`);
  } else if (rssAfterWarmup !== null && Math.floor(done / SAMPLE_EVERY) > Math.floor((samples.at(-1).calls) / SAMPLE_EVERY)) {
    sample(done);
    if (samples.length % 10 === 0) {
      console.log(`  ${done} calls, ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${mb(samples.at(-1).rss).toFixed(1)} MB`);
    }
  }
}
const loopSeconds = (performance.now() - t0) / 1000;
console.log(`loop: ${done} calls in ${loopSeconds.toFixed(1)} s (${Math.round(done / loopSeconds)}/s): ${counts.sync} sync, ${counts.async} async; ` +
  `${counts.f32} f32, ${counts.f64} f64; ${counts.withOut} with out; ${counts.spotChecks} async results spot-checked against sync`);
console.log(`  by function: ${Object.entries(byFn).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);

const rssLoopEnd = samples.at(-1)?.rss ?? process.memoryUsage.rss();
console.log(`  RSS at the end of the loop: ${mb(rssLoopEnd).toFixed(1)} MB (after warm-up: ${mb(rssAfterWarmup ?? rssLoopEnd).toFixed(1)} MB)`);

// ------------------------------------------------------------------------------------------------
// Abort phase.
const abortStats = { resolved: 0, abortedBefore: 0, abortedDuring: 0, abortLateResolved: 0 };
const t1 = performance.now();
/** One round: CONCURRENT calls in flight together, some aborted; checks every outcome. */
async function abortRound() {
  const calls = [];
  for (let i = 0; i < CONCURRENT; i++) {
    // own inputs/outs per call (all in flight together); some large enough for an abort to land mid-call
    const c = makeCall(0, rand() < 0.2 ? BIG : MAX);
    c.out = rand() < 0.5 ? new (c.p === 'f32' ? Float32Array : Float64Array)(c.outLen) : undefined;
    const ctl = new AbortController();
    const mode = rand();
    const when = mode < 0.2 ? 'before' : mode < 0.6 ? 'during' : 'never';
    if (when === 'before') ctl.abort();
    let promise;
    try {
      promise = callAsync(c, { signal: ctl.signal, threads: randInt(1, 4) });
    } catch (e) {
      fail(`abort phase: ${c.fn}Async threw synchronously: ${e && e.name}`);
      continue;
    }
    if (when === 'during') {
      const r = rand();
      if (r < 0.3) queueMicrotask(() => ctl.abort());
      else if (r < 0.6) setImmediate(() => ctl.abort());
      else setTimeout(() => ctl.abort(), Math.floor(rand() * 5));
    }
    calls.push(promise.then((v) => ({ c, when, v }), (e) => ({ c, when, e })));
  }
  for (const { c, when, v, e } of await Promise.all(calls)) {
    if (e !== undefined) {
      if (when === 'never') fail(`abort phase: ${c.fn}Async (not aborted) rejected: ${e && e.name}: ${e && e.message}`);
      else if (!e || e.name !== 'AbortError') fail(`abort phase: ${c.fn}Async aborted ${when} rejected with ${e && e.name} (want AbortError)`);
      else { checksPassed++; abortStats[when === 'before' ? 'abortedBefore' : 'abortedDuring']++; }
      continue;
    }
    if (when === 'before') { fail(`abort phase: ${c.fn}Async aborted before the call resolved`); continue; }
    const why = sameAsSync(c, v);
    if (why) fail(`abort phase: ${why}`);
    else { checksPassed++; abortStats[when === 'never' ? 'resolved' : 'abortLateResolved']++; }
  }
}
for (let round = 0; round < ROUNDS; round++) {
  // Every round makes the same calls (sizes, outputs, abort modes; only the timing differs) and the
  // sample comes after the round's arrays are garbage: every round asks the allocator for the same
  // memory, so RSS that still grows from round to round is a leak.
  rngState = (SEED ^ 0x5bd1e995) >>> 0;
  await abortRound();
  sample(done + (round + 1) * CONCURRENT);
}
const abortSeconds = (performance.now() - t1) / 1000;
console.log(`abort phase: ${ROUNDS * CONCURRENT} calls in ${abortSeconds.toFixed(1)} s: ${abortStats.resolved} not aborted (resolved, checked), ` +
  `${abortStats.abortedBefore} aborted before (AbortError), ${abortStats.abortedDuring} aborted during (AbortError), ` +
  `${abortStats.abortLateResolved} aborted too late (resolved, checked)`);

// ------------------------------------------------------------------------------------------------
// Memory verdict.
// The loop and the abort phase are judged apart: the abort phase allocates up to 200 outputs of up
// to 10^6 elements at once, which raises RSS once (the allocator keeps the pages) without a leak;
// a leak shows as growth from round to round.
const rss = samples.map((s) => s.rss);
const loopRss = rss.slice(0, rss.length - ROUNDS);
const roundRss = rss.slice(rss.length - ROUNDS);
const start = rss[0];
const end = rss.at(-1);
const max = Math.max(...rss);
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const q = Math.max(1, Math.floor(loopRss.length / 4));
const trend = median(loopRss.slice(-q)) - median(loopRss.slice(0, q));
const loopGrowth = loopRss.at(-1) - start;
// the first quarter of the rounds is their warm-up (RSS climbs to a plateau there, on either backend)
const rq = Math.max(1, Math.floor(ROUNDS / 4));
const roundGrowth = ROUNDS >= 4 ? median(roundRss.slice(-rq)) - median(roundRss.slice(rq, 2 * rq)) : 0;
console.log(`RSS (${samples.length} samples, each after a gc): after warm-up ${mb(start).toFixed(1)} MB, ` +
  `max ${mb(max).toFixed(1)} MB, end ${mb(end).toFixed(1)} MB (end − start ${mb(end - start).toFixed(1)} MB)`);
console.log(`  loop: end − start ${mb(loopGrowth).toFixed(1)} MB, last-quarter median − first-quarter median ${mb(trend).toFixed(1)} MB; ` +
  `abort phase: after round 1 ${mb(roundRss[0] ?? end).toFixed(1)} MB, after round ${ROUNDS} ${mb(end).toFixed(1)} MB, ` +
  `last-quarter median − second-quarter median ${mb(roundGrowth).toFixed(1)} MB`);
if (mb(loopGrowth) > MAX_GROWTH_MB) fail(`RSS grew by ${mb(loopGrowth).toFixed(1)} MB over the loop (> ${MAX_GROWTH_MB} MB)`);
else checksPassed++;
if (mb(trend) > MAX_GROWTH_MB / 2) fail(`RSS trend: +${mb(trend).toFixed(1)} MB from the first to the last quarter of the loop (> ${MAX_GROWTH_MB / 2} MB)`);
else checksPassed++;
if (mb(roundGrowth) > MAX_GROWTH_MB / 2) fail(`RSS grew by ${mb(roundGrowth).toFixed(1)} MB over the abort rounds after their warm-up (> ${MAX_GROWTH_MB / 2} MB)`);
else checksPassed++;
console.log(`duration: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${checksPassed} passed, ${failures.length} failed`);
process.exit(failures.length > 0 ? 1 : 0);
