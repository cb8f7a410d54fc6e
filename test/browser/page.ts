// The script of the browser test page, bundled with `sigmax/js` by esbuild (see browser.test.ts).
// It runs the calls the Node test sends (page.evaluate → window.sigmax) and sends back what came out;
// the Node test checks it. Typed arrays travel as base64 of their bytes, so NaN payloads, −0 and
// infinities arrive intact.
/// <reference lib="dom" />
import * as sx from 'sigmax/js';
import { decode, encode, type Wire } from './wire.js';

export interface CallSpec {
  name: string;
  args: Wire;
  /** 'before': an already-aborted signal in the last options object; 'soon': aborted after one turn. */
  abort?: 'before' | 'soon';
}

export interface CallResult {
  value?: Wire;
  error?: { name: string; message: string; causeMessage?: string };
  /** The args after the call (out arrays written in place), for the checks that look at them. */
  args: Wire;
  /** An …Async function threw instead of returning a rejected promise. */
  threwSync?: boolean;
}

async function call(spec: CallSpec): Promise<CallResult> {
  const args = decode(spec.args) as unknown[];
  const fn = (sx as unknown as Record<string, (...a: unknown[]) => unknown>)[spec.name];
  if (typeof fn !== 'function') throw new Error(`sigmax/js has no function ${spec.name}`);
  let controller: AbortController | undefined;
  if (spec.abort) {
    controller = new AbortController();
    const last = args.at(-1) as Record<string, unknown>;
    last.signal = controller.signal;
    if (spec.abort === 'before') controller.abort(new Error('aborted before the call'));
  }
  const errorOf = (e: unknown): CallResult['error'] => {
    const err = e as Error & { cause?: { message?: string } };
    return { name: err.name, message: err.message, causeMessage: err.cause?.message };
  };
  let result: unknown;
  try {
    result = fn(...args);
  } catch (e) {
    return { error: errorOf(e), args: encode(args), threwSync: spec.name.endsWith('Async') };
  }
  if (spec.abort === 'soon') setTimeout(() => controller!.abort(new Error('aborted mid-way')), 0);
  try {
    return { value: encode(await result), args: encode(args) };
  } catch (e) {
    return { error: errorOf(e), args: encode(args) };
  }
}

export interface TimingResult {
  name: string;
  /** Milliseconds per call (a warm-up call left out): sync, async, and async while a ticker runs. */
  sync: number[];
  async: number[];
  asyncTicking: number[];
  /** Per async call with the ticker: its turns, and the longest stretch without one (ms). */
  turns: number[];
  maxGapMs: number[];
}

/** Calls each of `fs` in turn, runs + 1 times (a slow spell of the machine hits them alike): their times but the first. */
async function times(fs: Array<() => unknown>, runs: number): Promise<number[][]> {
  const t: number[][] = fs.map(() => []);
  for (let i = 0; i <= runs; i++) {
    for (const [k, f] of fs.entries()) {
      const t0 = performance.now();
      await f();
      if (i > 0) t[k]!.push(performance.now() - t0);
    }
  }
  return t;
}

/**
 * Sync and async calls on 2^20 float32 elements, and the async calls again while a ticker (a task
 * that queues itself again through a MessageChannel of its own) stands for the rest of the page:
 * each run of it is a turn the page had, the longest gap between two the longest it was blocked.
 */
async function timing(runs: number): Promise<TimingResult[]> {
  const n = 1 << 20;
  const x = Float32Array.from({ length: n }, (_, i) => ((i % 2000) - 1000) / 50);
  const out = new Float32Array(n);
  const cases: Array<[string, () => unknown, () => Promise<unknown>]> = [
    ['sigmoid', () => sx.sigmoid(x, out), () => sx.sigmoidAsync(x, out)],
    ['softmax, rows of 1024', () => sx.softmax(x, { cols: 1024, out }), () => sx.softmaxAsync(x, { cols: 1024, out })],
    ['softmax, one row', () => sx.softmax(x, { out }), () => sx.softmaxAsync(x, { out })],
  ];
  const results: TimingResult[] = [];
  for (const [name, sync, async] of cases) {
    const r: TimingResult = { name, sync: [], async: [], asyncTicking: [], turns: [], maxGapMs: [] };
    const ticking = async (): Promise<void> => {
      let running = true;
      let turns = 0;
      let maxGapMs = 0;
      let last = performance.now();
      const ticker = new MessageChannel();
      ticker.port1.onmessage = () => {
        const now = performance.now();
        maxGapMs = Math.max(maxGapMs, now - last);
        last = now;
        turns++;
        if (running) ticker.port2.postMessage(null);
      };
      ticker.port2.postMessage(null);
      await async();
      running = false;
      ticker.port1.close();
      r.turns.push(turns);
      r.maxGapMs.push(Math.max(maxGapMs, performance.now() - last));
    };
    [r.sync, r.async, r.asyncTicking] = (await times([sync, async, ticking], runs)) as [number[], number[], number[]];
    r.turns.shift(); // the warm-up call's
    r.maxGapMs.shift();
    results.push(r);
  }
  return results;
}

const exported = Object.keys(sx).sort();
Object.assign(globalThis, { sigmax: { call, timing, exported, backend: sx.backend } });
