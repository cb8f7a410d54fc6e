// A worker thread that runs a sigmax sync kernel in a tight loop and reports its rate: the machine's own
// 1-vs-2-thread scaling right now, with no thread-pool hand-offs, as a ceiling for the async API's
// speedup measured in the same run (bench/async.js). The host is shared: this ceiling moves.
'use strict';
const { parentPort } = require('node:worker_threads');
const sigmax = require('sigmax');
const { logits } = require('./stats.js');

const arrays = new Map();
/** This worker's own input and output of `n` float32 elements (allocated once per size). */
function buffers(n) {
  if (!arrays.has(n)) arrays.set(n, { x: logits(Float32Array, n, 13), y: new Float32Array(n) });
  return arrays.get(n);
}

parentPort.on('message', ({ op, n, cols, ms, startAt }) => {
  const { x, y } = buffers(n);
  const f = op === 'sigmoid' ? () => sigmax.sigmoid(x, y) : () => sigmax.softmax(x, { cols, out: y });
  f();
  // Start together with the other worker (the main thread sends both the same start time).
  while (performance.timeOrigin + performance.now() < startAt);
  const t0 = performance.now();
  let calls = 0;
  let t;
  do {
    f();
    calls++;
    t = performance.now() - t0;
  } while (t < ms);
  parentPort.postMessage({ elementsPerSecond: (calls * n) / (t / 1000) });
});
