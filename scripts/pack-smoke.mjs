#!/usr/bin/env node
// Packaging smoke test: what a user gets from `npm install sigmax`, checked from outside the repo.
//   1. `npm pack` into a temp dir (runs `prepare`); every `exports` target and every existing `files`
//      entry must be in the tarball.
//   2. A fresh temp project installs the tarball plus typescript@~5.9.3 and @types/node@20.
//   3. CommonJS: `require('sigmax')` and `require('sigmax/js')` load and compute; prints `backend`.
//   4. ESM: `import { sigmoid, softmax, backend } from 'sigmax'`, `import * as js from 'sigmax/js'`.
//   5. TypeScript consumers type-check with `tsc --noEmit`, module nodenext: an ESM one (.mts) and a
//      CommonJS one (.cts); a file passing number[] to sigmoid must FAIL to type-check.
// Prints one line per check and `N passed, M failed`; exit 1 on any failure. Temp dirs are removed
// unless --keep is given.
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkList, commandRunner, tail } from './lib/checks.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tmp = mkdtempSync(join(tmpdir(), 'sigmax-pack-'));
const packDir = join(tmp, 'pack');
const app = join(tmp, 'app');

// Children must not see the outer `npm run`'s package context (npm_package_*, the local prefix, ...).
const env = { ...process.env };
for (const k of Object.keys(env)) {
  if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(k) || k === 'INIT_CWD') delete env[k];
}

const run = commandRunner(env);
const { check, skip, finish } = checkList();

/** Every path string under package.json `exports`. */
function exportTargets(e) {
  if (typeof e === 'string') return [e];
  if (e === null || typeof e !== 'object') return [];
  return Object.values(e).flatMap(exportTargets);
}

/** The checks that need the installed project, named for the report when they cannot run. */
const AFTER_INSTALL = ['CommonJS load', 'CommonJS values', 'ESM import', 'tsc ESM consumer (.mts)', 'tsc CJS consumer (.cts)', 'tsc rejects number[]'];

function main() {
  console.log(`pack-smoke: node ${process.version}, npm ${run(npm, ['--version'], root).stdout.trim()}, temp dir ${tmp}`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  let tarball;

  const packed = check('npm pack (runs prepare)', () => {
    mkdirSync(packDir);
    const r = run(npm, ['pack', '--json', '--pack-destination', packDir], root);
    if (r.status !== 0) throw new Error(`npm pack exited with ${r.status}\n${tail(r.output)}`);
    const tgz = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    if (tgz.length !== 1) throw new Error(`expected one .tgz in ${packDir}, found ${tgz.length}`);
    tarball = join(packDir, tgz[0]);
    // `npm pack --json` prints one JSON array (prepare's output may come before it).
    const json = JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m)));
    const files = new Set(json[0].files.map((f) => f.path));
    const missing = exportTargets(pkg.exports)
      .map((p) => p.replace(/^\.\//, ''))
      .concat(['package.json', pkg.main.replace(/^\.\//, ''), pkg.types.replace(/^\.\//, '')])
      .filter((p) => !files.has(p));
    for (const entry of pkg.files ?? []) {
      const rel = entry.replace(/\/$/, '');
      if (existsSync(join(root, rel)) && ![...files].some((f) => f === rel || f.startsWith(`${rel}/`))) missing.push(entry);
    }
    if (missing.length) throw new Error(`missing from the tarball: ${missing.join(', ')}`);
    return `${tgz[0]}: ${files.size} files, ${(json[0].size / 1024).toFixed(1)} kB packed`;
  });

  if (!packed) {
    for (const n of ['npm install', ...AFTER_INSTALL]) skip(n, 'no tarball');
    return;
  }

  const installed = check('npm install <tarball> typescript@~5.9.3 @types/node@20 in an empty project', () => {
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sigmax-pack-smoke', version: '0.0.0', private: true }, null, 2));
    const r = run(npm, ['install', '--no-audit', '--no-fund', '--foreground-scripts', tarball, 'typescript@~5.9.3', '@types/node@20'], app);
    writeFileSync(join(tmp, 'install.log'), r.output);
    if (r.status !== 0) throw new Error(`npm install exited with ${r.status}\n${tail(r.output)}`);
    const addon = existsSync(join(app, 'node_modules/sigmax/build/Release'))
      ? readdirSync(join(app, 'node_modules/sigmax/build/Release')).filter((f) => f.endsWith('.node'))
      : [];
    return `native addon built at install: ${addon.length ? addon.join(', ') : 'no (the pure-TS backend will serve)'}`;
  });
  if (!installed) {
    for (const n of AFTER_INSTALL) skip(n, 'install failed');
    return;
  }

  writeFileSync(join(app, 'smoke.cjs'), CJS_SMOKE);
  writeFileSync(join(app, 'smoke.mjs'), ESM_SMOKE);
  const node = (file) => {
    const r = run(process.execPath, [file], app);
    if (r.status !== 0) throw new Error(`node ${file} exited with ${r.status}\n${tail(r.output)}`);
    return r.output.trim();
  };
  check("CommonJS load: node -e \"require('sigmax')\"", () => {
    const r = run(process.execPath, ['-e', "console.log('backend', JSON.stringify(require('sigmax').backend))"], app);
    if (r.status !== 0) throw new Error(`node -e exited with ${r.status}\n${tail(r.output)}`);
    return r.output.trim();
  });
  check("CommonJS values: require('sigmax'), require('sigmax/js')", () => node('smoke.cjs'));
  check("ESM: import { sigmoid, softmax, backend } from 'sigmax'; import * as js from 'sigmax/js'", () => node('smoke.mjs'));

  writeFileSync(join(app, 'consumer.mts'), TS_CONSUMER('esm'));
  writeFileSync(join(app, 'consumer.cts'), TS_CONSUMER('cjs'));
  writeFileSync(join(app, 'bad.mts'), TS_BAD);
  const tsc = (file) => {
    const config = `tsconfig.${file}.json`;
    writeFileSync(join(app, config), JSON.stringify({ compilerOptions: TSC_OPTIONS, files: [file] }, null, 2));
    return run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', config], app);
  };
  for (const [file, what] of [['consumer.mts', 'ESM'], ['consumer.cts', 'CJS']]) {
    check(`tsc --noEmit, module nodenext, ${what} consumer (${file})`, () => {
      const r = tsc(file);
      if (r.status !== 0) throw new Error(`tsc exited with ${r.status}\n${tail(r.output)}`);
    });
  }
  check('tsc --noEmit rejects sigmoid(number[]) (bad.mts must fail to type-check)', () => {
    const r = tsc('bad.mts');
    if (r.status === 0) throw new Error('tsc accepted sigmoid([1, 2, 3]): the types do not reject a plain array');
    // It must fail for that reason, not because 'sigmax' does not resolve or its .d.ts are broken.
    const errors = r.output.split('\n').filter((l) => /error TS\d+/.test(l));
    const expected = errors.length === 1 && /bad\.mts\(\d+,\d+\): error TS2345: .*number\[\]/.test(errors[0]);
    if (!expected) throw new Error(`tsc failed, but not (only) with the expected TS2345 on number[]:\n${tail(r.output)}`);
    return `as expected: ${errors[0].trim()}`;
  });
}

const TSC_OPTIONS = {
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'ES2022',
  lib: ['ES2022'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: false, // also check sigmax's shipped declarations
};

// Shared by the CJS and ESM runtime checks: known values, both precisions, row-wise options.
const SMOKE_BODY = `
const close = (got, want, tol, what) => {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])))) {
      throw new Error(what + ' (backend ' + api.backend.kind + '/' + api.backend.isa + '): element ' + i + ' is ' + got[i] + ', expected ' + want[i]);
    }
  }
};
const xs = [0, 2, -2, 30, -100, -0];
const wantSig = xs.map((v) => 1 / (1 + Math.exp(-v)));
const wantSoft = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219];
for (const [name, m] of [['sigmax', api], ['sigmax/js', js]]) {
  close(m.sigmoid(new Float32Array(xs)), wantSig, 1e-6, name + ' sigmoid f32');
  close(m.sigmoid(new Float64Array(xs)), wantSig, 1e-15, name + ' sigmoid f64');
  close(m.softmax(new Float32Array([1, 2, 3])), wantSoft, 1e-6, name + ' softmax f32');
  const out = new Float64Array(6);
  const r = m.softmax(new Float64Array([2, 4, 6, 4, 6, 8]), { cols: 3, temperature: 2, out });
  if (r !== out) throw new Error(name + ' softmax did not return out');
  close(out, [...wantSoft, ...wantSoft], 1e-15, name + ' softmax f64 cols/temperature/out');
  let threw = false;
  try { m.sigmoid([1, 2, 3]); } catch (e) { threw = e instanceof TypeError; }
  if (!threw) throw new Error(name + ' sigmoid(number[]) did not throw a TypeError');
}
if (js.backend.kind !== 'js') throw new Error("sigmax/js backend.kind is " + js.backend.kind);
if (!['native', 'js'].includes(api.backend.kind)) throw new Error('bad backend ' + JSON.stringify(api.backend));
`;

const CJS_SMOKE = `'use strict';
const api = require('sigmax');
const js = require('sigmax/js');
${SMOKE_BODY}
console.log('require: sigmoid/softmax correct for sigmax (' + api.backend.kind + '/' + api.backend.isa + ') and sigmax/js');
`;

const ESM_SMOKE = `import { sigmoid, softmax, backend } from 'sigmax';
import * as js from 'sigmax/js';
import { createRequire } from 'node:module';
const api = { sigmoid, softmax, backend };
${SMOKE_BODY}
// One module instance for import and require (one addon load, one backend choice).
if (createRequire(import.meta.url)('sigmax').sigmoid !== sigmoid) throw new Error('import and require give different instances');
console.log('import: backend ' + JSON.stringify(backend) + '; sigmoid/softmax correct for sigmax and sigmax/js; same instance as require');
`;

function TS_CONSUMER(kind) {
  const imports =
    kind === 'esm'
      ? `import { sigmoid, sigmoidDerivative, sigmoidBackward, softmax, logSoftmax, logSumExp, softmaxBackward,
  logSoftmaxBackward, softmaxJacobian, backend } from 'sigmax';
import type { Backend, FloatArray, IsaName, RowOptions, TemperatureOptions } from 'sigmax';
import * as js from 'sigmax/js';
import sigmaxDefault from 'sigmax';`
      : `import { sigmoid, sigmoidDerivative, sigmoidBackward, softmax, logSoftmax, logSumExp, softmaxBackward,
  logSoftmaxBackward, softmaxJacobian, backend } from 'sigmax';
import type { Backend, FloatArray, IsaName, RowOptions, TemperatureOptions } from 'sigmax';
import js = require('sigmax/js');
import sigmaxAll = require('sigmax');`;
  const tail =
    kind === 'esm'
      ? `const viaDefault: Float32Array = sigmaxDefault.sigmoid(new Float32Array(1));`
      : `const viaRequire: Float64Array = sigmaxAll.sigmoid(new Float64Array(1));`;
  return `${imports}

// Generic helpers over both precisions: the result keeps the input's type.
function probabilities<T extends FloatArray>(logits: T, cols: number, out?: T): T {
  const opts: TemperatureOptions<T> = { cols, temperature: 0.7, out };
  return softmax(logits, opts);
}
function activate<T extends FloatArray>(x: T): { y: T; dy: T; dx: T } {
  const y = sigmoid(x);
  const dy = sigmoidDerivative(x);
  return { y, dy, dx: sigmoidBackward(y, dy, y) };
}

const p32: Float32Array = probabilities(new Float32Array(6), 3);
const p64: Float64Array = probabilities(new Float64Array(6), 3, new Float64Array(6));
const a32: Float32Array = activate(new Float32Array(4)).dx;
const a64: Float64Array = activate(new Float64Array(4)).y;
const s32: Float32Array = sigmoid(new Float32Array(4), new Float32Array(4));
const l32: Float32Array = logSoftmax(new Float32Array(6), { cols: 2, temperature: 2, out: new Float32Array(6) });
const rowOpts: RowOptions<Float64Array> = { cols: 3, out: new Float64Array(2) };
const lse: Float64Array = logSumExp(new Float64Array(6), rowOpts);
const g32: Float32Array = softmaxBackward(p32, new Float32Array(6), { cols: 3 });
const g64: Float64Array = logSoftmaxBackward(p64, new Float64Array(6), { cols: 3, out: new Float64Array(6) });
const jac: Float64Array = softmaxJacobian(new Float64Array(3), { out: new Float64Array(9) });
const jsOut: Float32Array = js.softmax(new Float32Array(3), { temperature: 1.5 });
const shared: Float32Array = sigmoid(new Float32Array(new SharedArrayBuffer(16)).subarray(1));

const isa: IsaName | 'js' = backend.isa;
const kindOf: 'native' | 'js' = backend.kind;
const isas: readonly IsaName[] = backend.isas;
const b: Backend = js.backend;
${tail}

// @ts-expect-error a Float64Array result is not a Float32Array
const wrong: Float32Array = sigmoid(new Float64Array(2));
// @ts-expect-error temperature is a number
softmax(new Float32Array(2), { temperature: '2' });
// @ts-expect-error out must have the input's element type
softmax(new Float32Array(2), { out: new Float64Array(2) });
// @ts-expect-error mixed precisions
sigmoidBackward(new Float64Array(2), new Float32Array(2));
// @ts-expect-error integer typed arrays are not accepted
sigmoid(new Uint8Array(2));

export { p32, p64, a32, a64, s32, l32, lse, g32, g64, jac, jsOut, shared, isa, kindOf, isas, b, wrong };
`;
}

const TS_BAD = `import { sigmoid } from 'sigmax';
export const y = sigmoid([1, 2, 3]);
`;

try {
  main();
} finally {
  if (keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
finish();
