// `sigmax/js` in a real browser: the pure-TypeScript backend bundled by esbuild (as a user's bundler
// would) into a page served from 127.0.0.1, opened in headless Chromium (Debian's package, driven by
// playwright-core). The page runs every function, sync and async, float32 and float64, on realistic
// data, special values and bad arguments; what comes back is checked here against the float64
// references of ../reference.ts at the SPEC bounds. Last, the async twins against the sync calls on
// 2^20 elements: ≤ 1.5× the time, and the page gets its turns while they work.
//
// Run with `npm run test:browser` (or the `browser` path of test/run-all.mjs). Chromium: $SIGMAX_CHROMIUM,
// else /usr/bin/chromium, installed from Debian's `chromium` package when missing (needs root or sudo).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BACKWARD_BOUNDS,
  logSoftmaxBackwardRef,
  logSumExpRef,
  logViolation,
  scaledViolation,
  sigmoidBackwardRef,
  sigmoidDerivativeRefWide,
  sigmoidPairRef64,
  sigmoidRefWide,
  softmaxBackwardRef,
  softmaxJacobianRef,
  SOFTMAX_BOUNDS,
  softmaxRefs,
  softmaxViolation,
  ulpErr32,
  ulpErr64,
} from '../reference.js';
import { argmaxRef, crossEntropyRef, probsRef, rankOrder } from '../logits-reference.js';
import {
  type Api, type FloatArray, type FnInfo, FUNCTIONS, fromNumbers, makeLogits, type Precision, PRECISIONS, sameBits,
} from '../util.js';
import type { CallResult, CallSpec, TimingResult } from './page.js';
import { decode, encode } from './wire.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

let server: Server;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
let bundle: { bytes: number; inputs: string[] };

/** The Chromium binary, installed from Debian's package when it is missing. */
function chromiumPath(): string {
  const path = process.env.SIGMAX_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path) && process.env.SIGMAX_CHROMIUM === undefined && process.platform === 'linux') {
    execFileSync('bash', ['-c', '. scripts/lib/apt.sh && apt_install chromium'], { cwd: root, stdio: 'inherit', timeout: 600_000 });
  }
  if (!existsSync(path)) throw new Error(`no Chromium at ${path} (set SIGMAX_CHROMIUM)`);
  return path;
}

beforeAll(async () => {
  const executablePath = chromiumPath();
  const built = await build({
    entryPoints: [join(root, 'test/browser/page.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const script = built.outputFiles[0]!.contents;
  bundle = { bytes: script.length, inputs: Object.keys(built.metafile.inputs) };
  const html = '<!doctype html><meta charset="utf-8"><title>sigmax/js</title><script type="module" src="/page.js"></script>';
  server = createServer((req, res) => {
    const [type, body] = req.url === '/' ? ['text/html', html] : req.url === '/page.js' ? ['text/javascript', script] : [];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': type ?? 'text/plain' }).end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  userDataDir = mkdtempSync(join(tmpdir(), 'sigmax-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_FLAGS });
  page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => 'sigmax' in globalThis, undefined, { timeout: 30_000 }).catch(() => {
    throw new Error(`the page did not load sigmax/js: ${errors.join('; ') || 'no error reported'}`);
  });
});

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Runs one call in the page. */
async function inPage(spec: CallSpec): Promise<CallResult> {
  return page.evaluate((s) => (globalThis as unknown as { sigmax: { call(s: CallSpec): Promise<CallResult> } }).sigmax.call(s), spec);
}

/** What `f.call` would call: the name and arguments, to be sent to the page instead of called here. */
const recorder = new Proxy({}, { get: (_t, name: string) => (...args: unknown[]) => ({ name, args }) }) as unknown as Api;

interface Outcome {
  sync: FloatArray;
  async: FloatArray;
}

/** Calls f and its async twin in the page with the same arguments; both must return a value. */
async function runBoth(f: FnInfo, args: { x: FloatArray; dy?: FloatArray; cols?: number; temperature?: number }): Promise<Outcome> {
  const call = f.call(recorder, args) as { name: string; args: unknown[] };
  const results: FloatArray[] = [];
  for (const name of [call.name, `${call.name}Async`]) {
    const r = await inPage({ name, args: encode(call.args) });
    expect(r.error, `${name}: ${r.error?.name}: ${r.error?.message}`).toBeUndefined();
    results.push(decode(r.value) as FloatArray);
  }
  return { sync: results[0]!, async: results[1]! };
}

/**
 * The first violation of the SPEC bound of f (output `y` for inputs x, dy), against the float64
 * references, or null. sigmoid and σ': ≤ 2 ulp; the backward functions and the Jacobian: the bounds
 * the rest of the suite holds them to (reference.ts BACKWARD_BOUNDS).
 */
function violation(f: FnInfo, p: Precision, y: FloatArray, x: FloatArray, dy: FloatArray | undefined, cols: number, t: number): string | null {
  if (y.constructor !== x.constructor) return `returned a ${y.constructor.name} for a ${x.constructor.name}`;
  const ulps = (ref32: (v: number) => number, which: 's' | 'd'): string | null => {
    for (let i = 0; i < x.length; i++) {
      const e = p === 'f32' ? ulpErr32(y[i]!, ref32(x[i]!)) : ulpErr64(y[i]!, sigmoidPairRef64(x[i]!)[which]);
      if (!(e <= 2)) return `element ${i}: ${f.name}(${x[i]}) = ${y[i]}, ${e} ulp`;
    }
    return null;
  };
  const b = BACKWARD_BOUNDS;
  switch (f.name) {
    case 'sigmoid':
      return ulps(sigmoidRefWide, 's');
    case 'sigmoidDerivative':
      return ulps(sigmoidDerivativeRefWide, 'd');
    case 'softmax':
      return softmaxViolation(y, softmaxRefs(x, cols, t).softmax, cols, p);
    case 'logSoftmax':
      return logViolation(y, softmaxRefs(x, cols, t).logSoftmax, p);
    case 'logSumExp':
      return logViolation(y, logSumExpRef(x, cols), p);
    case 'sigmoidBackward':
      return scaledViolation(y, sigmoidBackwardRef(x, dy!), b.elementwise[p], b.floor[p]);
    case 'softmaxBackward':
      return scaledViolation(y, softmaxBackwardRef(x, dy!, cols), b.rows[p], b.floor[p]);
    case 'logSoftmaxBackward':
      return scaledViolation(y, logSoftmaxBackwardRef(x, dy!, cols), b.rows[p], b.floor[p]);
    case 'softmaxJacobian':
      return scaledViolation(y, softmaxJacobianRef(x), b.elementwise[p], b.floor[p]);
    default:
      return `no reference for ${f.name} in this test`;
  }
}

const isElementwise = (f: FnInfo) => f.kind === 'unary' || f.kind === 'binary' || f.kind === 'jacobian';

describe('sigmax/js bundled for the browser', () => {
  it('bundles from dist/ alone: no Node module, no native code', () => {
    const fromPackage = bundle.inputs.filter((p) => !p.startsWith('test/'));
    expect(fromPackage.length).toBeGreaterThan(0);
    for (const p of fromPackage) expect(p).toMatch(/^dist\/(esm\/js\.mjs|cjs\/(api|async|validate|types|js\/\w+)\.js)$/);
    console.log(`browser: page bundle ${(bundle.bytes / 1024).toFixed(1)} KiB from ${bundle.inputs.join(', ')}`);
  });

  it('exports the same names in Chromium as in Node, and runs the pure-TS backend', async () => {
    const { exported, backend } = await page.evaluate(() => {
      const s = (globalThis as unknown as { sigmax: { exported: string[]; backend: unknown } }).sigmax;
      return { exported: s.exported, backend: s.backend };
    });
    const inNode = Object.keys(await import('sigmax/js')).sort();
    expect(exported).toEqual(inNode);
    expect(backend).toEqual({ kind: 'js', isa: 'js', isas: [] });
    // every function of the API (but the thread setting) is exercised below, with its async twin
    const tested = [...FUNCTIONS.map((f) => f.name), ...LOGITS].flatMap((name) => [name, `${name}Async`]);
    expect(exported.filter((k) => !/^(backend|default|[gs]etThreads)$/.test(k)).sort()).toEqual(tested.sort());
  });
});

describe('every function in Chromium, sync and async, against the float64 reference', () => {
  // 1000 elements in rows of 100, and 70 000: for the async twins more than two pure-TS chunks of
  // 2^15 elements, in rows of 700 (blocks of rows) and as one row (the long-row protocol).
  const shapes = (f: FnInfo): Array<{ n: number; cols: number }> =>
    f.kind === 'jacobian' ? [{ n: 48, cols: 48 }]
      : f.hasCols ? [{ n: 1000, cols: 100 }, { n: 70_000, cols: 700 }, { n: 70_000, cols: 70_000 }]
        : [{ n: 1000, cols: 1000 }, { n: 70_000, cols: 70_000 }];
  for (const f of FUNCTIONS) {
    for (const p of PRECISIONS) {
      it(`${f.name} and ${f.name}Async, ${p}`, async () => {
        for (const { n, cols } of shapes(f)) {
          const { x, dy } = f.data(p, n, cols, 11);
          const t = f.hasTemperature ? 0.8 : 1;
          const { sync, async } = await runBoth(f, { x, dy, cols: f.hasCols ? cols : undefined, temperature: f.hasTemperature ? t : undefined });
          expect(violation(f, p, sync, x, dy, cols, t), `sync, n=${n} cols=${cols}`).toBeNull();
          expect(violation(f, p, async, x, dy, cols, t), `async, n=${n} cols=${cols}`).toBeNull();
          if (isElementwise(f)) expect(sameBits(async, sync), `async ≡ sync bit for bit, n=${n}`).toBe(true);
        }
      });
    }
  }
});

/** The logits toolkit, tested apart from FUNCTIONS (its results are indices, or values at them). */
const LOGITS = ['argmax', 'topK', 'crossEntropy', 'sample'];

describe('the logits toolkit in Chromium, sync and async, against the float64 reference', () => {
  /** Calls `name` and its async twin in the page with the same arguments; both must return a value. */
  async function both(name: string, args: unknown[]): Promise<unknown[]> {
    const values: unknown[] = [];
    for (const fn of [name, `${name}Async`]) {
      const r = await inPage({ name: fn, args: encode(args) });
      expect(r.error, `${fn}: ${r.error?.name}: ${r.error?.message}`).toBeUndefined();
      values.push(decode(r.value));
    }
    return values;
  }
  const rowOf = (x: FloatArray, r: number, cols: number) => Array.from(x.subarray(r * cols, (r + 1) * cols));
  for (const p of PRECISIONS) {
    it(`argmax, topK, crossEntropy and sample, ${p}`, async () => {
      // rows of 100, and one row of 70 000 (more than two pure-TS chunks of 2^15 elements)
      for (const [rows, cols] of [[6, 100], [1, 70_000]] as const) {
        const x = makeLogits(p, rows, cols, 17, 'normal');
        const t = 0.8;
        const best = Array.from({ length: rows }, (_, r) => argmaxRef(rowOf(x, r, cols)));
        for (const got of await both('argmax', [x, { cols }])) expect(Array.from(got as Int32Array), `argmax ${rows}×${cols}`).toEqual(best);
        // sample with topK 1 draws the max whatever random() returns
        for (const got of await both('sample', [x, { cols, topK: 1, temperature: t }])) expect(Array.from(got as Int32Array)).toEqual(best);
        const k = 5;
        for (const got of await both('topK', [x, k, { cols, temperature: t }])) {
          const { indices, values } = got as { indices: Int32Array; values: FloatArray };
          for (let r = 0; r < rows; r++) {
            const row = rowOf(x, r, cols);
            const probs = probsRef(row, t);
            const order = rankOrder(row).slice(0, k);
            expect(Array.from(indices.subarray(r * k, (r + 1) * k)), `topK row ${r}`).toEqual(order);
            const b = SOFTMAX_BOUNDS[p];
            order.forEach((i, j) => {
              const v = values[r * k + j]!, w = probs[i]!;
              expect(Math.abs(v - w), `topK value row ${r} #${j}: ${v}, want ${w}`).toBeLessThanOrEqual(w >= b.relFrom ? b.rel * w : b.abs);
            });
          }
        }
        const target = Int32Array.from({ length: rows }, (_, r) => (r * 37) % cols);
        for (const got of await both('crossEntropy', [x, target, { cols, temperature: t }])) {
          for (let r = 0; r < rows; r++) {
            const want = crossEntropyRef(rowOf(x, r, cols), target[r]!, t);
            expect(logViolation((got as FloatArray).subarray(r, r + 1), [want], p), `crossEntropy row ${r}`).toBeNull();
          }
        }
      }
    });
  }
});

describe('special values in Chromium', () => {
  const f32 = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0]!;
  const scalars = [0, -0, Infinity, -Infinity, NaN, 1e-45, 1e-40, 1e-30, 0.5, 1, 16.6, 17, 30, 36.8, 37, 88.7, 100, 103.9, 709, 710, 745, 1e5, 1e300, f32(0x7f7fffff)]
    .flatMap((v) => [v, -v]);
  const rows: number[][] = [
    [1000, 0], [0, -1000], [NaN, 1], [1, NaN], [-Infinity, -Infinity], [Infinity, 1], [Infinity, Infinity], [-Infinity, 0],
    [Infinity, -Infinity], [-0, 0], [3e38, -3e38], [1e-45, -1e-45],
  ];
  for (const p of PRECISIONS) {
    it(`element-wise functions on ±0, ±∞, NaN, subnormals and the overflow edges, ${p}`, async () => {
      const x = fromNumbers(p, scalars);
      for (const f of FUNCTIONS.filter((g) => g.kind === 'unary')) {
        const { sync, async } = await runBoth(f, { x });
        expect(violation(f, p, sync, x, undefined, x.length, 1), f.name).toBeNull();
        expect(sameBits(async, sync), `${f.name}Async ≡ ${f.name}`).toBe(true);
      }
      const { sync } = await runBoth(FUNCTIONS.find((g) => g.name === 'sigmoid')!, { x: fromNumbers(p, [-0, Infinity, -Infinity, NaN, -100]) });
      expect(Array.from(sync.subarray(0, 4))).toEqual([0.5, 1, 0, NaN]);
      // σ(−100) = 3.72e-44: in float32 a subnormal, not flushed to zero (float64: within 2 ulp, above)
      if (p === 'f32') expect(sync[4]).toBe(Math.fround(3.720075976020836e-44));
    });

    it(`row functions on rows with ±∞, NaN, −∞ everywhere and far-apart values, ${p}`, async () => {
      const x = fromNumbers(p, rows.flat());
      for (const f of FUNCTIONS.filter((g) => g.kind === 'rows')) {
        const { sync, async } = await runBoth(f, { x, cols: 2 });
        expect(violation(f, p, sync, x, undefined, 2, 1), f.name).toBeNull();
        expect(violation(f, p, async, x, undefined, 2, 1), `${f.name}Async`).toBeNull();
      }
      const softmax = await runBoth(FUNCTIONS.find((g) => g.name === 'softmax')!, { x: fromNumbers(p, [1000, 0]) });
      expect(Array.from(softmax.sync)).toEqual([1, 0]);
      const logSoftmax = await runBoth(FUNCTIONS.find((g) => g.name === 'logSoftmax')!, { x: fromNumbers(p, [0, -1000]) });
      expect(Array.from(logSoftmax.async)).toEqual([0, -1000]);
    });
  }
});

describe('errors in Chromium: thrown by the sync calls, rejected by the async ones', () => {
  const f32 = (n: number) => new Float32Array(n);
  const f64 = (n: number) => new Float64Array(n);
  // [function, arguments, error name, what the message must name]
  const cases: Array<[string, unknown[], string, RegExp]> = [
    ['sigmoid', [[1, 2, 3]], 'TypeError', /x must be a Float32Array or Float64Array/],
    ['sigmoid', [new Int32Array(3)], 'TypeError', /x/],
    ['sigmoid', [f32(3), f64(3)], 'TypeError', /out/],
    ['sigmoidDerivative', [f64(3), f64(4)], 'RangeError', /out/],
    ['sigmoidBackward', [f32(3), f32(4)], 'RangeError', /dy/],
    ['softmax', [f32(6), { cols: 4 }], 'RangeError', /cols/],
    ['softmax', [f32(6), { temperature: 0 }], 'RangeError', /temperature/],
    ['logSoftmax', [f64(6), { temperature: NaN }], 'RangeError', /temperature/],
    ['logSumExp', [f64(6), { cols: 3, out: f64(3) }], 'RangeError', /out/],
    ['softmaxBackward', [f32(4), f64(4)], 'TypeError', /dy/],
    ['logSoftmaxBackward', [f64(4), f64(4), { cols: 3 }], 'RangeError', /cols/],
    ['softmaxJacobian', [new Uint8Array(4)], 'TypeError', /y/],
    ['argmax', [f32(6), { cols: 4 }], 'RangeError', /cols/],
    ['topK', [f32(6), 7, { cols: 6 }], 'RangeError', /k/],
    ['crossEntropy', [f32(6), Int32Array.of(0, 3), { cols: 3 }], 'RangeError', /target\[1\]/],
    ['sample', [f64(6), { topP: 0 }], 'RangeError', /topP/],
  ];
  it('every function: the error type and a message naming the argument; the async twins reject', async () => {
    for (const [name, args, type, names] of cases) {
      for (const fn of [name, `${name}Async`]) {
        const r = await inPage({ name: fn, args: encode(args) });
        expect(r.error, `${fn}: no error`).toBeDefined();
        expect(r.threwSync ?? false, `${fn} threw instead of rejecting`).toBe(false);
        expect(`${r.error!.name}: ${r.error!.message}`, fn).toMatch(new RegExp(`^${type}: .*${names.source}`));
      }
    }
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set([...FUNCTIONS.map((f) => f.name), ...LOGITS]));
  });

  it('an AbortSignal rejects with an AbortError, before the work and mid-way; out stays unwritten before', async () => {
    const x = new Float32Array(1 << 19).fill(0.25);
    const before = await inPage({ name: 'sigmoidAsync', args: encode([f32(1000), f32(1000).fill(7), {}]), abort: 'before' });
    expect(before.error).toMatchObject({ name: 'AbortError', causeMessage: 'aborted before the call' });
    expect(Array.from((decode(before.args) as unknown[])[1] as Float32Array).every((v) => v === 7)).toBe(true);
    const midway = await inPage({ name: 'softmaxAsync', args: encode([x, { cols: 1024 }]), abort: 'soon' });
    expect(midway.error).toMatchObject({ name: 'AbortError', causeMessage: 'aborted mid-way' });
    const after = await inPage({ name: 'sigmoidAsync', args: encode([Float64Array.of(0)]) });
    expect(Array.from(decode(after.value) as Float64Array)).toEqual([0.5]);
  });
});

describe('async twins in Chromium', () => {
  it('on 2^20 float32 elements they cost ≤ 1.5× the sync call, and the page keeps running meanwhile', async () => {
    // Costs: the lower quartile of 15 calls each, sync and async in turn. A busy machine only adds time,
    // but one lucky call is no cost either: a CI run once had one sync call at 6.6 ms among fourteen of
    // 8.4–12.7 ms, and compared the async calls with that one.
    // A host busy for the whole measurement (the VM is shared) can still push a ratio over: then the
    // measurement is taken once more, and the second one decides for the functions that were over (the
    // others keep their first, passing, measurement); a real regression fails both.
    const runs = 15;
    const measure = () => page.evaluate((n) => (globalThis as unknown as { sigmax: { timing(n: number): Promise<TimingResult[]> } }).sigmax.timing(n), runs);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
    const best = (v: number[]) => Math.min(...v);
    const lowerQuartile = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 2]!;
    const first = await measure();
    const over = first.filter((r) => lowerQuartile(r.async) / lowerQuartile(r.sync) > 1.5);
    let results = first;
    if (over.length > 0) {
      console.log(`browser: ${over.map((r) => `${r.name} ×${(lowerQuartile(r.async) / lowerQuartile(r.sync)).toFixed(2)}`).join(', ')} over 1.5: measuring once more`);
      const again = await measure();
      results = first.map((r, i) => (over.includes(r) ? again[i]! : r));
    }
    const ms = (v: number[]) => v.map((t) => t.toFixed(1)).join(' ');
    for (const r of results) {
      console.log(`browser: ${r.name}, 2^20 f32, best of ${runs}: sync ${best(r.sync).toFixed(1)} ms, async ${best(r.async).toFixed(1)} ms ` +
        `(×${(best(r.async) / best(r.sync)).toFixed(2)}; lower quartiles ${lowerQuartile(r.sync).toFixed(1)}, ${lowerQuartile(r.async).toFixed(1)} ms, ` +
        `×${(lowerQuartile(r.async) / lowerQuartile(r.sync)).toFixed(2)}; medians ${median(r.sync).toFixed(1)}, ${median(r.async).toFixed(1)} ms); ` +
        `with a ticker ${median(r.asyncTicking).toFixed(1)} ms, ${median(r.turns)} turns of the ticker per call, longest gap ${median(r.maxGapMs).toFixed(2)} ms (medians)`);
    }
    for (const r of results) {
      const what = `${r.name}: sync ${ms(r.sync)} ms; async ${ms(r.async)} ms; with the ticker ${ms(r.asyncTicking)} ms, ` +
        `turns ${r.turns.join(' ')}, gaps ${ms(r.maxGapMs)} ms`;
      expect(lowerQuartile(r.async) / lowerQuartile(r.sync), what).toBeLessThanOrEqual(1.5);
      // A call that blocked would give the ticker no turn, or one wait as long as itself: it gets one
      // per chunk of 2^15 elements and pass, and waits for a chunk, or for the slices the OS gives other
      // processes on a busy machine (4 ms each at HZ=250; seen: a median of 5.9 ms in 24 ms calls).
      expect(median(r.turns), what).toBeGreaterThanOrEqual(16);
      expect(median(r.maxGapMs), what).toBeLessThan(median(r.asyncTicking) / 2);
    }
  });
});
