#!/usr/bin/env node
// `npm run example:load`: load-tests the example scoring server (examples/server.mjs) with autocannon.
//
// Starts the server as a child process on 127.0.0.1 (ephemeral port), checks that the sigmax and naive
// handlers agree on a sample batch, then runs a bounded load (default 16 connections, 10 s per case after
// a 1 s warm-up) of binary float32 softmax batches, 1×1000 and 64×32000, against POST /softmax (sigmax,
// softmaxAsync) and POST /naive/softmax (a synchronous max-subtracted exp loop in plain JS). While each
// case runs, a probe GETs /health every 100 ms to see how responsive the server's event loop stays.
// Prints a table and stops the server (SIGTERM) by itself. Only loopback traffic.
//
//   node scripts/load-test.mjs [--duration S] [--connections C] [--warmup S] [--json] [--sync-max N]
//   (--sync-max N is passed to the server: sigmax batches of ≤ N logits then use the sync call)
//
// The load generator shares the machine with the server, so absolute numbers are a floor; compare the
// handlers as ratios within one run.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { mulberry32 } from './lib/mulberry32.cjs';

// autocannon appends every response body to a JavaScript string (PipelinedRequestsQueue.addBody, for
// verifyBody/expectBody/onResponse, none of which we use). For the 8 MB binary answers of the
// 64×32000 case that UTF-8 decoding costs the load generator more CPU than the server spends, and on a
// 2-core machine it throttles both (measured: ~5.6 vs ~28 req/s on one connection). Skip it.
{
  const Queue = createRequire(import.meta.url)('autocannon/lib/pipelinedRequestsQueue.js');
  if (typeof Queue?.prototype?.addBody === 'function') Queue.prototype.addBody = function addBody() {};
  else console.warn('warning: autocannon internals changed; responses are decoded to strings (slow for big bodies)');
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    'sync-max': { type: 'string', default: '0' },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const WARMUP = Number(args.warmup);
if (!(DURATION > 0) || !(CONNECTIONS >= 1) || !(WARMUP >= 0)) throw new Error('bad --duration/--connections/--warmup');

const SHAPES = [
  { rows: 1, cols: 1000 },
  { rows: 64, cols: 32000 },
];
const HANDLERS = [
  { name: 'sigmax', path: '/softmax' },
  { name: 'naive', path: '/naive/softmax' },
];

/** Deterministic logits (mulberry32, spread ~N(0, 2²)-ish), little-endian float32 bytes. */
function makeBody(n, seed) {
  const rand = mulberry32(seed);
  const buf = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) buf.writeFloatLE((rand() + rand() + rand() - 1.5) * 4, i * 4);
  return buf;
}

/** Starts the server; resolves with { child, port } once it prints its address. */
function startServer() {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    const child = spawn(process.execPath, [join(root, 'examples/server.mjs'), '--port', '0', '--sync-max', args['sync-max']], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        process.stdout.write(out.trim().split('\n').map((l) => `  server: ${l}`).join('\n') + '\n');
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`server exited before listening (code ${code}, signal ${signal})`)));
    child.once('error', reject);
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal });
    });
    child.kill('SIGTERM');
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One request; resolves with { status, body: Buffer, ms }. */
function request(port, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Both handlers answer the sample batch with probabilities that agree and sum to 1 per row. */
async function verify(port, body, { rows, cols }) {
  const answers = [];
  for (const h of HANDLERS) {
    const r = await request(port, 'POST', `${h.path}?cols=${cols}`, body, { 'content-type': 'application/octet-stream' });
    if (r.status !== 200) throw new Error(`${h.name} ${rows}×${cols}: HTTP ${r.status} ${r.body}`);
    if (r.body.length !== body.length) throw new Error(`${h.name} ${rows}×${cols}: ${r.body.length} bytes back, sent ${body.length}`);
    const y = new Float32Array(r.body.length / 4);
    for (let i = 0; i < y.length; i++) y[i] = r.body.readFloatLE(i * 4);
    for (let row = 0; row < rows; row++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += y[row * cols + c];
      if (!(Math.abs(s - 1) <= 1e-4)) throw new Error(`${h.name} ${rows}×${cols}: row ${row} sums to ${s}`);
    }
    answers.push(y);
  }
  let worst = 0;
  for (let i = 0; i < answers[0].length; i++) {
    const a = answers[0][i];
    const b = answers[1][i];
    const rel = Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
    if (b >= 1e-30 && rel > worst) worst = rel;
  }
  if (!(worst <= 1e-5)) throw new Error(`${rows}×${cols}: sigmax and naive differ by rel. ${worst}`);
  return worst;
}

/** GETs /health every `everyMs` until stopped; returns the latencies (ms). */
function probe(port, everyMs) {
  const times = [];
  let stopped = false;
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      await new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: probeAgent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', resolve);
      });
      times.push(performance.now() - t0);
      const wait = everyMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    probeAgent.destroy();
    return times;
  };
}

const quantile = (sorted, q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);

/**
 * Waits until the server has no request in flight: autocannon hangs up on its open requests when its time
 * is up, and the naive handler (synchronous) finishes them anyway, which would slow down the next case.
 */
async function drain(port) {
  for (let i = 0; i < 300; i++) {
    const r = await request(port, 'GET', '/health');
    if (JSON.parse(r.body.toString()).inFlight === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the server did not become idle within 30 s');
}

async function load(port, h, shape, body, seconds, connections) {
  return autocannon({
    url: `http://127.0.0.1:${port}${h.path}?cols=${shape.cols}`,
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
    connections,
    duration: seconds,
    timeout: 30,
  });
}

async function main() {
  const t0 = performance.now();
  console.log(`# sigmax example server under load (autocannon ${CONNECTIONS} connections, ${DURATION} s per case, ${WARMUP} s warm-up)`);
  console.log(`  node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), load generator on the same machine`);
  const { child, port } = await startServer();
  const onSignal = async () => {
    await stopServer(child);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  const rows = [];
  let failed = false;
  try {
    const health = JSON.parse((await request(port, 'GET', '/health')).body.toString());
    console.log(`  backend ${health.backend.kind}/${health.backend.isa}, sigmax threads ${health.threads}`);
    for (const shape of SHAPES) {
      const body = makeBody(shape.rows * shape.cols, 20240601 + shape.cols);
      const diff = await verify(port, body, shape);
      console.log(`  ${shape.rows}×${shape.cols}: sigmax and naive agree (max rel. diff ${diff.toExponential(1)}), rows sum to 1`);
      for (const h of HANDLERS) {
        await drain(port);
        if (WARMUP > 0) await load(port, h, shape, body, WARMUP, CONNECTIONS);
        await drain(port);
        const stopProbe = probe(port, 100);
        const r = await load(port, h, shape, body, DURATION, CONNECTIONS);
        const health = (await stopProbe()).sort((a, b) => a - b);
        const row = {
          batch: `${shape.rows}×${shape.cols}`,
          handler: h.name === 'sigmax' && shape.rows * shape.cols <= Number(args['sync-max']) ? 'sigmax (sync call)' : h.name,
          requests: r.requests.total,
          reqPerSec: r.requests.total / r.duration,
          mbPerSecIn: (r.requests.total * body.length) / r.duration / 1e6,
          p50: r.latency.p50,
          p99: r.latency.p99,
          max: r.latency.max,
          errors: r.errors,
          timeouts: r.timeouts,
          non2xx: r.non2xx,
          healthP50: quantile(health, 0.5),
          healthMax: health[health.length - 1] ?? NaN,
          healthProbes: health.length,
        };
        rows.push(row);
        if (row.errors || row.timeouts || row.non2xx || row.requests === 0) failed = true;
        console.log(`  ${row.batch} ${row.handler}: ${row.reqPerSec.toFixed(0)} req/s, p99 ${row.p99} ms`);
      }
    }
  } catch (err) {
    failed = true;
    console.error(`load test failed: ${err.stack ?? err}`);
  } finally {
    if (!failed) await drain(port).catch(() => {}); // let the leftovers of the last case finish first
    agent.destroy();
    const exit = await stopServer(child);
    console.log(`  server stopped (SIGTERM → exit code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ''})`);
    if (exit.code !== 0) failed = true;
  }

  console.log('');
  console.log('| batch (f32) | handler | req/s | input MB/s | latency p50 (ms) | p99 (ms) | max (ms) | errors | timeouts | non-2xx | /health p50 / max (ms) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.batch} | ${r.handler} | ${r.reqPerSec.toFixed(0)} | ${r.mbPerSecIn.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.max} | ` +
        `${r.errors} | ${r.timeouts} | ${r.non2xx} | ${r.healthP50.toFixed(1)} / ${r.healthMax.toFixed(1)} |`,
    );
  }
  for (const shape of SHAPES) {
    const b = `${shape.rows}×${shape.cols}`;
    const s = rows.find((r) => r.batch === b && r.handler.startsWith('sigmax'));
    const n = rows.find((r) => r.batch === b && r.handler === 'naive');
    if (s && n) {
      console.log(`${b}: throughput sigmax/naive ${(s.reqPerSec / n.reqPerSec).toFixed(2)}×; p99 latency sigmax ${s.p99} ms vs naive ${n.p99} ms`);
    }
  }
  console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s in all)`);
  if (args.json) console.log(JSON.stringify(rows, null, 2));
  if (failed) {
    console.error('FAILED: errors, timeouts, non-2xx responses or a server that did not stop cleanly');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
