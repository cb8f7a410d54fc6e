#!/usr/bin/env node
// A scoring server on node:http: POST a batch of logits, get probabilities back, computed by the
// sigmax async API (off the event loop, split across threads for large batches).
//
//   node examples/server.mjs [--port N | N] [--naive] [--threads N] [--max-body-mb N] [--sync-max N]
//   (port also from $PORT; 0 or nothing = an ephemeral port, printed on start; --sync-max N: batches
//   of at most N logits use the sync call, which beats a thread-pool round trip when tiny; default 0)
//
// Routes (127.0.0.1 only):
//   POST /softmax  POST /sigmoid               sigmax (softmaxAsync / sigmoidAsync); with --naive, the naive handler
//   POST /naive/softmax  POST /naive/sigmoid    always the naive pure-JS handler (synchronous loops), for comparison
//   GET  /health                                backend, threads, mode
//
// Two body formats, answered in the format of the request:
//   Content-Type: application/octet-stream   little-endian float32 logits, row-major;
//       query: ?cols=N (default: one row), ?temperature=T (softmax), ?dtype=f64 for float64 bodies.
//       Softmax runs in place on the received buffer and the same bytes go back.
//   Content-Type: application/json           {"logits": [[...], [...]]}  or  {"logits": [...], "cols": N}
//       optional "temperature": T and "top": k (softmax); computed in float64.
//       Reply {"probs": <same shape as logits>} (+ "cols" for a flat batch, + "top": per row
//       [{"index", "p"}, ...] best first when "top" was asked for).
//
// Errors are JSON {"error": "..."}: 400 bad request, 404, 405, 413 body too large, 415 unsupported
// Content-Type. A client that disconnects mid-computation aborts its work (AbortSignal).
// SIGINT/SIGTERM: stop accepting, finish the requests in flight (5 s at most), then exit.
//
// Native async calls run on sigmax's own pool threads (one per hardware thread), not on libuv's pool.
import http from 'node:http';
import { endianness } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { backend, getThreads, setThreads, sigmoid, sigmoidAsync, softmax, softmaxAsync } from 'sigmax';

const HOST = '127.0.0.1';
const BIG_ENDIAN = endianness() === 'BE';

/** An error answered with this HTTP status and a JSON body. */
class HttpError extends Error {
  constructor(status, message, headers = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}
const bad = (message) => new HttpError(400, message);

// ── Naive pure JavaScript, as one would write it by hand (synchronous, on the event loop) ──

function naiveSoftmax(x, out, cols, t) {
  for (let r = 0; r < x.length; r += cols) {
    const end = r + cols;
    let m = -Infinity;
    for (let i = r; i < end; i++) if (x[i] > m) m = x[i];
    let s = 0;
    for (let i = r; i < end; i++) {
      const e = Math.exp((x[i] - m) / t);
      out[i] = e;
      s += e;
    }
    for (let i = r; i < end; i++) out[i] /= s;
  }
  return out;
}

function naiveSigmoid(x, out) {
  for (let i = 0; i < x.length; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
  return out;
}

/** The ways of computing: sigmax async (may be aborted), sigmax sync (tiny batches), or the naive loops. */
const engines = {
  sigmax: {
    softmax: (x, out, cols, temperature, signal) => softmaxAsync(x, { cols, out, temperature, signal }),
    sigmoid: (x, out, signal) => sigmoidAsync(x, out, { signal }),
  },
  // A thread-pool round trip costs tens of µs (more on a busy VM); a 1000-logit softmax computes in ~1 µs.
  // With --sync-max N, batches of at most N logits are computed on the event loop instead.
  sigmaxSync: {
    softmax: async (x, out, cols, temperature) => softmax(x, { cols, out, temperature }),
    sigmoid: async (x, out) => sigmoid(x, out),
  },
  naive: {
    softmax: async (x, out, cols, temperature) => naiveSoftmax(x, out, cols, temperature),
    sigmoid: async (x, out) => naiveSigmoid(x, out),
  },
};

// ── Request parsing ──

/** Reads the whole body into one buffer of its own (byteOffset 0, so any float view is aligned). */
function readBody(req, maxBytes) {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    const length = declared === undefined ? -1 : Number(declared);
    if (length > maxBytes) {
      reject(new HttpError(413, `body of ${length} bytes exceeds the limit of ${maxBytes}`, { connection: 'close' }));
      req.resume();
      return;
    }
    let buf = length >= 0 ? Buffer.allocUnsafeSlow(length) : null;
    const chunks = [];
    let received = 0;
    let failed = false;
    req.on('data', (chunk) => {
      if (failed) return;
      if (received + chunk.length > (buf ? buf.length : maxBytes)) {
        failed = true;
        reject(buf
          ? bad('body is longer than its Content-Length')
          : new HttpError(413, `body exceeds the limit of ${maxBytes} bytes`, { connection: 'close' }));
        return;
      }
      if (buf) chunk.copy(buf, received);
      else chunks.push(chunk);
      received += chunk.length;
    });
    req.on('end', () => {
      if (failed) return;
      if (buf && received !== buf.length) return reject(bad('body is shorter than its Content-Length'));
      if (!buf) {
        buf = Buffer.allocUnsafeSlow(received);
        let at = 0;
        for (const c of chunks) at += c.copy(buf, at);
      }
      resolve(buf);
    });
    req.on('error', (err) => {
      failed = true;
      reject(err);
    });
    req.on('close', () => {
      if (!req.complete && !failed) {
        failed = true;
        reject(Object.assign(new Error('client closed the connection mid-body'), { code: 'ECONNRESET' }));
      }
    });
  });
}

/** A query parameter as a positive integer (undefined when absent). */
function intParam(params, name) {
  const v = params.get(name);
  if (v === null) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw bad(`${name} must be a positive integer, got '${v}'`);
  }
  return Number(v);
}

function checkTemperature(t) {
  if (t === undefined) return 1;
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw bad(`temperature must be a finite number > 0, got ${JSON.stringify(t)}`);
  }
  return t;
}

function checkCols(cols, n) {
  if (cols === undefined) return n;
  if (!Number.isSafeInteger(cols) || cols < 1) throw bad(`cols must be a positive integer, got ${JSON.stringify(cols)}`);
  if (n % cols !== 0) throw bad(`cols (${cols}) must divide the number of logits (${n})`);
  return cols;
}

/** Swaps the bytes of each `size`-byte element in place (only on a big-endian host). */
function swapBytes(buf, size) {
  if (size === 4) buf.swap32();
  else buf.swap64();
}

/** Binary batch: little-endian floats, shape from ?cols=, options from the query. */
function parseBinary(op, body, params) {
  const dtype = params.get('dtype') ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f64') throw bad(`dtype must be f32 or f64, got '${dtype}'`);
  const size = dtype === 'f32' ? 4 : 8;
  if (body.length === 0) throw bad(`empty body: expected little-endian ${dtype === 'f32' ? 'float32' : 'float64'} logits`);
  if (body.length % size !== 0) throw bad(`body length ${body.length} is not a multiple of ${size} (${dtype})`);
  if (BIG_ENDIAN) swapBytes(body, size);
  const Ctor = size === 4 ? Float32Array : Float64Array;
  const x = new Ctor(body.buffer, body.byteOffset, body.length / size);
  const cols = checkCols(intParam(params, 'cols'), x.length);
  const t = params.get('temperature');
  const temperature = checkTemperature(t === null ? undefined : Number(t));
  if (op === 'sigmoid' && t !== null) throw bad('temperature applies to softmax only');
  return { x, cols, temperature, size };
}

/** JSON batch: {"logits": [[...]...]} or {"logits": [...], "cols": N}, optional temperature and top. */
function parseJson(op, body) {
  let req;
  try {
    req = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw bad(`invalid JSON: ${err.message}`);
  }
  if (typeof req !== 'object' || req === null || Array.isArray(req)) throw bad('expected a JSON object {"logits": ...}');
  const { logits } = req;
  if (!Array.isArray(logits) || logits.length === 0) throw bad('logits must be a non-empty array (of numbers, or of rows)');
  const nested = Array.isArray(logits[0]);
  let x;
  let cols;
  if (nested) {
    if (req.cols !== undefined && req.cols !== logits[0].length) throw bad('cols disagrees with the row length');
    cols = logits[0].length;
    if (cols === 0) throw bad('rows must not be empty');
    if (logits.length * cols > 1e8) throw bad('too many logits');
    x = new Float64Array(logits.length * cols);
    for (let r = 0; r < logits.length; r++) {
      const row = logits[r];
      if (!Array.isArray(row) || row.length !== cols) {
        throw bad(`logits[${r}] must be an array of ${cols} numbers (all rows the same length)`);
      }
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (typeof v !== 'number') throw bad(`logits[${r}][${c}] must be a number, got ${JSON.stringify(v)}`);
        x[r * cols + c] = v;
      }
    }
  } else {
    x = new Float64Array(logits.length);
    for (let i = 0; i < logits.length; i++) {
      const v = logits[i];
      if (typeof v !== 'number') throw bad(`logits[${i}] must be a number, got ${JSON.stringify(v)}`);
      x[i] = v;
    }
    cols = checkCols(req.cols, x.length);
  }
  const temperature = checkTemperature(req.temperature);
  let top;
  if (req.top !== undefined) {
    if (op !== 'softmax') throw bad('top applies to softmax only');
    if (!Number.isSafeInteger(req.top) || req.top < 1 || req.top > cols) {
      throw bad(`top must be an integer in [1, ${cols}], got ${JSON.stringify(req.top)}`);
    }
    top = req.top;
  }
  if (op === 'sigmoid' && req.temperature !== undefined) throw bad('temperature applies to softmax only');
  return { x, cols, temperature, nested, top };
}

/** The k best (index, p) of row [from, from + cols) of y, best first. */
function topOfRow(y, from, cols, k) {
  const idx = [];
  if (k <= 16) {
    for (let i = 0; i < cols; i++) {
      const v = y[from + i];
      if (idx.length === k && !(v > y[from + idx[k - 1]])) continue;
      let j = idx.length < k ? idx.length : k - 1;
      while (j > 0 && v > y[from + idx[j - 1]]) {
        idx[j] = idx[j - 1];
        j--;
      }
      idx[j] = i;
    }
  } else {
    for (let i = 0; i < cols; i++) idx.push(i);
    idx.sort((a, b) => y[from + b] - y[from + a]);
    idx.length = k;
  }
  return idx.map((i) => ({ index: i, p: y[from + i] }));
}

function jsonReply(y, cols, nested, top) {
  const rows = y.length / cols;
  const reply = {};
  if (nested) {
    reply.probs = new Array(rows);
    for (let r = 0; r < rows; r++) reply.probs[r] = Array.from(y.subarray(r * cols, (r + 1) * cols));
  } else {
    reply.probs = Array.from(y);
    reply.cols = cols;
  }
  if (top !== undefined) {
    reply.top = new Array(rows);
    for (let r = 0; r < rows; r++) reply.top[r] = topOfRow(y, r * cols, cols, top);
  }
  return JSON.stringify(reply);
}

function send(res, status, contentType, body, headers = {}) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': body.length, ...headers });
  res.end(body);
}

function sendError(res, status, message, headers = {}) {
  send(res, status, 'application/json', Buffer.from(JSON.stringify({ error: message })), headers);
}

/**
 * Creates (does not start) the scoring server.
 * @param {{ naive?: boolean, maxBodyBytes?: number }} [options] naive: serve /softmax and /sigmoid naively too
 */
export function createScoringServer({ naive = false, maxBodyBytes = 64 << 20, syncMax = 0 } = {}) {
  let closing = false;
  let inFlight = 0;
  const routes = {
    '/softmax': { op: 'softmax', engine: naive ? 'naive' : 'sigmax' },
    '/sigmoid': { op: 'sigmoid', engine: naive ? 'naive' : 'sigmax' },
    '/naive/softmax': { op: 'softmax', engine: 'naive' },
    '/naive/sigmoid': { op: 'sigmoid', engine: 'naive' },
  };

  async function score(req, res, { op, engine }, params) {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const binary = type === 'application/octet-stream';
    if (!binary && type !== 'application/json') {
      throw new HttpError(415, `Content-Type must be application/octet-stream (little-endian floats) or application/json, got '${type}'`);
    }
    const body = await readBody(req, maxBodyBytes);
    const abort = new AbortController();
    // The client went away before the answer: stop the work at its next chunk.
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    /** The engine for a batch of `n` logits. */
    const pick = (n) => engines[engine === 'sigmax' && n <= syncMax ? 'sigmaxSync' : engine];
    if (binary) {
      const { x, cols, temperature, size } = parseBinary(op, body, params);
      const run = pick(x.length);
      if (op === 'softmax') await run.softmax(x, x, cols, temperature, abort.signal);
      else await run.sigmoid(x, x, abort.signal);
      if (BIG_ENDIAN) swapBytes(body, size);
      send(res, 200, 'application/octet-stream', body, closing ? { connection: 'close' } : {});
    } else {
      const { x, cols, temperature, nested, top } = parseJson(op, body);
      const run = pick(x.length);
      if (op === 'softmax') await run.softmax(x, x, cols, temperature, abort.signal);
      else await run.sigmoid(x, x, abort.signal);
      send(res, 200, 'application/json', Buffer.from(jsonReply(x, cols, nested, top)), closing ? { connection: 'close' } : {});
    }
  }

  const server = http.createServer((req, res) => {
    inFlight++;
    res.on('close', () => inFlight--);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes[url.pathname];
    const done = (async () => {
      if (url.pathname === '/health') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET', { allow: 'GET, HEAD' });
        const info = {
          ok: !closing,
          backend,
          threads: getThreads(),
          naive,
          inFlight: inFlight - 1, // other requests than this one
        };
        send(res, 200, 'application/json', Buffer.from(JSON.stringify(info)));
        return;
      }
      if (route === undefined) throw new HttpError(404, `no route ${url.pathname}: POST /softmax, /sigmoid, /naive/softmax, /naive/sigmoid`);
      if (req.method !== 'POST') throw new HttpError(405, `use POST for ${url.pathname}`, { allow: 'POST' });
      await score(req, res, route, url.searchParams);
    })();
    done.catch((err) => {
      if (err?.name === 'AbortError' || err?.code === 'ECONNRESET' || res.destroyed) {
        // The client is gone (it hung up mid-body or mid-computation): nothing to answer.
      } else if (err instanceof HttpError) {
        sendError(res, err.status, err.message, err.headers);
      } else if (err instanceof TypeError || err instanceof RangeError) {
        sendError(res, 400, err.message); // an argument sigmax itself refused
      } else {
        console.error('sigmax server: internal error:', err);
        sendError(res, 500, 'internal error');
      }
      // An error before the body was read: drop the rest of it.
      if (!req.complete) req.resume();
    });
  });

  server.shutdown = (graceMs = 5000) =>
    new Promise((resolve) => {
      closing = true;
      server.close(() => resolve());
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
    });
  Object.defineProperty(server, 'inFlight', { get: () => inFlight });
  return server;
}

async function main() {
  const { values, positionals } = parseArgs({
    options: {
      port: { type: 'string' },
      naive: { type: 'boolean', default: false },
      threads: { type: 'string' },
      'max-body-mb': { type: 'string' },
      'sync-max': { type: 'string' },
    },
    allowPositionals: true,
  });
  const portText = values.port ?? positionals[0] ?? process.env.PORT ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port '${portText}'`);
  const threadsText = values.threads ?? process.env.SIGMAX_THREADS;
  if (threadsText !== undefined) setThreads(Number(threadsText));
  const maxBodyBytes = Math.round(Number(values['max-body-mb'] ?? 64) * (1 << 20));
  if (!(maxBodyBytes > 0)) throw new Error('bad --max-body-mb');

  const syncMax = Number(values['sync-max'] ?? 0);
  if (!Number.isInteger(syncMax) || syncMax < 0) throw new Error('bad --sync-max');
  const server = createScoringServer({ naive: values.naive, maxBodyBytes, syncMax });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      console.error(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.error(`${signal}: closing (${server.inFlight} request(s) in flight)`);
    server.shutdown().then(() => {
      console.error('closed');
      process.exitCode = 0;
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, resolve);
  });
  const { port: actual } = server.address();
  console.log(
    `sigmax scoring server listening on http://${HOST}:${actual} ` +
      `(backend ${backend.kind}/${backend.isa}, threads ${getThreads()}, ` +
      `/softmax and /sigmoid: ${values.naive ? 'naive' : 'sigmax'}${syncMax ? `, sync up to ${syncMax} logits` : ''})`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`sigmax server: ${err.message}`);
    process.exit(1);
  });
}
