#!/usr/bin/env node
// Exhaustive accuracy check of the float32 sigmoid and sigmoidDerivative over all 2^32 bit patterns,
// through the public API (`require('sigmax')`, so the best native ISA runs unless SIGMAX_ISA /
// SIGMAX_BACKEND say otherwise; worker threads inherit the environment).
//
// Reference, in float64 (29 bits more than float32, so it is exact to far below 0.01 ulp of float32):
//   e = exp(−|x|);  σ(x) = x > 0 ? 1/(1+e) : e/(1+e);  σ'(x) = e/(1+e)²
// Error in ulps = |y − ref| / ulp_f32(ref), ulp_f32(r) = 2^(⌊log2|r|⌋ − 23) for |r| ≥ 2^-126, else 2^-149
// (also for r = 0). A NaN input must give NaN and a non-NaN input must not: both count as NaN mismatches.
// Exit status 1 when any function exceeds 2 ulp or has a NaN mismatch (the SPEC bound).
//
//   node scripts/verify-sigmoid.mjs [--fn sigmoid|derivative|both] [--range START:END] [--threads N]
//                                   [--chunk LOG2] [--json FILE|-]
// START:END are hex bit patterns, END exclusive (default 0:100000000, all of them).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { availableParallelism, endianness } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const MAX_ULP = 2;
const FUNCTIONS = { sigmoid: 'sigmoid', derivative: 'sigmoidDerivative' };

// ───────────────────────────── worker: one chunk at a time ─────────────────────────────

function worker() {
  const sigmax = require('sigmax');
  const { fns, chunkSize } = workerData;
  const bits = new Uint32Array(chunkSize);
  const x = new Float32Array(bits.buffer);
  const outs = fns.map(() => new Float32Array(chunkSize));
  // Per block: e = exp(−|x|) once for both functions, the reference values, and their high words.
  const BLOCK = 4096;
  const eBuf = new Float64Array(BLOCK);
  const refBuf = new Float64Array(BLOCK);
  const refHi = new Uint32Array(refBuf.buffer);
  // 1 / ulp_f32(r), indexed by the float64 exponent field of r (0 for r = 0 and f64 subnormals),
  // read from the high word of r: refHi[2k + 1] on a little-endian machine (checked in main).
  const invUlp = new Float64Array(2048);
  for (let ef = 0; ef < 2048; ef++) invUlp[ef] = 2 ** (ef - 1023 < -126 ? 149 : 23 - (ef - 1023));

  parentPort.postMessage({ type: 'ready', backend: describeBackend(sigmax.backend) });
  parentPort.on('message', ({ start, length }) => {
    const n = length;
    const xs = n === chunkSize ? x : x.subarray(0, n);
    for (let i = 0; i < n; i++) bits[i] = (start + i) >>> 0;

    const stats = fns.map(() => newStats());
    for (let f = 0; f < fns.length; f++) {
      const t = performance.now();
      const out = n === chunkSize ? outs[f] : outs[f].subarray(0, n);
      sigmax[FUNCTIONS[fns[f]]](xs, out);
      stats[f].apiSeconds = (performance.now() - t) / 1000;
    }
    const tCheck = performance.now();
    for (let from = 0; from < n; from += BLOCK) {
      const to = Math.min(from + BLOCK, n);
      // exp(−|x|) is exactly 0 in float64 for |x| ≥ 746 (below half the least subnormal): skip the call
      // there (46% of all patterns); NaN fails the test and takes Math.exp like any other input.
      for (let i = from; i < to; i++) {
        const a = Math.abs(x[i]);
        eBuf[i - from] = a >= 746 ? 0 : Math.exp(-a);
      }
      for (let f = 0; f < fns.length; f++) {
        checkBlock(fns[f] === 'sigmoid', x, outs[f], from, to, start, eBuf, refBuf, refHi, invUlp, stats[f]);
      }
    }
    const checkSeconds = (performance.now() - tCheck) / 1000;
    parentPort.postMessage({ type: 'done', length, stats, checkSeconds });
  });
}

function newStats() {
  // max −1: no comparable (non-NaN) input seen yet, so the first one becomes the worst.
  return { max: -1, worst: -1, over1: 0, over2: 0, nanMismatch: 0, nanExample: -1, apiSeconds: 0 };
}

/** Compares out[from, to) with the float64 reference; updates s. Kept monomorphic and allocation-free. */
function checkBlock(isSigmoid, x, out, from, to, start, eBuf, refBuf, refHi, invUlp, s) {
  let max = s.max;
  let worst = s.worst;
  let over1 = s.over1;
  let over2 = s.over2;
  for (let i = from; i < to; i++) {
    const k = i - from;
    const e = eBuf[k];
    const t = 1 + e;
    const r = isSigmoid ? (x[i] > 0 ? 1 / t : e / t) : e / (t * t);
    refBuf[k] = r;
    const err = Math.abs(out[i] - r) * invUlp[(refHi[2 * k + 1] >>> 20) & 0x7ff];
    if (err > 1) {
      over1++;
      if (err > 2) over2++;
    }
    if (err > max) {
      max = err;
      worst = (start + i) >>> 0;
    } else if (err !== err) {
      // NaN: either the input is NaN (then the output must be too) or the output is a stray NaN.
      const xNaN = x[i] !== x[i];
      const yNaN = out[i] !== out[i];
      if (xNaN !== yNaN) {
        if (s.nanMismatch++ === 0) s.nanExample = (start + i) >>> 0;
      }
    }
  }
  s.max = max;
  s.worst = worst;
  s.over1 = over1;
  s.over2 = over2;
}

function describeBackend(b) {
  return `${b.kind}/${b.isa}` + (b.isas.length ? ` (isas: ${b.isas.join(', ')})` : '');
}

// ───────────────────────────── main: options, scheduling, report ─────────────────────────────

function usage(msg) {
  if (msg) console.error(`verify-sigmoid: ${msg}`);
  console.error(
    'usage: node scripts/verify-sigmoid.mjs [--fn sigmoid|derivative|both] [--range START:END]\n' +
      '         [--threads N] [--chunk LOG2] [--json FILE|-]\n' +
      '  --range   hex float32 bit patterns, END exclusive (default 0:100000000 = all 2^32)\n' +
      '  --threads worker threads (default os.availableParallelism())\n' +
      '  --chunk   log2 of the patterns per work item (default 22)\n' +
      '  --json    also write the results as JSON to FILE (- = last line of stdout)\n' +
      'Environment: SIGMAX_BACKEND=js|native, SIGMAX_ISA=scalar|sse2|avx2|avx512|neon (read by sigmax).',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const o = { fn: 'both', start: 0, end: 2 ** 32, threads: availableParallelism(), chunkLog2: 22, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    switch (flag) {
      case '--fn': {
        o.fn = value();
        if (!['sigmoid', 'derivative', 'both'].includes(o.fn)) usage(`--fn must be sigmoid, derivative or both, got ${o.fn}`);
        break;
      }
      case '--range': {
        const m = /^(?:0x)?([0-9a-f]{1,9}):(?:0x)?([0-9a-f]{1,9})$/i.exec(value());
        if (!m) usage('--range must be START:END in hex, e.g. 3f800000:3f900000');
        o.start = parseInt(m[1], 16);
        o.end = parseInt(m[2], 16);
        if (o.end > 2 ** 32 || o.start >= o.end) usage('--range needs START < END <= 100000000');
        break;
      }
      case '--threads': {
        o.threads = Number(value());
        if (!Number.isInteger(o.threads) || o.threads < 1) usage('--threads must be a positive integer');
        break;
      }
      case '--chunk': {
        o.chunkLog2 = Number(value());
        if (!Number.isInteger(o.chunkLog2) || o.chunkLog2 < 10 || o.chunkLog2 > 26) usage('--chunk must be an integer in 10..26');
        break;
      }
      case '--json':
        o.json = value();
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        usage(`unknown argument ${a}`);
    }
  }
  return o;
}

const hex = (b) => '0x' + (b >>> 0).toString(16).padStart(8, '0');
const f32OfBits = (b) => new Float32Array(new Uint32Array([b]).buffer)[0];
const fmtX = (b) => (b < 0 ? 'none' : `${f32OfBits(b)} (${hex(b)})`);

function mergeStats(into, s) {
  // Equal maxima keep the smaller bit pattern, so the worst input does not depend on scheduling.
  if (s.max > into.max || (s.max === into.max && s.worst >= 0 && (into.worst < 0 || s.worst < into.worst))) {
    into.max = s.max;
    into.worst = s.worst;
  }
  into.over1 += s.over1;
  into.over2 += s.over2;
  if (s.nanMismatch > 0 && (into.nanExample < 0 || s.nanExample < into.nanExample)) into.nanExample = s.nanExample;
  into.nanMismatch += s.nanMismatch;
  into.apiSeconds += s.apiSeconds;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (endianness() !== 'LE') throw new Error('this check reads float64 high words little-endian');
  const fns = opts.fn === 'both' ? ['sigmoid', 'derivative'] : [opts.fn];
  const sigmax = require('sigmax'); // fails here, with sigmax's own message, on a bad SIGMAX_ISA/SIGMAX_BACKEND
  const backend = describeBackend(sigmax.backend);
  const total = opts.end - opts.start;
  const chunkSize = 2 ** opts.chunkLog2;
  const threads = Math.max(1, Math.min(opts.threads, Math.ceil(total / chunkSize)));
  console.log(`sigmax backend: ${backend}`);
  console.log(
    `checking float32 ${fns.map((f) => FUNCTIONS[f]).join(' and ')} on ${hex(opts.start)}..${opts.end === 2 ** 32 ? '0x100000000' : hex(opts.end)} ` +
      `(${total} patterns, ${(100 * total / 2 ** 32).toFixed(total === 2 ** 32 ? 0 : 4)}% of 2^32) with ${threads} worker thread(s), ` +
      `chunks of 2^${opts.chunkLog2}; bound ${MAX_ULP} ulp against a float64 reference`,
  );

  const results = fns.map(() => newStats());
  let checkSeconds = 0;
  let next = opts.start;
  let done = 0;
  const t0 = performance.now();
  const progress = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    const rate = done / s;
    const maxes = fns.map((f, k) => `${f} ${Math.max(0, results[k].max).toPrecision(4)}`).join(', ');
    process.stderr.write(
      `  ${(100 * done / total).toFixed(1)}% (${done}/${total}) after ${s.toFixed(0)} s, ` +
        `${(rate / 1e6).toFixed(1)} M patterns/s, ETA ${rate > 0 ? ((total - done) / rate).toFixed(0) : '?'} s; max ulp so far: ${maxes}\n`,
    );
  }, 5000);

  await new Promise((resolve, reject) => {
    let running = 0;
    const assign = (w) => {
      if (next >= opts.end) {
        w.terminate();
        if (--running === 0) resolve();
        return;
      }
      const length = Math.min(chunkSize, opts.end - next);
      w.postMessage({ start: next, length });
      next += length;
    };
    for (let t = 0; t < threads; t++) {
      const w = new Worker(new URL(import.meta.url), { workerData: { fns, chunkSize } });
      running++;
      w.on('message', (m) => {
        if (m.type === 'ready') {
          if (m.backend !== backend) reject(new Error(`worker runs backend ${m.backend}, main thread ${backend}`));
        } else {
          m.stats.forEach((s, k) => mergeStats(results[k], s));
          checkSeconds += m.checkSeconds;
          done += m.length;
        }
        assign(w);
      });
      w.on('error', reject);
      w.on('exit', (code) => {
        if (code !== 0 && next < opts.end) reject(new Error(`worker exited with code ${code}`));
      });
    }
  }).finally(() => clearInterval(progress));

  const elapsed = (performance.now() - t0) / 1000;
  const report = {
    backend: sigmax.backend,
    range: { start: hex(opts.start), end: opts.end === 2 ** 32 ? '0x100000000' : hex(opts.end), patterns: total },
    threads,
    boundUlp: MAX_ULP,
    elapsedSeconds: +elapsed.toFixed(2),
    referenceWorkerSeconds: +checkSeconds.toFixed(2),
    functions: {},
    pass: true,
  };
  console.log(`done in ${elapsed.toFixed(1)} s wall (${(total / elapsed / 1e6).toFixed(1)} M patterns/s; reference + check ${checkSeconds.toFixed(1)} worker-s)`);
  fns.forEach((f, k) => {
    const s = results[k];
    const pass = s.max <= MAX_ULP && s.nanMismatch === 0;
    report.pass &&= pass;
    report.functions[FUNCTIONS[f]] = {
      maxUlp: s.max < 0 ? null : Number.isFinite(s.max) ? s.max : String(s.max), // null: every input was NaN
      worstInput: s.worst < 0 ? null : { x: String(f32OfBits(s.worst)), bits: hex(s.worst) },
      over1Ulp: s.over1,
      over2Ulp: s.over2,
      nanMismatches: s.nanMismatch,
      nanMismatchExample: s.nanExample < 0 ? null : { x: String(f32OfBits(s.nanExample)), bits: hex(s.nanExample) },
      apiWorkerSeconds: +s.apiSeconds.toFixed(2),
      pass,
    };
    console.log(
      `${FUNCTIONS[f].padEnd(17)} ` +
        (s.max < 0 ? 'max: none (every input was NaN); ' : `max ${s.max.toFixed(4)} ulp at x = ${fmtX(s.worst)}; `) +
        `> 1 ulp: ${s.over1}; > 2 ulp: ${s.over2}; NaN mismatches: ${s.nanMismatch}` +
        (s.nanMismatch ? ` (first at x = ${fmtX(s.nanExample)})` : '') +
        `; API ${s.apiSeconds.toFixed(1)} worker-s; ${pass ? 'PASS' : 'FAIL'}`,
    );
  });
  if (opts.json === '-') console.log(JSON.stringify(report));
  else if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
  process.exitCode = report.pass ? 0 : 1;
}

if (isMainThread) {
  await main().catch((err) => {
    console.error(`verify-sigmoid: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
} else {
  worker();
}
