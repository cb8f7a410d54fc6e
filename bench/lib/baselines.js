// The plain-JavaScript baselines of `npm run bench` (CommonJS, no dependencies).
//   naive  — what one writes by hand ("seed style"): sigmoid 1/(1+Math.exp(-x)); softmax exp / Σexp per row
//            WITHOUT max subtraction (overflows for logits above ~88 in float32, ~709 in float64);
//            logSoftmax x − log Σ exp x (same overflow); the backward passes as their formulas.
//   stable — the textbook stable 3-pass softmax / logSoftmax: max, exp(x − max) + sum, scale.
// Every function writes `out` (same type and length as x) and returns it; rows have `cols` elements.
//
// `specialized(dtype)` returns a fresh copy of every function, compiled from its own source text, so that
// each (group, dtype) gets its own V8 type feedback: a hand-written loop in an application sees one array
// type, and would be slowed by megamorphic Float32Array/Float64Array feedback that shared functions pick up
// in a benchmark that runs both. This only ever makes the baselines faster (the ratios more conservative).
// A copy sees no module scope: the row helpers it calls are copied too and handed to it.
'use strict';

// ---- row helpers over x[from, to): naive and stable differ only in the shift (0, or the row max)

/** The largest of x[from, to) (−∞ for an empty range). */
function rowMax(x, from, to) {
  let max = -Infinity;
  for (let i = from; i < to; i++) if (x[i] > max) max = x[i];
  return max;
}

/** Σ exp(x[i] − shift). */
function sumExp(x, from, to, shift) {
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp(x[i] - shift);
  return sum;
}

/** out[i] = exp(x[i] − shift); returns their sum. */
function storeExp(x, out, from, to, shift) {
  let sum = 0;
  for (let i = from; i < to; i++) {
    const e = Math.exp(x[i] - shift);
    out[i] = e;
    sum += e;
  }
  return sum;
}

// ---- the baselines

function sigmoid(x, out) {
  const n = x.length;
  for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
  return out;
}

function softmax(x, out, cols) {
  const n = x.length;
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    const sum = storeExp(x, out, from, to, 0); // no max subtraction
    for (let i = from; i < to; i++) out[i] /= sum;
  }
  return out;
}

function logSoftmax(x, out, cols) {
  const n = x.length;
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    const lse = Math.log(sumExp(x, from, to, 0)); // no max subtraction
    for (let i = from; i < to; i++) out[i] = x[i] - lse;
  }
  return out;
}

function stableSoftmax(x, out, cols) {
  const n = x.length;
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    const inv = 1 / storeExp(x, out, from, to, rowMax(x, from, to));
    for (let i = from; i < to; i++) out[i] *= inv;
  }
  return out;
}

function stableLogSoftmax(x, out, cols) {
  const n = x.length;
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    const max = rowMax(x, from, to);
    const shift = max + Math.log(sumExp(x, from, to, max));
    for (let i = from; i < to; i++) out[i] = x[i] - shift;
  }
  return out;
}

function sigmoidBackward(y, dy, out) {
  const n = y.length;
  for (let i = 0; i < n; i++) out[i] = dy[i] * y[i] * (1 - y[i]);
  return out;
}

function softmaxBackward(y, dy, out, cols) {
  const n = y.length;
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    let dot = 0;
    for (let i = from; i < to; i++) dot += dy[i] * y[i];
    for (let i = from; i < to; i++) out[i] = y[i] * (dy[i] - dot);
  }
  return out;
}

function logSoftmaxBackward(y, dy, out, cols) {
  const n = y.length;
  for (let from = 0; from < n; from += cols) {
    const to = from + cols;
    let sum = 0;
    for (let i = from; i < to; i++) sum += dy[i];
    for (let i = from; i < to; i++) out[i] = dy[i] - Math.exp(y[i]) * sum;
  }
  return out;
}

const naive = { sigmoid, softmax, logSoftmax, sigmoidBackward, softmaxBackward, logSoftmaxBackward };
const stable = { softmax: stableSoftmax, logSoftmax: stableLogSoftmax };

/**
 * A fresh copy of `fn` with its own type feedback (compiled from its source; `tag` keeps V8 from sharing it).
 * `scope`: the helpers it calls, by name (a function made by `new Function` sees only the global scope).
 */
function fresh(fn, tag, scope = {}) {
  // eslint-disable-next-line no-new-func
  return new Function(...Object.keys(scope), `'use strict'; return (${fn.toString()}) // ${tag}`)(...Object.values(scope));
}

/** { naive, stable } with fresh copies of every function and of the helpers they call, for one dtype (or any other tag). */
function specialized(tag) {
  const scope = Object.fromEntries([rowMax, sumExp, storeExp].map((f) => [f.name, fresh(f, `${f.name}.${tag}`)]));
  const copy = (set, prefix) => Object.fromEntries(Object.entries(set).map(([k, f]) => [k, fresh(f, `${prefix}.${k}.${tag}`, scope)]));
  return { naive: copy(naive, 'naive'), stable: copy(stable, 'stable') };
}

module.exports = { naive, stable, specialized };
