#!/usr/bin/env node
// The logits toolkit's targets (single thread, one run): each row times a sigmax call and what it is
// held to (a sigmax softmax / logSumExp of the same shape, memcpy of the same bytes, or the same work
// in plain JavaScript with a full sort), interleaved in rounds; the ratio is the median of the rounds'
// paired ratios. Uses only the public API of the built package (`npm run build:ts` first).
//
//   node bench/logits.js [--rounds N] [--filter TEXT] [--json FILE]
// Data: float32 logits 2.5·N(0, 1) (seeded), the spread of a language model's next-token logits.
'use strict';

const os = require('node:os');
const fs = require('node:fs');
const sx = require('..');
const { mulberry32 } = require('../scripts/lib/mulberry32.cjs');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const ROUNDS = Number(opt('--rounds', 5));
const FILTER = String(opt('--filter', '')).toLowerCase();
const JSON_OUT = opt('--json', null);

function logits(rows, cols, seed) {
  const rng = mulberry32(seed);
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng())) * 2.5;
    const a = 2 * Math.PI * rng();
    x[i] = r * Math.cos(a);
    if (i + 1 < x.length) x[i + 1] = r * Math.sin(a);
  }
  return x;
}

/** Nanoseconds per call of fn: calls batched to ≥ 2 ms, the median of 5 batches. */
function nsPerCall(fn) {
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0);
    if (ns >= 2e6 || reps >= 1 << 20) break;
    reps *= ns < 2e5 ? 8 : 2;
  }
  const samples = [];
  for (let b = 0; b < 5; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / reps);
  }
  return samples.sort((a, b) => a - b)[2];
}

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

// ---- plain-JavaScript baselines: softmax as users write it, and a full index sort

function jsSoftmax(x) {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  const p = new Float64Array(x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += p[i] = Math.exp(x[i] - m);
  for (let i = 0; i < x.length; i++) p[i] /= s;
  return p;
}

function jsSortedIndices(p) {
  const idx = new Int32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => p[b] - p[a] || a - b);
}

function jsTopK(x, k) {
  const p = jsSoftmax(x);
  return jsSortedIndices(p).subarray(0, k);
}

/** The sampling procedure with a full sort (topP only), one draw. */
function jsSampleTopP(x, topP, u) {
  const p = jsSoftmax(x);
  const order = jsSortedIndices(p);
  let cum = 0;
  let keep = 0;
  while (keep < order.length && (cum += p[order[keep++]]) < topP);
  const kept = Array.from(order.subarray(0, keep)).sort((a, b) => a - b);
  let total = 0;
  for (const i of kept) total += p[i];
  let c = 0;
  for (const i of kept) if ((c += p[i]) > u * total) return i;
  return kept[kept.length - 1];
}

// ---- the target rows

const V = 152064;
const rows = [];
function row(name, target, kind, ours, theirs) {
  rows.push({ name, target, kind, ours, theirs });
}
{
  const x = logits(1, V, 1);
  const out = new Float32Array(V);
  const res = { indices: new Int32Array(50), values: new Float32Array(50) };
  row('topK k=50, 1×152064 vs softmax into out', 1.5, 'max', () => sx.topK(x, 50, { out: res }), () => sx.softmax(x, { out }));
  row('topK k=50, 1×152064 vs JS softmax + full index sort', 30, 'min', () => sx.topK(x, 50, { out: res }), () => jsTopK(x, 50));
  const one = new Int32Array(1);
  const u = () => 0.5;
  row('sample topP 0.9, 1×152064 vs softmax into out', 2, 'max', () => sx.sample(x, { topP: 0.9, random: u, out: one }), () => sx.softmax(x, { out }));
  row('sample topP 0.9, 1×152064 vs plain JS with a full sort', 30, 'min', () => sx.sample(x, { topP: 0.9, random: u, out: one }), () => jsSampleTopP(x, 0.9, 0.5));
}
{
  const x = logits(1e4, 1000, 2);
  const out = new Float32Array(x.length);
  const res = { indices: new Int32Array(5e4), values: new Float32Array(5e4) };
  row('topK k=5, 1e4×1000 vs softmax', 1.5, 'max', () => sx.topK(x, 5, { cols: 1000, out: res }), () => sx.softmax(x, { cols: 1000, out }));
}
{
  const x = logits(64, 32000, 3);
  const out = new Float32Array(x.length);
  const idx = new Int32Array(64);
  const o = { cols: 32000, topK: 50, topP: 0.9, temperature: 0.7, random: () => 0.5, out: idx };
  row('sample topK 50 + topP 0.9 + t 0.7, 64×32000 vs softmax (t 0.7)', 2, 'max', () => sx.sample(x, o), () => sx.softmax(x, { cols: 32000, temperature: 0.7, out }));
  const target = Int32Array.from({ length: 64 }, (_, r) => (r * 7919) % 32000);
  const ce = new Float32Array(64);
  row('crossEntropy 64×32000 vs logSumExp', 1.2, 'max', () => sx.crossEntropy(x, target, { cols: 32000, out: ce }), () => sx.logSumExp(x, { cols: 32000, out: ce }));
}
{
  const x = logits(1e4, 10, 4);
  const target = Int32Array.from({ length: 1e4 }, (_, r) => r % 10);
  const ce = new Float32Array(1e4);
  row('crossEntropy 1e4×10 vs logSumExp', 1.2, 'max', () => sx.crossEntropy(x, target, { cols: 10, out: ce }), () => sx.logSumExp(x, { cols: 10, out: ce }));
}
{
  const x = logits(1000, 1000, 5);
  const copy = new Float32Array(x.length);
  const out = new Int32Array(1000);
  row('argmax 1e3×1e3 vs memcpy of the same bytes', 1.2, 'max', () => sx.argmax(x, { cols: 1000, out }), () => copy.set(x));
}

// ---- run: per round, each row's pair timed back to back; the median of the paired ratios

const chosen = rows.filter((r) => r.name.toLowerCase().includes(FILTER));
const ratios = chosen.map(() => []);
const times = chosen.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  chosen.forEach((r, i) => {
    const a = nsPerCall(r.ours);
    const b = nsPerCall(r.theirs);
    times[i].push([a, b]);
    ratios[i].push(r.kind === 'max' ? a / b : b / a);
  });
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`sigmax logits toolkit — ${sx.backend.kind}/${sx.backend.isa}, ${cpu}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${ROUNDS} rounds, single thread`);
console.log('| work (float32) | sigmax | baseline | ratio | target | met |');
console.log('|---|---:|---:|---:|---:|:---:|');
const report = [];
chosen.forEach((r, i) => {
  const ratio = median(ratios[i]);
  const a = median(times[i].map((t) => t[0]));
  const b = median(times[i].map((t) => t[1]));
  const met = r.kind === 'max' ? ratio <= r.target : ratio >= r.target;
  const shown = r.kind === 'max' ? `${ratio.toFixed(2)}× the time` : `${ratio.toFixed(1)}× faster`;
  const target = r.kind === 'max' ? `≤ ${r.target}×` : `≥ ${r.target}×`;
  console.log(`| ${r.name} | ${(a / 1e3).toFixed(1)} µs | ${(b / 1e3).toFixed(1)} µs | ${shown} | ${target} | ${met ? 'yes' : 'no'} |`);
  report.push({ name: r.name, sigmaxNs: a, baselineNs: b, ratio, target: r.target, kind: r.kind, met });
});
if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ backend: sx.backend, cpu, node: process.version, date: new Date().toISOString(), rounds: ROUNDS, rows: report }, null, 2));
