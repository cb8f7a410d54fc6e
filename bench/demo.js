#!/usr/bin/env node
// `npm start`: a short tour of sigmax. Scores a sample batch (1000 rows × 1000 logits, float32) with
// softmax, squashes 10^6 logits with sigmoid, and times sigmax against the pure-TypeScript backend
// (`sigmax/js`) and a naive JavaScript loop. Plain CommonJS, no dependencies beyond sigmax.
'use strict';
const sigmax = require('sigmax');
const js = require('sigmax/js');
const { rng } = require('./lib/stats.js'); // deterministic: every run scores the same batch

const ROWS = 1000;
const COLS = 1000;
const N = ROWS * COLS;

/** A batch of logits: noise of spread ~2 per class, plus a bump of 6..10 on one planted class per row. */
function makeBatch() {
  const rand = rng(20240601);
  const logits = new Float32Array(N);
  const planted = new Int32Array(ROWS);
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) logits[r * COLS + c] = (rand() + rand() + rand() - 1.5) * 4;
    planted[r] = Math.floor(rand() * COLS);
    logits[r * COLS + planted[r]] += 6 + 4 * rand();
  }
  return { logits, planted };
}

// ── Naive JavaScript, as one would write it by hand ──
function naiveSigmoid(x, out) {
  for (let i = 0; i < x.length; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
  return out;
}
/** exp / Σexp per row, without subtracting the row max: overflows for logits above ~88 (float32). */
function naiveSoftmax(x, out, cols) {
  for (let from = 0; from < x.length; from += cols) {
    let sum = 0;
    for (let i = from; i < from + cols; i++) {
      const e = Math.exp(x[i]);
      out[i] = e;
      sum += e;
    }
    for (let i = from; i < from + cols; i++) out[i] /= sum;
  }
  return out;
}

/** Median seconds per call of fn over `samples` samples, each long enough (≥ 5 ms) to time reliably. */
function time(fn, samples = 7) {
  fn(); // warm up (JIT, page faults)
  let t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.ceil(5 / once));
  const per = [];
  for (let s = 0; s < samples; s++) {
    t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    per.push((performance.now() - t0) / reps / 1000);
  }
  per.sort((a, b) => a - b);
  return per[samples >> 1];
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const b = sigmax.backend;
const backendName = b.kind === 'native' ? `native, ${b.isa} (this CPU and build offer: ${b.isas.join(', ')})` : 'pure TypeScript (js)';
console.log(`sigmax demo — backend: ${backendName}`);
if (b.kind === 'js') console.log('  (the native addon did not load: run `npm run build:native` to build it)');

// ── 1. Score a batch with softmax ──
const { logits, planted } = makeBatch();
const probs = sigmax.softmax(logits, { cols: COLS });
console.log(`\nSoftmax over ${ROWS} rows × ${COLS} logits (float32):`);
console.log('  row   top-1 class   p(top-1)   planted class   Σ p over the row');
let hits = 0;
let worstSum = 0;
for (let r = 0; r < ROWS; r++) {
  let best = 0;
  let sum = 0;
  for (let c = 0; c < COLS; c++) {
    const p = probs[r * COLS + c];
    sum += p;
    if (p > probs[r * COLS + best]) best = c;
  }
  if (best === planted[r]) hits++;
  worstSum = Math.max(worstSum, Math.abs(sum - 1));
  if (r < 5) {
    console.log(
      `  ${String(r).padStart(3)}   ${String(best).padStart(11)}   ${probs[r * COLS + best].toFixed(5).padStart(8)}   ` +
        `${String(planted[r]).padStart(13)}   ${sum.toFixed(7)}`,
    );
  }
}
console.log(`  top-1 = planted class in ${hits} of ${ROWS} rows; max |Σp − 1| = ${worstSum.toExponential(2)}`);
const cool = sigmax.softmax(logits.subarray(0, COLS), { temperature: 0.5 });
const warm = sigmax.softmax(logits.subarray(0, COLS), { temperature: 2 });
let r0 = 0;
for (let c = 1; c < COLS; c++) if (logits[c] > logits[r0]) r0 = c;
console.log(`  row 0 with temperature 0.5: p(top-1) = ${cool[r0].toFixed(5)}; with temperature 2: ${warm[r0].toFixed(5)}`);

// ── 2. Sigmoid of 10^6 logits ──
const x = new Float32Array(N);
for (let i = 0; i < N; i++) x[i] = -12 + (24 * i) / (N - 1); // an even sweep over [−12, 12]
const y = sigmax.sigmoid(x);
console.log(`\nSigmoid of ${N.toLocaleString('en-US')} float32 logits in [−12, 12]:`);
const picks = Float32Array.of(-12, -6, -2, 0, 2, 6, 12);
const pickY = sigmax.sigmoid(picks);
console.log('  ' + [...picks].map((v, k) => `σ(${v}) = ${pickY[k].toPrecision(6)}`).join(', '));
console.log(`  edges: σ(−100) = ${sigmax.sigmoid(new Float32Array([-100]))[0].toExponential(3)} (a float32 subnormal), ` +
  `σ(+∞) = ${sigmax.sigmoid(new Float32Array([Infinity]))[0]}, σ(NaN) = ${sigmax.sigmoid(new Float32Array([NaN]))[0]}`);
const naiveY = naiveSigmoid(x, new Float32Array(N));
console.log(`  max |sigmax − naive| = ${maxAbsDiff(y, naiveY).toExponential(2)}`);

// ── 3. Timing ──
const x64 = Float64Array.from(x);
const logits64 = Float64Array.from(logits);
const out32 = new Float32Array(N);
const out64 = new Float64Array(N);
const cases = [
  { name: 'sigmoid f32', impls: [
    ['sigmax', () => sigmax.sigmoid(x, out32)],
    ['sigmax/js', () => js.sigmoid(x, out32)],
    ['naive JS', () => naiveSigmoid(x, out32)],
  ] },
  { name: 'sigmoid f64', impls: [
    ['sigmax', () => sigmax.sigmoid(x64, out64)],
    ['sigmax/js', () => js.sigmoid(x64, out64)],
    ['naive JS', () => naiveSigmoid(x64, out64)],
  ] },
  { name: `softmax f32 ${ROWS}×${COLS}`, impls: [
    ['sigmax', () => sigmax.softmax(logits, { cols: COLS, out: out32 })],
    ['sigmax/js', () => js.softmax(logits, { cols: COLS, out: out32 })],
    ['naive JS', () => naiveSoftmax(logits, out32, COLS)],
  ] },
  { name: `softmax f64 ${ROWS}×${COLS}`, impls: [
    ['sigmax', () => sigmax.softmax(logits64, { cols: COLS, out: out64 })],
    ['sigmax/js', () => js.softmax(logits64, { cols: COLS, out: out64 })],
    ['naive JS', () => naiveSoftmax(logits64, out64, COLS)],
  ] },
];
console.log(`\nTiming, ${N.toLocaleString('en-US')} elements per call, median of 7 (sigmax runs ${b.kind === 'native' ? b.isa : 'js'}):`);
console.log('  case                    implementation   ms/call    Melem/s   vs naive JS');
for (const c of cases) {
  const secs = c.impls.map(([, fn]) => time(fn));
  const naive = secs[secs.length - 1];
  c.impls.forEach(([impl], k) => {
    console.log(
      `  ${(k === 0 ? c.name : '').padEnd(22)}  ${impl.padEnd(14)} ${(secs[k] * 1e3).toFixed(3).padStart(8)}  ` +
        `${(N / secs[k] / 1e6).toFixed(0).padStart(8)}   ${(naive / secs[k]).toFixed(2).padStart(8)}×`,
    );
  });
}
console.log('\n(naive softmax skips the max subtraction, so it overflows for logits above ~88 in float32;' +
  ' sigmax is stable and checked to the SPEC accuracy bounds.)');
