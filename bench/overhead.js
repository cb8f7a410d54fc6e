#!/usr/bin/env node
// `node bench/overhead.js` (part of `npm run bench`): the cost of one short synchronous call. sigmoid on
// n float32 elements through the public API (`sigmoid(x, out)`, validation included) against a plain JS
// loop `out[i] = 1 / (1 + Math.exp(-x[i]))`, for n = 1 … 256: ns per call at n = 16 (target ≤ 100 ns),
// and the crossover, the smallest n from which the public API is faster than the loop at every larger n
// measured. Each figure is the median over the rounds of a round's ns per call (a timed batch of calls);
// the two are interleaved within each round, since the machine may be shared.
// Raw numbers go to bench/results/overhead-<date>.json.
//
//   node bench/overhead.js [--rounds N] [--no-save]
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sigmax = require('sigmax');
const { summary, fmt, logits } = require('./lib/stats.js');

const args = process.argv.slice(2);
const SAVE = !args.includes('--no-save');
const roundsArg = args.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 15;
if (!(ROUNDS >= 1)) throw new Error('--rounds needs a positive number');

const SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const TARGET_N = 16;
const TARGET_NS = 100;
const BATCH_MS = 20;

function plainSigmoid(x, out) {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
  return out;
}

/** ns per call of `fn` over a batch of `calls` calls. */
function batch(fn, calls) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - t0) / calls;
}

/** Calls per batch so that a batch takes about BATCH_MS. */
function callsFor(fn) {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up: optimised code before any timing
  const ns = batch(fn, 20_000);
  return Math.max(1000, Math.round((BATCH_MS * 1e6) / ns));
}

function main() {
  const started = new Date();
  const rows = [];
  for (const n of SIZES) {
    const x = logits(Float32Array, n, 1);
    const out = new Float32Array(n);
    const variants = [
      { name: 'api', fn: () => sigmax.sigmoid(x, out) },
      { name: 'plain', fn: () => plainSigmoid(x, out) },
    ].map((v) => ({ ...v, calls: callsFor(v.fn), samples: [] }));
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(k + r) % variants.length];
        v.samples.push(batch(v.fn, v.calls));
      }
    }
    const [api, plain] = variants;
    rows.push({ n, api: summary(api.samples), plain: summary(plain.samples), apiSamples: api.samples, plainSamples: plain.samples });
  }
  let crossover = null;
  for (let i = rows.length - 1; i >= 0 && rows[i].api.median < rows[i].plain.median; i--) crossover = rows[i].n;
  const at16 = rows.find((r) => r.n === TARGET_N);

  const { backend } = sigmax;
  console.log('# sigmax sync call overhead');
  console.log(`${os.cpus()[0]?.model?.trim() ?? '?'}, ${os.availableParallelism()} threads, Node ${process.version}, ` +
    `backend ${backend.kind}/${backend.isa}, ${started.toISOString().slice(0, 10)}, \`node bench/overhead.js\`, ${ROUNDS} rounds, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  console.log('\nns per call, sigmoid on n float32 elements (median over the rounds; min–max):\n');
  console.log('| n | public API `sigmoid(x, out)` | plain JS loop | API ÷ loop |');
  console.log('|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.n} | ${fmt(r.api.median)} (${fmt(r.api.min)}–${fmt(r.api.max)}) | ${fmt(r.plain.median)} (${fmt(r.plain.min)}–${fmt(r.plain.max)}) | ${fmt(r.api.median / r.plain.median)} |`);
  }
  console.log(`\nsigmoid f32, n = ${TARGET_N}: public API ${fmt(at16.api.median)} ns/call, plain JS loop ${fmt(at16.plain.median)} ns/call; ` +
    `target ≤ ${TARGET_NS} ns: ${at16.api.median <= TARGET_NS ? 'met' : 'missed'}`);
  console.log(`crossover: the public API beats the plain JS loop from n = ${crossover ?? `(not within n ≤ ${SIZES.at(-1)})`}`);

  if (SAVE) {
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `overhead-${started.toISOString().slice(0, 10)}.json`);
    const env = { date: started.toISOString(), node: process.version, cpu: os.cpus()[0]?.model ?? '?', backend, rounds: ROUNDS, loadavg: os.loadavg() };
    fs.writeFileSync(file, JSON.stringify({ env, targetN: TARGET_N, targetNs: TARGET_NS, crossover, rows }, null, 1) + '\n');
    console.log(`raw results: ${path.relative(process.cwd(), file)}`);
  }
}

main();
