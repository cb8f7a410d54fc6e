// One implementation group of `npm run bench`, in its own process (forked by bench/index.js).
//   node bench/lib/bench-child.js <group>      group: native-<isa> | js | naive | stable
// native-<isa> and js load `sigmax` (the parent sets SIGMAX_BACKEND / SIGMAX_ISA); naive and stable are the
// plain-JS baselines of bench/lib/baselines.js. The parent sends { type: 'run', workload, timing } messages one
// at a time; for each, this process builds the inputs, times the memory floor `out.set(x)` on the same bytes
// and then the implementation (benchmark.js), and answers with the per-call times (seconds) of both.
'use strict';

const Benchmark = require('benchmark');
const { inputs } = require('./workloads.js');
const { specialized } = require('./baselines.js');

const group = process.argv[2];
let api = null;
const baselines = {}; // dtype → { naive, stable }, fresh copies per dtype (see baselines.js)

function load() {
  if (group.startsWith('native-') || group === 'js') {
    api = require('sigmax');
    const want = group === 'js' ? 'js' : group.slice('native-'.length);
    if (api.backend.isa !== want) throw new Error(`asked for ${want}, sigmax loaded ${api.backend.kind}/${api.backend.isa}`);
    return api.backend;
  }
  if (group !== 'naive' && group !== 'stable') throw new Error(`unknown group ${group}`);
  return { kind: group, isa: group, isas: [] };
}

/** The call to time for workload w on inputs d, writing `out`. */
function callFor(w, d, out) {
  const { op, cols } = w;
  if (api) {
    const f = api[op];
    if (op === 'sigmoid') return () => f(d.x, out);
    if (op === 'sigmoidBackward') return () => f(d.y, d.dy, out);
    const opts = { cols, out };
    if (w.kind === 'backward') return () => f(d.y, d.dy, opts);
    return () => f(d.x, opts);
  }
  const set = (baselines[w.dtype] ??= specialized(w.dtype))[group];
  const f = set[op];
  if (!f) return null;
  if (op === 'sigmoid') return () => f(d.x, out);
  if (op === 'sigmoidBackward') return () => f(d.y, d.dy, out);
  if (w.kind === 'backward') return () => f(d.y, d.dy, out, cols);
  return () => f(d.x, out, cols);
}

/**
 * Per-call seconds of fn: a short warm-up, then benchmark.js samples (bench.stats.sample). Calls slower than
 * 0.12 s (the 1e7-element rows of the JS implementations) take 2 samples per round instead of minSamples.
 */
function measure(fn, t) {
  const t0 = performance.now();
  let calls = 0;
  do {
    fn();
    calls++;
  } while ((calls < 2 && performance.now() - t0 < 50) || performance.now() - t0 < t.warmMs);
  const perCall = (performance.now() - t0) / calls / 1000;
  const minSamples = perCall > 0.12 ? Math.min(2, t.minSamples) : t.minSamples;
  const bench = new Benchmark({ fn, maxTime: t.maxTime, minSamples, minTime: t.minTime, initCount: 1 });
  bench.run();
  if (bench.error) throw bench.error;
  return bench.stats.sample.slice();
}

// The arrays of a workload are views at offset 0 of a few reused ArrayBuffers (grown on demand): no fresh
// zero-filled, page-faulting 40–80 MB allocations for every 1e7-element workload, round and process.
const buffers = [];
function arrays() {
  let k = 0;
  return (Ctor, n) => {
    const bytes = n * Ctor.BYTES_PER_ELEMENT;
    if (!buffers[k] || buffers[k].byteLength < bytes) buffers[k] = new ArrayBuffer(Math.max(bytes, 64));
    return new Ctor(buffers[k++], 0, n);
  };
}

function run(w, timing) {
  const alloc = arrays();
  const d = inputs(w, alloc);
  const src = d.x ?? d.y;
  const out = alloc(src.constructor, w.n);
  const fn = callFor(w, d, out);
  if (!fn) return { skipped: true };
  const t0 = performance.now();
  const memcpy = measure(() => out.set(src), timing.memcpy);
  const impl = measure(fn, timing.impl);
  // For the call-overhead rows: the harness's own cost per call (benchmark.js calling an empty closure).
  const noop = w.kind === 'overhead' ? measure(() => {}, timing.memcpy) : undefined;
  let checksum = 0;
  let sumAbs = 0;
  for (let i = 0; i < out.length; i++) {
    checksum += out[i];
    sumAbs += Math.abs(out[i]);
  }
  return { memcpy, impl, noop, checksum, sumAbs, ms: performance.now() - t0 };
}

let info;
try {
  info = load();
} catch (err) {
  process.send({ type: 'error', message: `${group}: ${err.message}` });
  process.exit(1);
}
process.send({ type: 'ready', group, backend: info, pid: process.pid });
process.on('message', (msg) => {
  if (msg.type === 'exit') process.exit(0);
  if (msg.type !== 'run') return;
  try {
    process.send({ type: 'result', ...run(msg.workload, msg.timing) });
  } catch (err) {
    process.send({ type: 'result', error: String(err && err.stack || err) });
  }
});
