// The workloads of `npm run bench` and their deterministic inputs (CommonJS, no dependencies).
'use strict';

const { logits } = require('./stats.js');

/** 1000 → "1e3", 32000 → "32000", 10 → "10": powers of ten in short form, other counts as they are. */
function short(v) {
  if (v >= 1000) {
    const e = Math.round(Math.log10(v));
    if (10 ** e === v) return `1e${e}`;
  }
  return String(v);
}

const SIGMOID_N = [1e3, 1e4, 1e5, 1e6, 1e7];
/** [rows, cols]; 1×1e7 (a DRAM-sized row) for softmax only. */
const ROW_SHAPES = [[1, 1e3], [1e3, 1e3], [1, 1e6], [64, 32000], [1e4, 10], [1, 1e7]];
/** Backward passes: one in-cache size (1e4 elements) and one out-of-cache size (1e7 elements, ×3 arrays). */
const BACKWARD_ELEMENTWISE_N = [1e4, 1e7];
const BACKWARD_ROW_SHAPES = [[10, 1e3], [1e3, 1e4]];
/** Sync call overhead: sigmoid on a handful of elements (ns per call). */
const OVERHEAD_N = [1, 16];

function make(op, dtype, rows, cols, kind) {
  const n = rows * cols;
  const size = kind === 'rowwise' || (kind === 'backward' && op !== 'sigmoidBackward') ? `${short(rows)}×${short(cols)}` : short(n);
  return { id: `${op} ${dtype} ${size}`, op, dtype, rows, cols, n, size, kind };
}

/** Every workload of the full suite, in report order. */
function allWorkloads() {
  const list = [];
  for (const dtype of ['f32', 'f64']) for (const n of SIGMOID_N) list.push(make('sigmoid', dtype, 1, n, 'elementwise'));
  for (const op of ['softmax', 'logSoftmax']) {
    for (const dtype of ['f32', 'f64']) {
      for (const [r, c] of ROW_SHAPES) if (op === 'softmax' || r * c < 1e7) list.push(make(op, dtype, r, c, 'rowwise'));
    }
  }
  for (const dtype of ['f32', 'f64']) {
    for (const n of BACKWARD_ELEMENTWISE_N) list.push(make('sigmoidBackward', dtype, 1, n, 'backward'));
    for (const op of ['softmaxBackward', 'logSoftmaxBackward']) {
      for (const [r, c] of BACKWARD_ROW_SHAPES) list.push(make(op, dtype, r, c, 'backward'));
    }
  }
  for (const n of OVERHEAD_N) list.push({ ...make('sigmoid', 'f32', 1, n, 'elementwise'), id: `overhead sigmoid f32 ${n}`, kind: 'overhead' });
  return list;
}

/** The `--quick` subset (`npm start`). */
const QUICK_IDS = [
  'sigmoid f32 1e3', 'sigmoid f32 1e5', 'sigmoid f32 1e6', 'sigmoid f64 1e6',
  'softmax f32 1e3×1e3', 'softmax f32 64×32000', 'softmax f64 1e3×1e3', 'logSoftmax f32 1e3×1e3',
  'sigmoidBackward f32 1e4', 'overhead sigmoid f32 1',
];

/** Does implementation group `group` ('native-<isa>', 'js', 'naive', 'stable') implement this workload? */
function groupHas(group, w) {
  if (group === 'stable') return w.op === 'softmax' || w.op === 'logSoftmax';
  return true;
}

/**
 * The inputs of workload `w`: { x } (forward) or { y, dy } (backward), deterministic. x: logits spread over
 * about [-8, 11] (naive softmax stays finite). For the backward passes y has the range and shape of a forward
 * output — sigmoid: in (0.3, 0.9); softmax: positive, each row summing to 1; logSoftmax: the log of that —
 * made from the logits cheaply (the backward kernels' speed does not depend on the values, and computing real
 * forward outputs of 1e7 elements in JS, per process and round, took much of the suite's time); dy: logits / 8.
 * `alloc(Ctor, n)` gives the arrays (default: new ones).
 */
function inputs(w, alloc = (Ctor, n) => new Ctor(n)) {
  const Ctor = w.dtype === 'f32' ? Float32Array : Float64Array;
  const x = logits(Ctor, w.n, 1, alloc(Ctor, w.n));
  if (w.kind !== 'backward') return { x };
  const y = x; // overwritten in place
  if (w.op === 'sigmoidBackward') {
    for (let i = 0; i < y.length; i++) y[i] = 0.55 + y[i] / 32;
  } else {
    for (let from = 0; from < y.length; from += w.cols) {
      let sum = 0;
      for (let i = from; i < from + w.cols; i++) sum += y[i] = (y[i] + 9) ** 2;
      if (w.op === 'softmaxBackward') for (let i = from; i < from + w.cols; i++) y[i] /= sum;
      else {
        const lsum = Math.log(sum);
        for (let i = from; i < from + w.cols; i++) y[i] = Math.log(y[i]) - lsum;
      }
    }
  }
  const dy = logits(Ctor, w.n, 2, alloc(Ctor, w.n));
  for (let i = 0; i < dy.length; i++) dy[i] *= 0.125;
  return { y, dy };
}

module.exports = { allWorkloads, QUICK_IDS, groupHas, inputs, short };
