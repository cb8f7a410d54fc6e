// The `sigmax` command line: the .npy header parser against files NumPy wrote (test/fixtures/npy,
// made by scripts/make-cli-fixtures.py) and headers written here; each command × format, file and
// stdin/stdout; top-k; shapes; and every bad input: one line on stderr, a non-zero exit, no output
// file left behind. Most runs call the CLI's main() in this process (fast); the ones that need a real
// process (stdin/stdout, exit status, signals, the bin shim) spawn `node bin/sigmax.js`. The CLI
// runs on the same backend path as the rest of the suite (it inherits SIGMAX_ISA/SIGMAX_BACKEND).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sx from 'sigmax';
import * as sxjs from 'sigmax/js';
import { main } from '../dist/cjs/cli/main.js';
import { npyHeader, parseNpyHeader } from '../dist/cjs/cli/npy.js';
import { EMULATED, mulberry32, normal } from './util.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin', 'sigmax.js');
const FIX = join(root, 'test', 'fixtures', 'npy');
const fix = (name: string) => join(FIX, name);

type F = Float32Array | Float64Array;
type Dt = 'f32' | 'f64';
const OPS = ['sigmoid', 'softmax', 'log-softmax', 'logsumexp'] as const;
type Op = (typeof OPS)[number];

let tmp: string;
let counter = 0;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sigmax-cli-test-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh empty directory for one run's output (so "no file left behind" is a directory listing). */
function outDir(): string {
  const d = join(tmp, `o${++counter}`);
  mkdirSync(d);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Running the CLI

interface InProcess {
  code: number;
  out: string;
  err: string[];
}

/** main() in this process: exit code, text written to stdout (help/info), lines written to stderr. */
async function cli(...args: string[]): Promise<InProcess> {
  let out = '';
  const err: string[] = [];
  const code = await main(args, { out: (t) => void (out += t), err: (l) => void err.push(l) });
  return { code, out, err };
}

interface Spawned {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** `node bin/sigmax.js ...args` with `input` on stdin. */
function spawnCli(args: string[], input?: Uint8Array, env: NodeJS.ProcessEnv = process.env): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.on('error', () => undefined); // the CLI may exit before reading everything
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

// ---------------------------------------------------------------------------------------------
// Test data and .npy files, written here independently of the CLI's own writer

function logits(dt: Dt, n: number, seed: number): F {
  const rng = mulberry32(seed);
  const a = dt === 'f32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = normal(rng) * 3;
  return a;
}

const DESCR: Record<Dt, string> = { f32: '<f4', f64: '<f8' };

/** The bytes of a .npy file: header (format `version`) + data; `descr`/`fortran` may be anything. */
function npyBytes(descr: string, shape: number[], data: Uint8Array, opts: { version?: 1 | 2 | 3; fortran?: boolean; dict?: string } = {}): Buffer {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = opts.dict ?? `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const head = Buffer.alloc(total, 0x20);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = version;
  head[7] = 0;
  if (version === 1) head.writeUInt16LE(total - pre, 8);
  else head.writeUInt32LE(total - pre, 8);
  head.write(dict, pre, 'latin1');
  head[total - 1] = 0x0a;
  return Buffer.concat([head, data]);
}

function bytesOf(a: F): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function writeNpy(path: string, a: F, shape: number[]): string {
  writeFileSync(path, npyBytes(DESCR[a instanceof Float32Array ? 'f32' : 'f64'], shape, bytesOf(a)));
  return path;
}

/** Reads an .npy the CLI wrote (its header parser is itself checked against NumPy's files below). */
function readNpy(bytes: Buffer): { dtype: Dt; shape: number[]; data: F } {
  const h = parseNpyHeader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  const body = bytes.subarray(h.dataOffset);
  expect(body.length).toBe(h.count * (h.dtype === 'f32' ? 4 : 8));
  const copy = new Uint8Array(body).buffer;
  return { dtype: h.dtype, shape: h.shape, data: h.dtype === 'f32' ? new Float32Array(copy) : new Float64Array(copy) };
}

function rawOf(dt: Dt, bytes: Buffer): F {
  const copy = new Uint8Array(bytes).buffer;
  return dt === 'f32' ? new Float32Array(copy) : new Float64Array(copy);
}

/** What the library itself computes (the same backend as the CLI: the environment picks both). */
function reference(op: Op, x: F, cols: number, temperature?: number): F {
  const t = temperature === undefined ? {} : { temperature };
  switch (op) {
    case 'sigmoid':
      return sx.sigmoid(x);
    case 'softmax':
      return sx.softmax(x, { cols, ...t });
    case 'log-softmax':
      return sx.logSoftmax(x, { cols, ...t });
    case 'logsumexp':
      return sx.logSumExp(x, { cols });
  }
}

function expectSameBits(actual: F, expected: F): void {
  expect(actual.constructor).toBe(expected.constructor);
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(bytesOf(actual), bytesOf(expected))).toBe(0);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = Number.isFinite(e) ? Math.abs(a - e) <= rel * Math.abs(e) + abs : Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
    // one expect() for the first mismatch only: expect() per element would dominate the run time
    if (!ok) expect(a, `[${i}] ${a} vs ${e} (rel ${rel}, abs ${abs})`).toBe(e);
  }
}

/** A failed run: non-zero exit, exactly one line on stderr matching `message`, no file in `dir`. */
function expectFailure(r: InProcess, message: RegExp, dir?: string, code?: number): void {
  expect(r.code, r.err.join('\n')).not.toBe(0);
  if (code !== undefined) expect(r.code).toBe(code);
  expect(r.err, 'one line on stderr').toHaveLength(1);
  expect(r.err[0]).toMatch(/^sigmax: /);
  expect(r.err[0]).toMatch(message);
  expect(r.err[0]).not.toMatch(/\n|\bat .*\(.*:\d+:\d+\)/);
  if (dir !== undefined) expect(readdirSync(dir), 'no output file left behind').toEqual([]);
}

// ---------------------------------------------------------------------------------------------

describe('.npy header parser, against files NumPy wrote', () => {
  const GOOD: [string, Dt, number[], string][] = [
    ['f32_2x3.npy', 'f32', [2, 3], '1.0'],
    ['f64_2x2x3.npy', 'f64', [2, 2, 3], '1.0'],
    ['f32_1d.npy', 'f32', [5], '1.0'],
    ['f64_0d.npy', 'f64', [], '1.0'],
    ['f32_0x4.npy', 'f32', [0, 4], '1.0'],
    ['f32_2x3_v2.npy', 'f32', [2, 3], '2.0'],
    ['f32_2x3_v3.npy', 'f32', [2, 3], '3.0'],
    ['f64_fortran_1x4.npy', 'f64', [1, 4], '1.0'],
    ['f32_2x3.logsumexp.expected.npy', 'f64', [2], '1.0'],
  ];
  it.each(GOOD)('%s: %s %j, version %s', (file, dtype, shape, version) => {
    const bytes = readFileSync(fix(file));
    const h = parseNpyHeader(bytes);
    expect(h).toMatchObject({ dtype, shape, version, count: shape.reduce((a, b) => a * b, 1) });
    expect(h.dataOffset % 16).toBe(0);
    expect(bytes.length - h.dataOffset).toBe(h.count * (dtype === 'f32' ? 4 : 8));
  });

  const BAD: [string, RegExp][] = [
    ['bad_int32.npy', /integer dtype '<i4' is not supported/],
    ['bad_float16.npy', /float16 dtype '<f2' is not supported/],
    ['bad_bigendian.npy', /big-endian dtype '>f4' is not supported/],
    ['bad_fortran.npy', /Fortran-order .* not supported/],
    ['bad_complex.npy', /complex dtype '<c8' is not supported/],
    ['bad_structured.npy', /structured .* not supported/],
    ['bad_truncated_header.npy', /truncated \.npy header/],
    ['bad_magic.npy', /not a \.npy file/],
    ['bad_version.npy', /unsupported \.npy format version 7\.0/],
    ['bad_header_syntax.npy', /corrupt \.npy header: expected ',' or '\)'/],
    ['bad_header_keys.npy', /corrupt \.npy header: expected the keys descr, fortran_order and shape/],
    ['bad_empty.npy', /not a \.npy file/],
  ];
  it.each(BAD)('refuses %s', (file, message) => {
    expect(() => parseNpyHeader(readFileSync(fix(file)))).toThrow(message);
  });

  it("writes NumPy's exact header bytes", () => {
    for (const [file, dtype, shape] of GOOD.slice(0, 5)) {
      const numpy = readFileSync(fix(file));
      const ours = npyHeader(dtype, shape);
      expect(Buffer.from(ours).toString('latin1'), file).toBe(numpy.subarray(0, ours.length).toString('latin1'));
      expect(parseNpyHeader(numpy).dataOffset).toBe(ours.length);
    }
  });

  it('reads headers from other writers: versions 2 and 3, Python 2 longs, double quotes, odd spacing', () => {
    const d = new Uint8Array(24);
    const cases: [Buffer, number[]][] = [
      [npyBytes('<f4', [2, 3], d, { version: 2 }), [2, 3]],
      [npyBytes('<f4', [6], d, { version: 3 }), [6]],
      [npyBytes('', [], d, { dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }" }), [2, 3]],
      [npyBytes('', [], d, { dict: '{"shape": (3,2), "descr": "<f4", "fortran_order": False}' }), [3, 2]],
      [npyBytes('', [], d, { dict: "{ 'descr' : '<f4' ,\t'fortran_order':False,'shape':( 6 , ) }" }), [6]],
      [npyBytes('<f4', [2, 3], d, { fortran: false }), [2, 3]],
    ];
    for (const [bytes, shape] of cases) expect(parseNpyHeader(bytes).shape).toEqual(shape);
  });

  it('round-trips its own headers, including a reserved (padded) length', () => {
    for (const shape of [[], [0], [7], [3, 5], [2, 3, 4, 5], [2 ** 40, 3]]) {
      for (const dt of ['f32', 'f64'] as Dt[]) {
        const h = parseNpyHeader(npyHeader(dt, shape));
        expect(h.shape).toEqual(shape);
        expect(h.dtype).toBe(dt);
        expect(h.dataOffset % 64).toBe(0);
      }
    }
    const padded = npyHeader('f32', [5, 7], 256);
    expect(padded.length).toBe(256);
    expect(parseNpyHeader(padded)).toMatchObject({ shape: [5, 7], dataOffset: 256 });
  });

  it('refuses other dtypes and corrupt shapes from generated headers', () => {
    const d = new Uint8Array(0);
    expect(() => parseNpyHeader(npyBytes('>f8', [2], d))).toThrow(/big-endian/);
    expect(() => parseNpyHeader(npyBytes('<u2', [2], d))).toThrow(/unsigned integer/);
    expect(() => parseNpyHeader(npyBytes('|b1', [2], d))).toThrow(/boolean/);
    expect(() => parseNpyHeader(npyBytes('<f16', [2], d))).toThrow(/float128/);
    expect(() => parseNpyHeader(npyBytes('<f4', [2], d, { dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }" }))).toThrow(/bad dimension -2/);
    expect(() => parseNpyHeader(npyBytes('<f4', [2], d, { dict: "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }" }))).toThrow(/fortran_order/);
    expect(() => parseNpyHeader(npyBytes('<f4', [2], d, { dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,) " }))).toThrow(/corrupt/);
  });
});

describe('each command × file format (in process; small chunks force many chunks)', () => {
  const ROWS = 23;
  const COLS = 7;
  for (const op of OPS) {
    for (const dt of ['f32', 'f64'] as Dt[]) {
      it(`${op} ${dt}: .npy and raw .${dt}, default and 100-byte chunks`, async () => {
        const x = logits(dt, ROWS * COLS, 1000 + OPS.indexOf(op));
        const expected = reference(op, x, COLS);
        const dir = outDir();
        const npyIn = writeNpy(join(dir, 'in.npy'), x, [ROWS, COLS]);
        const rawIn = join(dir, `in.${dt}`);
        writeFileSync(rawIn, bytesOf(x));
        for (const chunk of [[], ['--chunk-size', '100']]) {
          const r1 = await cli(op, npyIn, '-o', join(dir, 'out.npy'), '-q', ...chunk);
          expect(r1, r1.err.join('\n')).toMatchObject({ code: 0, err: [] });
          const y = readNpy(readFileSync(join(dir, 'out.npy')));
          expect(y.shape).toEqual(op === 'logsumexp' ? [ROWS] : [ROWS, COLS]);
          expectSameBits(y.data, expected);

          const r2 = await cli(op, rawIn, '--cols', String(COLS), '-o', join(dir, `out.${dt}`), '-q', ...chunk);
          expect(r2, r2.err.join('\n')).toMatchObject({ code: 0, err: [] });
          expectSameBits(rawOf(dt, readFileSync(join(dir, `out.${dt}`))), expected);
        }
        // raw in, .npy out: the shape comes from --cols
        const r3 = await cli(op, rawIn, '--cols', String(COLS), '-o', join(dir, 'raw.npy'), '-q');
        expect(r3.code).toBe(0);
        const y3 = readNpy(readFileSync(join(dir, 'raw.npy')));
        expect(y3.shape).toEqual(op === 'logsumexp' ? [ROWS] : [ROWS, COLS]);
        expectSameBits(y3.data, expected);
        // only the outputs, no temporary files
        expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
      });
    }
  }

  it('--temperature for softmax and log-softmax', async () => {
    const x = logits('f32', 40, 7);
    const dir = outDir();
    const input = writeNpy(join(dir, 'in.npy'), x, [5, 8]);
    for (const op of ['softmax', 'log-softmax'] as const) {
      const r = await cli(op, input, '-t', '0.7', '-o', join(dir, 'o.npy'), '-q');
      expect(r.code).toBe(0);
      expectSameBits(readNpy(readFileSync(join(dir, 'o.npy'))).data, reference(op, x, 8, 0.7));
    }
  });

  it('sigmoid of raw data needs no --cols; any chunk size splits it anywhere', async () => {
    const x = logits('f64', 1001, 3);
    const dir = outDir();
    writeFileSync(join(dir, 'in.f64'), bytesOf(x));
    const r = await cli('sigmoid', join(dir, 'in.f64'), '-o', join(dir, 'out.f64'), '--chunk-size', '24', '-q');
    expect(r.code).toBe(0);
    expectSameBits(rawOf('f64', readFileSync(join(dir, 'out.f64'))), sx.sigmoid(x));
  });

  it('a row longer than the chunk size is read whole', async () => {
    const x = logits('f32', 3 * 500, 11);
    const dir = outDir();
    const input = writeNpy(join(dir, 'in.npy'), x, [3, 500]);
    const r = await cli('softmax', input, '-o', join(dir, 'o.npy'), '--chunk-size', '64', '-q');
    expect(r.code).toBe(0);
    expectSameBits(readNpy(readFileSync(join(dir, 'o.npy'))).data, reference('softmax', x, 500));
  });

  it('--threads 2 gives the same results', async () => {
    const x = logits('f32', 4000 * 33, 5);
    const dir = outDir();
    const input = writeNpy(join(dir, 'in.npy'), x, [4000, 33]);
    const r = await cli('softmax', input, '--threads', '2', '-o', join(dir, 'o.npy'));
    expect(r.code).toBe(0);
    expect(r.err[0]).toMatch(/, 2 threads$/);
    expectClose(readNpy(readFileSync(join(dir, 'o.npy'))).data, reference('softmax', x, 33), 1e-6);
  });

  it('writes the summary line: rows, elements, seconds, GB/s, backend; --quiet silences it', async () => {
    const dir = outDir();
    const r = await cli('softmax', fix('f32_2x3.npy'), '-o', join(dir, 'o.npy'));
    expect(r.code).toBe(0);
    const b = sx.backend.kind === 'native' ? `native ${sx.backend.isa}` : 'js';
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(new RegExp(`^sigmax softmax: 2 rows × 3, 6 elements \\(24 B float32\\) in \\d+\\.\\d{3} s, \\d+\\.\\d\\d GB/s, ${b}, 1 thread$`));
    expect((await cli('softmax', fix('f32_2x3.npy'), '-o', join(dir, 'o.npy'), '--quiet')).err).toEqual([]);
  });

  it('overwrites an existing output file only on success', async () => {
    const dir = outDir();
    writeFileSync(join(dir, 'o.npy'), 'old');
    const r = await cli('softmax', fix('bad_truncated_data.npy'), '-o', join(dir, 'o.npy'));
    expect(r.code).toBe(1);
    expect(readFileSync(join(dir, 'o.npy'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['o.npy']);
    expect((await cli('softmax', fix('f32_2x3.npy'), '-o', join(dir, 'o.npy'), '-q')).code).toBe(0);
    expect(readNpy(readFileSync(join(dir, 'o.npy'))).shape).toEqual([2, 3]);
  });
});

describe('shapes and NumPy-computed results for the fixture files', () => {
  it('matches NumPy (float64) on the fixtures, for every header version', async () => {
    const dir = outDir();
    // [input, command, NumPy's result, rel. tolerance, abs. tolerance]: the SPEC's accuracy bounds
    const cases: [string, string[], string, number, number][] = [
      ['f32_2x3.npy', ['softmax'], 'f32_2x3.softmax.expected.npy', 1e-5, 0],
      ['f32_2x3_v2.npy', ['softmax'], 'f32_2x3.softmax.expected.npy', 1e-5, 0],
      ['f32_2x3_v3.npy', ['softmax'], 'f32_2x3.softmax.expected.npy', 1e-5, 0],
      ['f32_2x3.npy', ['softmax', '-t', '2'], 'f32_2x3.softmax-t2.expected.npy', 1e-5, 0],
      ['f32_2x3.npy', ['sigmoid'], 'f32_2x3.sigmoid.expected.npy', 3e-7, 0],
      ['f32_2x3.npy', ['log-softmax'], 'f32_2x3.log-softmax.expected.npy', 4e-6, 4e-6],
      ['f32_2x3.npy', ['logsumexp'], 'f32_2x3.logsumexp.expected.npy', 4e-6, 4e-6],
      ['f64_2x2x3.npy', ['softmax'], 'f64_2x2x3.softmax.expected.npy', 1e-13, 0],
      ['f64_2x2x3.npy', ['logsumexp'], 'f64_2x2x3.logsumexp.expected.npy', 1e-13, 1e-13],
    ];
    for (const [input, [op, ...opts], expectedFile, rel, abs] of cases) {
      const r = await cli(op!, fix(input), ...opts, '-o', join(dir, 'o.npy'), '-q');
      expect(r.code, `${input} ${op}: ${r.err}`).toBe(0);
      const y = readNpy(readFileSync(join(dir, 'o.npy')));
      const e = readNpy(readFileSync(fix(expectedFile)));
      expect(y.dtype).toBe(input.startsWith('f32') ? 'f32' : 'f64');
      expect(y.shape, `${input} ${op}`).toEqual(e.shape);
      expectClose(y.data, e.data, rel, abs);
    }
  });

  it('keeps the shape (drops the last axis for logsumexp): 3-D, 1-D, 0-d, empty, zero-length rows', async () => {
    const dir = outDir();
    const shapeOf = async (op: string, input: string, ...more: string[]) => {
      const r = await cli(op, input, ...more, '-o', join(dir, 'o.npy'), '-q');
      expect(r.code, r.err.join()).toBe(0);
      return readNpy(readFileSync(join(dir, 'o.npy')));
    };
    expect((await shapeOf('log-softmax', fix('f64_2x2x3.npy'))).shape).toEqual([2, 2, 3]);
    expect((await shapeOf('logsumexp', fix('f64_2x2x3.npy'))).shape).toEqual([2, 2]);
    expect((await shapeOf('softmax', fix('f32_1d.npy'))).shape).toEqual([5]);
    expect((await shapeOf('logsumexp', fix('f32_1d.npy'))).shape).toEqual([]);
    const s0 = await shapeOf('softmax', fix('f64_0d.npy'));
    expect([s0.shape, [...s0.data]]).toEqual([[], [1]]);
    const l0 = await shapeOf('logsumexp', fix('f64_0d.npy'));
    expect([l0.shape, [...l0.data]]).toEqual([[], [0.25]]);
    expect((await shapeOf('softmax', fix('f32_0x4.npy'))).shape).toEqual([0, 4]);
    expect((await shapeOf('logsumexp', fix('f32_0x4.npy'))).shape).toEqual([0]);
    expect((await shapeOf('sigmoid', fix('f64_fortran_1x4.npy'))).shape).toEqual([1, 4]);
    const empty = writeNpy(join(dir, 'e.npy'), new Float32Array(0), [3, 0]);
    expect((await shapeOf('softmax', empty)).shape).toEqual([3, 0]);
    const lse = await shapeOf('logsumexp', empty);
    expect([lse.shape, [...lse.data]]).toEqual([[3], [-Infinity, -Infinity, -Infinity]]);
    // --cols on a .npy: rows of that length; same-shape outputs keep the file's shape
    const x = logits('f32', 24, 9);
    const m = writeNpy(join(dir, 'm.npy'), x, [4, 6]);
    const y = await shapeOf('softmax', m, '--cols', '3');
    expect(y.shape).toEqual([4, 6]);
    expectSameBits(y.data, reference('softmax', x, 3));
    expect((await shapeOf('logsumexp', m, '--cols', '3')).shape).toEqual([8]);
  });

  it('writes CSV: one row per line, values that read back exactly', async () => {
    const dir = outDir();
    const x = logits('f32', 12, 21);
    x[5] = NaN;
    const input = writeNpy(join(dir, 'in.npy'), x, [3, 4]);
    const r = await cli('sigmoid', input, '-o', join(dir, 'o.csv'), '-q');
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'o.csv'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const values = lines.flatMap((l) => l.split(',')).map((v) => (v === 'nan' ? NaN : Math.fround(Number(v))));
    expect(values[5]).toBeNaN();
    expectClose(values, sx.sigmoid(x), 0);
    const l = await cli('logsumexp', input, '--out-format', 'csv', '-o', join(dir, 'l.txt'), '-q');
    expect(l.code).toBe(0);
    expect(readFileSync(join(dir, 'l.txt'), 'utf8').trimEnd().split('\n')).toHaveLength(3);
  });
});

describe('--top-k', () => {
  /** Best-first (index, p) pairs of each row: the logits x sorted descending, NaN last, ties by index. */
  function expectedTopK(x: F, p: F, cols: number, k: number): number[] {
    const out: number[] = [];
    for (let r = 0; r < p.length / cols; r++) {
      const idx = Array.from({ length: cols }, (_, j) => j);
      const v = (j: number) => x[r * cols + j]!;
      idx.sort((a, b) => {
        const na = Number.isNaN(v(a));
        const nb = Number.isNaN(v(b));
        if (na || nb) return na === nb ? a - b : na ? 1 : -1;
        return v(b) - v(a) || a - b;
      });
      for (const j of idx.slice(0, k)) out.push(j, p[r * cols + j]!);
    }
    return out;
  }

  /** The same indices; probabilities within the softmax bound of softmax's own (topK computes them itself). */
  function expectPairs(got: number[], want: number[], dt: Dt): void {
    expect(got.filter((_, i) => i % 2 === 0)).toEqual(want.filter((_, i) => i % 2 === 0));
    const rel = dt === 'f32' ? 1e-5 : 1e-13;
    for (let i = 1; i < want.length; i += 2) {
      if (Number.isNaN(want[i]!)) expect(got[i]).toBeNaN();
      else expect(Math.abs(got[i]! - want[i]!), `pair ${i >> 1}`).toBeLessThanOrEqual(rel * want[i]! + 1e-35);
    }
  }

  it('.npy: float64 (rows, K, 2) of (index, probability), best first, for small and large K', async () => {
    const dir = outDir();
    for (const [dt, rows, cols, k] of [['f32', 50, 10, 3], ['f64', 7, 100, 80], ['f32', 9, 5, 5]] as [Dt, number, number, number][]) {
      const x = logits(dt, rows * cols, rows);
      const input = writeNpy(join(dir, 'in.npy'), x, [rows, cols]);
      const r = await cli('softmax', input, '--top-k', String(k), '-o', join(dir, 'top.npy'), '--chunk-size', '256', '-q');
      expect(r.code, r.err.join()).toBe(0);
      const y = readNpy(readFileSync(join(dir, 'top.npy')));
      expect(y.dtype).toBe('f64');
      expect(y.shape).toEqual([rows, k, 2]);
      expectPairs([...y.data], expectedTopK(x, reference('softmax', x, cols), cols, k), dt);
    }
  });

  it('ranked by logit: ties go to the lower index, NaN ranks last; leading axes are kept; temperature applies', async () => {
    const dir = outDir();
    const x = Float64Array.from([0, 0, 5, 5, /* row 2 */ 1, NaN, 2, 3, /* row 3 */ -1, -2, -3, -4]);
    const input = writeNpy(join(dir, 'in.npy'), x, [3, 1, 4]);
    const r = await cli('softmax', input, '-k', '4', '-t', '3', '-o', join(dir, 'top.npy'), '-q');
    expect(r.code).toBe(0);
    const y = readNpy(readFileSync(join(dir, 'top.npy')));
    expect(y.shape).toEqual([3, 1, 4, 2]);
    const idx = [...y.data].filter((_, i) => i % 2 === 0);
    expect(idx).toEqual([2, 3, 0, 1, /* NaN probabilities, ranked by logit, the NaN last */ 3, 2, 0, 1, 0, 1, 2, 3]);
    expectPairs([...y.data], expectedTopK(x, reference('softmax', x, 4, 3), 4, 4), 'f64');
  });

  it('CSV: row,rank,index,probability', async () => {
    const dir = outDir();
    const r = await cli('softmax', fix('f32_2x3.npy'), '--top-k', '2', '-o', join(dir, 'top.csv'), '-q');
    expect(r.code).toBe(0);
    const p = reference('softmax', readNpy(readFileSync(fix('f32_2x3.npy'))).data, 3);
    const lines = readFileSync(join(dir, 'top.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('row,rank,index,probability');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['0,1,2', '0,2,1', '1,1,2', '1,2,1']);
    const got = lines.slice(1).map((l) => Math.fround(Number(l.split(',')[3])));
    [p[2], p[1], p[5], p[4]].forEach((want, j) => expect(Math.abs(got[j]! - want!)).toBeLessThanOrEqual(1e-5 * want!));
  });
});

describe('argmax and cross-entropy', () => {
  /** An int32 or int64 labels .npy. */
  function writeLabels(path: string, labels: number[], dtype: '<i4' | '<i8' = '<i4', shape = [labels.length]): string {
    const data = dtype === '<i4' ? Int32Array.from(labels) : BigInt64Array.from(labels.map(BigInt));
    writeFileSync(path, npyBytes(dtype, shape, new Uint8Array(data.buffer)));
    return path;
  }
  /** The int32 .npy the CLI wrote. */
  function readInt32Npy(bytes: Buffer): { shape: number[]; data: Int32Array } {
    const dict = bytes.subarray(10, 10 + bytes.readUInt16LE(8)).toString('latin1');
    expect(dict).toContain("'descr': '<i4'");
    const shape = /'shape': \(([^)]*)\)/.exec(dict)![1]!.split(',').filter((d) => d.trim() !== '').map(Number);
    return { shape, data: new Int32Array(new Uint8Array(bytes.subarray(10 + bytes.readUInt16LE(8))).buffer) };
  }

  it('argmax: int32 per row as .npy (leading axes kept) and CSV, f32 and f64, any chunk size', async () => {
    const dir = outDir();
    for (const dt of ['f32', 'f64'] as Dt[]) {
      const x = logits(dt, 6 * 7, 3);
      x[8] = NaN; // row 1: its first NaN
      const input = writeNpy(join(dir, `in-${dt}.npy`), x, [2, 3, 7]);
      const r = await cli('argmax', input, '-o', join(dir, 'best.npy'), '--chunk-size', '64', '-q');
      expect(r.code, r.err.join()).toBe(0);
      const y = readInt32Npy(readFileSync(join(dir, 'best.npy')));
      expect(y.shape).toEqual([2, 3]);
      expect(Array.from(y.data)).toEqual(Array.from(sx.argmax(x, { cols: 7 })));
      expect(y.data[1]).toBe(1);
      const c = await cli('argmax', input, '-o', join(dir, 'best.csv'), '-q');
      expect(c.code).toBe(0);
      expect(readFileSync(join(dir, 'best.csv'), 'utf8')).toBe(`${Array.from(y.data).join('\n')}\n`);
    }
    expectFailure(await cli('argmax', fix('f32_2x3.npy'), '--out-format', 'f32'), /argmax writes int32 indices/, undefined, 2);
  });

  it('cross-entropy: one loss per row, int32 and int64 labels, --ignore-index, --temperature', async () => {
    const dir = outDir();
    for (const dt of ['f32', 'f64'] as Dt[]) {
      const x = logits(dt, 5 * 9, 4);
      const input = writeNpy(join(dir, `in-${dt}.npy`), x, [5, 9]);
      const labels = [3, 0, -100, 8, 4];
      for (const [ltype, extra] of [['<i4', []], ['<i8', ['--temperature', '0.7']]] as const) {
        const lab = writeLabels(join(dir, 'labels.npy'), labels, ltype);
        const r = await cli('cross-entropy', input, '--targets', lab, '--ignore-index', '-100', ...extra, '-o', join(dir, 'loss.npy'), '--chunk-size', '100', '-q');
        expect(r.code, r.err.join()).toBe(0);
        const y = readNpy(readFileSync(join(dir, 'loss.npy')));
        expect(y.dtype).toBe(dt);
        expect(y.shape).toEqual([5]);
        const t = extra.length ? 0.7 : 1;
        const want = sx.crossEntropy(x, Int32Array.from(labels), { cols: 9, ignoreIndex: -100, temperature: t });
        expect(Array.from(y.data)).toEqual(Array.from(want));
        expect(y.data[2]).toBe(0);
      }
      const c = await cli('cross-entropy', input, '--targets', writeLabels(join(dir, 'l.npy'), [1, 2, 3, 4, 5]), '-o', join(dir, 'loss.csv'), '-q');
      expect(c.code).toBe(0);
      const want = sx.crossEntropy(x, Int32Array.from([1, 2, 3, 4, 5]), { cols: 9 });
      const read = readFileSync(join(dir, 'loss.csv'), 'utf8').trimEnd().split('\n').map((l) => (dt === 'f32' ? Math.fround(Number(l)) : Number(l)));
      expect(read).toEqual(Array.from(want));
    }
  });

  it('cross-entropy: bad targets file, wrong length, labels out of range, missing --targets', async () => {
    const dir = outDir();
    const input = writeNpy(join(dir, 'in.npy'), logits('f32', 2 * 3, 5), [2, 3]);
    const out = join(dir, 'out');
    mkdirSync(out);
    const o = join(out, 'loss.npy');
    expectFailure(await cli('cross-entropy', input, '--targets', writeLabels(join(dir, 'short.npy'), [0]), '-o', o), /has 1 label, the input 2 rows: one label per row/, out, 1);
    expectFailure(await cli('cross-entropy', input, '--targets', writeLabels(join(dir, 'far.npy'), [0, 3]), '-o', o), /label 3 of row 1 is not a class index in \[0, 3\)/, out, 1);
    expectFailure(await cli('cross-entropy', input, '--targets', writeNpy(join(dir, 'float.npy'), new Float32Array(2), [2]), '-o', o), /dtype '<f4' is not supported for labels: use int32/, out, 1);
    writeFileSync(join(dir, 'junk.npy'), 'not a npy');
    expectFailure(await cli('cross-entropy', input, '--targets', join(dir, 'junk.npy'), '-o', o), /not a \.npy file/, out, 1);
    expectFailure(await cli('cross-entropy', input, '--targets', join(dir, 'missing.npy'), '-o', o), /missing\.npy: no such file or directory/, out, 1);
    expectFailure(await cli('cross-entropy', input, '--targets', writeLabels(join(dir, 'huge.npy'), [0, 2 ** 40], '<i8'), '-o', o), /outside int32's range/, out, 1);
    expectFailure(await cli('cross-entropy', input, '-o', o), /cross-entropy needs --targets/, out, 2);
    expectFailure(await cli('softmax', input, '--targets', 'l.npy'), /--targets applies to cross-entropy only/, undefined, 2);
    expectFailure(await cli('cross-entropy', input, '--targets', 'l.npy', '--ignore-index', 'x'), /--ignore-index must be an integer/, undefined, 2);
  });
});

describe('bad input: one line, non-zero exit, no output file', () => {
  const cases: [string, string[], RegExp, number][] = [
    ['truncated .npy header', [fix('bad_truncated_header.npy')], /truncated \.npy header/, 1],
    ['corrupt magic', [fix('bad_magic.npy')], /not a \.npy file/, 1],
    ['unknown format version', [fix('bad_version.npy')], /format version 7\.0/, 1],
    ['corrupt header syntax', [fix('bad_header_syntax.npy')], /corrupt \.npy header/, 1],
    ['corrupt header keys', [fix('bad_header_keys.npy')], /corrupt \.npy header/, 1],
    ['empty file', [fix('bad_empty.npy')], /is empty, not a \.npy file/, 1],
    ['int32 dtype', [fix('bad_int32.npy')], /bad_int32\.npy': integer dtype '<i4' is not supported/, 1],
    ['float16 dtype', [fix('bad_float16.npy')], /float16 dtype '<f2'/, 1],
    ['big-endian dtype', [fix('bad_bigendian.npy')], /big-endian dtype '>f4'/, 1],
    ['Fortran order', [fix('bad_fortran.npy')], /Fortran-order/, 1],
    ['complex dtype', [fix('bad_complex.npy')], /complex dtype/, 1],
    ['structured dtype', [fix('bad_structured.npy')], /structured/, 1],
    ['data shorter than the header says', [fix('bad_truncated_data.npy')], /is truncated: its header describes \(2, 3\) float32 = 24 data bytes, the file has 10/, 1],
    ['data longer than the header says', [fix('bad_extra_data.npy')], /has 4 bytes after the 24 data bytes/, 1],
    ['missing input', [join(FIX, 'no-such-file.npy')], /cannot open input .*no-such-file\.npy': no such file or directory/, 1],
    ['input is a directory', [FIX, '--format', 'npy'], /is a directory/, 1],
    ['unknown input extension', [join(FIX, 'x.bin')], /cannot tell the format of .*x\.bin/, 2],
    ['--cols not dividing a .npy', [fix('f32_2x3.npy'), '--cols', '4'], /--cols 4 does not divide the 6 elements/, 2],
    ['--temperature 0', [fix('f32_2x3.npy'), '--temperature', '0'], /--temperature must be a finite number > 0, got '0'/, 2],
    ['--temperature -1', [fix('f32_2x3.npy'), '--temperature=-1'], /--temperature must be a finite number > 0, got '-1'/, 2],
    ['--temperature nan', [fix('f32_2x3.npy'), '-t', 'nan'], /--temperature must be a finite number > 0/, 2],
    ['--temperature Infinity', [fix('f32_2x3.npy'), '-t', 'Infinity'], /--temperature must be a finite number > 0/, 2],
    ['--top-k 0', [fix('f32_2x3.npy'), '--top-k', '0'], /--top-k must be a positive integer, got '0'/, 2],
    ['--top-k > cols', [fix('f32_2x3.npy'), '--top-k', '4'], /--top-k 4 is larger than the row length 3/, 2],
    ['--top-k 1.5', [fix('f32_2x3.npy'), '--top-k', '1.5'], /--top-k must be a positive integer/, 2],
    ['--top-k to raw f32', [fix('f32_2x3.npy'), '--top-k', '2', '--out-format', 'f32'], /float64 \(index, probability\) pairs/, 2],
    ['dtype change by extension', [fix('f32_2x3.npy'), '--out-format', 'f64'], /keeps the input's dtype \(float32\)/, 2],
    ['--threads 0', [fix('f32_2x3.npy'), '--threads', '0'], /--threads must be a positive integer/, 2],
    ['--chunk-size junk', [fix('f32_2x3.npy'), '--chunk-size', 'lots'], /--chunk-size must be a size/, 2],
    ['--format bad', [fix('f32_2x3.npy'), '--format', 'f16'], /--format must be one of npy, f32, f64, got 'f16'/, 2],
    ['--backend bad', [fix('f32_2x3.npy'), '--backend', 'gpu'], /--backend must be one of js, native/, 2],
    ['--isa bad', [fix('f32_2x3.npy'), '--isa', 'sse9'], /--isa must be one of/, 2],
    ['unknown option', [fix('f32_2x3.npy'), '--fast'], /unknown option '--fast' for softmax/, 2],
    ['option without value', [fix('f32_2x3.npy'), '--cols'], /option --cols needs a value/, 2],
    ['two inputs', [fix('f32_2x3.npy'), fix('f32_1d.npy')], /takes one input, got 2/, 2],
  ];
  it.each(cases)('%s', async (_name, args, message, code) => {
    const dir = outDir();
    expectFailure(await cli('softmax', ...args, '-o', join(dir, 'out.npy')), message, dir, code);
  });

  it('raw input problems: size not a multiple of the element, --cols missing or not dividing', async () => {
    const dir = outDir();
    writeFileSync(join(dir, 'odd.f32'), Buffer.alloc(10));
    writeFileSync(join(dir, 'six.f64'), Buffer.alloc(48));
    const out = outDir();
    expectFailure(await cli('sigmoid', join(dir, 'odd.f32'), '-o', join(out, 'o.f32')), /has 10 bytes, not a whole number of float32 values \(4 bytes each\)/, out, 1);
    expectFailure(await cli('softmax', join(dir, 'six.f64'), '-o', join(out, 'o.f64')), /softmax of raw f64 input needs --cols/, out, 2);
    expectFailure(await cli('logsumexp', join(dir, 'six.f64'), '--cols', '4', '-o', join(out, 'o.f64')), /--cols 4 does not divide the 6 elements/, out, 2);
  });

  it('bad commands and option combinations', async () => {
    expectFailure(await cli('softmaxx', 'a.npy'), /unknown command 'softmaxx': use one of sigmoid, softmax, log-softmax, logsumexp, argmax, cross-entropy, info/, undefined, 2);
    expectFailure(await cli('softmax'), /softmax needs an input file/, undefined, 2);
    expectFailure(await cli('sigmoid', 'a.npy', '-t', '2'), /--temperature applies to softmax, log-softmax and cross-entropy, not sigmoid/, undefined, 2);
    expectFailure(await cli('logsumexp', 'a.npy', '-t', '2'), /--temperature applies to softmax, log-softmax and cross-entropy, not logsumexp/, undefined, 2);
    expectFailure(await cli('log-softmax', 'a.npy', '--top-k', '2'), /--top-k applies to softmax only/, undefined, 2);
    expectFailure(await cli('softmax', 'a.npy', '-q', '--progress'), /contradict/, undefined, 2);
    expectFailure(await cli('info', 'extra'), /info takes no arguments/, undefined, 2);
    expectFailure(await cli('--help', 'nothing'), /no help for 'nothing'/, undefined, 2);
  });

  it('unwritable output: missing directory, a file as a directory, a directory, a full device', async () => {
    const dir = outDir();
    writeFileSync(join(dir, 'file'), 'x');
    const input = fix('f32_2x3.npy');
    expectFailure(await cli('softmax', input, '-o', join(dir, 'missing', 'o.npy')), /cannot write output .*missing\/o\.npy': no such file or directory/, undefined, 1);
    expectFailure(await cli('softmax', input, '-o', join(dir, 'file', 'o.npy')), /a parent path is not a directory/, undefined, 1);
    expectFailure(await cli('softmax', input, '-o', dir), /cannot write output .*: is a directory/, undefined, 1);
    expect(readdirSync(dir)).toEqual(['file']);
    if (existsSync('/dev/full')) {
      expectFailure(await cli('softmax', input, '-o', '/dev/full'), /cannot write '\/dev\/full': no space left on device/, undefined, 1);
    }
  });
});

describe('help, version, info', () => {
  it('sigmax --help lists the commands, options and examples; each command has its own help', async () => {
    const h = await cli('--help');
    expect(h.code).toBe(0);
    for (const word of [...OPS, 'info', '--output', '--format', '--out-format', '--cols', '--temperature', '--top-k', '--threads', '--backend', '--isa', '--quiet', '--chunk-size', '--version', 'Examples']) {
      expect(h.out).toContain(word);
    }
    expect((await cli()).out).toBe(h.out);
    for (const op of OPS) {
      const r = await cli(op, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^sigmax ${op} INPUT`));
      expect(r.out).toContain('Examples');
      expect((await cli('help', op)).out).toBe(r.out);
    }
    expect((await cli('softmax', '--help')).out).toMatch(/\(\.\.\.rows, K, 2\)/);
    expect((await cli('info', '--help')).out).toMatch(/^sigmax info/);
  });

  it('--version is the package version; info tells the backend, ISAs, threads, addon', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect((await cli('--version')).out).toBe(`${pkg.version}\n`);
    const j = await cli('info', '--json');
    expect(j.code).toBe(0);
    const info = JSON.parse(j.out);
    expect(info).toMatchObject({ version: pkg.version, backend: sx.backend.kind, isa: sx.backend.isa, isas: [...sx.backend.isas] });
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.addon === null).toBe(sx.backend.kind === 'js');
    const t = await cli('info');
    expect(t.out).toMatch(new RegExp(`^sigmax ${pkg.version.replace(/\./g, '\\.')}\\nbackend: +${sx.backend.kind}`));
    expect(t.out).toMatch(/\nisas: .*\nthreads: +\d+ available.*\naddon: .*\nnode: /);
  });
});

describe.concurrent('as a process: stdin/stdout, exit status, signals (spawns node bin/sigmax.js)', () => {
  const x32 = logits('f32', 31 * 9, 77);
  const x64 = logits('f64', 31 * 9, 78);
  const npy32 = npyBytes('<f4', [31, 9], bytesOf(x32));

  for (const op of OPS) {
    it(`${op}: .npy stdin → .npy stdout, and raw f64 stdin → raw stdout`, async () => {
      const [a, b] = await Promise.all([
        spawnCli([op, '-', '--chunk-size', '200'], npy32),
        spawnCli([op, '-', '--format', 'f64', '--cols', '9', '-q'], bytesOf(x64)),
      ]);
      expect(a.status, a.stderr).toBe(0);
      const y = readNpy(a.stdout);
      expect(y.shape).toEqual(op === 'logsumexp' ? [31] : [31, 9]);
      expectSameBits(y.data, reference(op, x32, 9));
      expect(a.stderr).toMatch(new RegExp(`^sigmax ${op}: 31 rows × 9, 279 elements`));
      expect(b.status, b.stderr).toBe(0);
      expect(b.stderr).toBe('');
      expectSameBits(rawOf('f64', b.stdout), reference(op, x64, 9));
    });
  }

  it('raw stdin → .npy file (the shape is patched in at the end); top-k CSV to stdout', async () => {
    const dir = outDir();
    const [a, b] = await Promise.all([
      spawnCli(['softmax', '-', '--format', 'f32', '--cols', '9', '-o', join(dir, 'o.npy'), '--chunk-size', '100'], bytesOf(x32)),
      spawnCli(['softmax', '-', '--top-k', '2', '--out-format', 'csv', '-q'], npy32),
    ]);
    expect(a.status, a.stderr).toBe(0);
    const y = readNpy(readFileSync(join(dir, 'o.npy')));
    expect(y.shape).toEqual([31, 9]);
    expectSameBits(y.data, reference('softmax', x32, 9));
    expect(b.status, b.stderr).toBe(0);
    const lines = b.stdout.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 31 * 2);
    expect(lines[0]).toBe('row,rank,index,probability');
  });

  it('errors from a process: exit status, one stderr line, no stack trace, no file', async () => {
    const dir = outDir();
    writeFileSync(join(dir, 'keep.npy'), 'old');
    const [missing, dtype, usage, truncated, partialRow, npyToStdout] = await Promise.all([
      spawnCli(['softmax', join(dir, 'nope.npy'), '-o', join(dir, 'o.npy')]),
      spawnCli(['softmax', fix('bad_int32.npy'), '-o', join(dir, 'o.npy')]),
      spawnCli(['softmax', fix('f32_2x3.npy'), '--top-k', 'x']),
      // stdin ends inside the data: the existing output stays as it was
      spawnCli(['softmax', '-', '-o', join(dir, 'keep.npy')], npy32.subarray(0, npy32.length - 10)),
      spawnCli(['softmax', '-', '--format', 'f32', '--cols', '9', '-o', join(dir, 'o.f32')], bytesOf(x32).subarray(0, 40)),
      spawnCli(['sigmoid', '-', '--format', 'f32', '--out-format', 'npy'], bytesOf(x32)),
    ]);
    const one = (r: Spawned, status: number, message: RegExp) => {
      expect(r.status, r.stderr).toBe(status);
      expect(r.stderr).toMatch(/^sigmax: [^\n]*\n$/);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };
    one(missing, 1, /no such file or directory/);
    one(dtype, 1, /integer dtype '<i4'/);
    one(usage, 2, /--top-k must be a positive integer, got 'x'/);
    one(truncated, 1, /stdin is truncated: it ended after 1106 of the 1116 data bytes/);
    one(partialRow, 1, /stdin ended after 40 bytes, not a whole number of rows of 9 float32 values/);
    one(npyToStdout, 2, /a \.npy output needs its shape up front/);
    expect(readdirSync(dir)).toEqual(['keep.npy']);
    expect(readFileSync(join(dir, 'keep.npy'), 'utf8')).toBe('old');
  });

  it('--backend js runs the pure-TypeScript backend; --version and info --json through the bin shim', async () => {
    const [run, version, info] = await Promise.all([
      spawnCli(['softmax', '-', '--backend', 'js'], npy32),
      spawnCli(['--version']),
      spawnCli(['info', '--json', '--backend', 'js']),
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/, js, 1 thread\n$/);
    expectSameBits(readNpy(run.stdout).data, sxjs.softmax(x32, { cols: 9 }));
    expect(version.stdout.toString()).toMatch(/^\d+\.\d+\.\d+/);
    expect(JSON.parse(info.stdout.toString())).toMatchObject({ backend: 'js', isa: 'js', isas: [], addon: null });
  });

  it('--progress draws progress on stderr, ending at 100%', async () => {
    const r = await spawnCli(['softmax', '-', '--progress', '--chunk-size', '64'], npy32);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^softmax \[#+\] 100% +0\.00\/0\.00 GB .*GB\/s/m);
    expect(r.stderr).toMatch(/\nsigmax softmax: 31 rows × 9/);
  });

  it('Ctrl-C (SIGINT) while streaming deletes the temporary file and dies of the signal', async () => {
    const dir = outDir();
    const child = spawn(process.execPath, [BIN, 'softmax', '-', '-o', join(dir, 'o.npy')], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('close', (c, s) => res([c, s])));
    child.stdin.write(npy32.subarray(0, 500)); // the header and part of the data; stdin stays open
    const deadline = Date.now() + (EMULATED ? 300_000 : 20_000); // emulated Nodes start slowly, many at once here
    while (readdirSync(dir).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(dir)[0]).toMatch(/^\.o\.npy\.sigmax-\d+-\w+\.tmp$/);
    child.kill('SIGINT');
    const [code, signal] = await closed;
    expect(signal === 'SIGINT' || code === 130, `exit ${code} ${signal}`).toBe(true);
    expect(stderr).toMatch(/interrupted \(SIGINT\); no output file written/);
    expect(readdirSync(dir)).toEqual([]);
    child.stdin.destroy();
  });
});
