#!/usr/bin/env node
// `npm run test:install`: installs the packed tarball into empty folders the ways users will, and
// checks which backend serves each time (`sigmax info --json` through the installed bin):
//   A. the tarball as packed, with prebuilds/<platform>-<arch>/ (built by `npm run prebuild` first if
//      missing or older than native/):
//      (built here if missing, and then removed again at the end)
//      a1. `npm install`                                   → native, from the prebuilt binary, nothing compiled
//      a2. `npm install --ignore-scripts`, no build tools  → native, from the prebuilt binary
//   B. the same tarball without prebuilds/:
//      b1. `npm install` (compilers on PATH)               → native, compiled at install (build/Release)
//      b2. `npm install`, no build tools on PATH           → installs with a warning; js fallback
//      b3. `npm install --ignore-scripts`, no build tools  → js fallback
//   C. on a Linux x64 host, the tarball A also ships prebuilds/linux-arm64/ (cross-compiled by
//      `npm run prebuild -- --arch arm64` first if missing or older than native/, and then removed
//      again at the end, as A's):
//      c1. `npm install --ignore-scripts`, no build tools; then everything below run by Node's
//          linux-arm64 binary under qemu-user (scripts/lib/arm64.sh installs and unpacks what it
//          needs)                                          → native (neon), from the prebuilt binary
// "No build tools" = PATH holds only symlinks to node and sh (no python3, make, g++, cc). Every
// install also runs a small `sigmax softmax` job and `require`/`import` of the package.
// The tarball's file list is checked too: what users need, nothing else.
// Prints one line per check and `N passed, M failed`; exit 1 on any failure. --keep keeps the temp dir.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkList, commandRunner, tail } from './lib/checks.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const tmp = mkdtempSync(join(tmpdir(), 'sigmax-install-'));
const tuple = `${process.platform}-${process.arch}`;
const withArm64 = tuple === 'linux-x64';
const createdPrebuilds = [];

// npm itself, run by node directly (so a PATH without npm still works).
const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
  ? process.env.npm_execpath
  : join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

// A clean environment: none of the outer `npm run`'s variables, no sigmax overrides.
const baseEnv = {};
for (const [k, v] of Object.entries(process.env)) {
  if (/^npm_|^INIT_CWD$|^SIGMAX_|^NODE_OPTIONS$/i.test(k)) continue;
  baseEnv[k] = v;
}
// The "no build tools" PATH: node and sh only.
const bareBin = join(tmp, 'bare-bin');
mkdirSync(bareBin);
symlinkSync(process.execPath, join(bareBin, 'node'));
symlinkSync('/bin/sh', join(bareBin, 'sh'));
const bareEnv = { ...baseEnv, PATH: bareBin };
// npm must not find the machine's Node headers or Python through its config either.
bareEnv.npm_config_python = join(bareBin, 'no-python');

const run = commandRunner(baseEnv);
const { check, finish } = checkList();

function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'test') t = Math.max(t, newestMtime(p));
    } else t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** A small .npy (2 rows × 3 float32) for the CLI job. */
function writeSmallNpy(path) {
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const head = Buffer.alloc(128, 0x20);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(118, 8);
  head.write(dict, 10, 'latin1');
  head[127] = 0x0a;
  writeFileSync(path, Buffer.concat([head, Buffer.from(new Float32Array([1, 2, 3, 0, 0, 0]).buffer)]));
}

/**
 * Installs `tarball` into a new empty project; checks the backend; returns a note for the report.
 * `node`: the command that runs Node for everything after the install (default: this Node).
 */
function installCase(name, tarball, { ignoreScripts, bare, expect, node = [process.execPath] }) {
  const app = join(tmp, name);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `sigmax-install-${name}`, version: '0.0.0', private: true }));
  const env = bare ? bareEnv : baseEnv;
  const args = [npmCli, 'install', '--no-audit', '--no-fund', '--foreground-scripts', ...(ignoreScripts ? ['--ignore-scripts'] : []), tarball];
  const what = `${ignoreScripts ? 'npm install --ignore-scripts' : 'npm install'}${bare ? ', no build tools on PATH' : ''}` +
    `${node.length > 1 ? `, then run by ${node.map((p) => p.split('/').pop()).join(' ')}` : ''}`;
  const runNode = (args) => run(node[0], [...node.slice(1), ...args], app, env);
  return check(`${name}: ${what} → expect ${expect}`, () => {
    const r = run(process.execPath, args, app, env);
    writeFileSync(join(tmp, `${name}.install.log`), r.output);
    if (r.status !== 0) throw new Error(`npm install exited with ${r.status}\n${tail(r.output)}`);
    const pkgDir = join(app, 'node_modules', 'sigmax');
    const compiled = existsSync(join(pkgDir, 'build', 'Release', 'sigmax.node'));
    const warned = /the native addon could not be built/.test(r.output);
    // The installed bin, run with the same restricted PATH.
    const binPath = join(app, 'node_modules', '.bin', 'sigmax');
    const info = runNode([binPath, 'info', '--json']);
    if (info.status !== 0) throw new Error(`sigmax info exited with ${info.status}\n${tail(info.output)}`);
    const i = JSON.parse(info.stdout);
    const got = i.backend === 'native' ? `native${node.length > 1 ? ` (${i.isa})` : ''} from ${i.addonSource}` : 'js';
    if (got !== expect) throw new Error(`backend: ${got} (expected ${expect}); info: ${info.stdout.trim()}`);
    if (expect.endsWith('from prebuilt binary') && compiled) throw new Error('the addon was compiled although the prebuilt binary should have served');
    if (expect === 'js' && !ignoreScripts && !warned) throw new Error('the install did not warn that the addon could not be built');
    // A CLI job and the library through require and import.
    writeSmallNpy(join(app, 'in.npy'));
    const job = runNode([binPath, 'softmax', 'in.npy', '-o', 'out.npy']);
    if (job.status !== 0 || !existsSync(join(app, 'out.npy'))) throw new Error(`sigmax softmax failed (${job.status})\n${tail(job.output)}`);
    const lib = runNode(['-e', "const s = require('sigmax'); const y = s.softmax(new Float32Array([1, 2, 3])); if (Math.abs(y[2] - 0.6652409) > 1e-6) throw new Error(String(y)); console.log(s.backend.kind)"]);
    const esm = runNode(['--input-type=module', '-e', "import { backend, sigmoid } from 'sigmax'; if (sigmoid(new Float64Array([0]))[0] !== 0.5) throw new Error('sigmoid'); console.log(backend.kind)"]);
    if (lib.status !== 0 || esm.status !== 0) throw new Error(`require/import failed\n${tail(lib.output + esm.output)}`);
    return `${node.length > 1 ? `node ${i.node} ${i.platform}: ` : ''}backend ${i.backend}${i.isa !== 'js' ? ` (${i.isa})` : ''}, addon ${i.addon ? i.addon.replace(app, '.') : 'none'}; ` +
      `compiled at install: ${compiled ? 'yes' : 'no'}${warned ? '; install warned: the native addon could not be built' : ''}; ` +
      `CLI: ${job.output.trim().split('\n').pop()}`;
  });
}

/** Builds prebuilds/<t> (`npm run prebuild`, with `args`) when it is missing or older than native/. */
function ensurePrebuild(t, args) {
  const dir = join(root, 'prebuilds', t);
  const prebuilt = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
  const stale = prebuilt.length === 0 || Math.max(...prebuilt.map((f) => statSync(join(dir, f)).mtimeMs)) < newestMtime(join(root, 'native'));
  if (!stale) return;
  // Built here for the tarball only: removed again at the end, so that a dev tree whose build/ is
  // being rebuilt never falls back to this binary (node-gyp-build tries prebuilds/ after build/).
  if (prebuilt.length === 0) createdPrebuilds.push(dir);
  check(`${['npm run prebuild', ...args].join(' ')} (prebuilds/${t} ${prebuilt.length ? 'older than native/' : 'missing'})`, () => {
    const r = run(process.execPath, [npmCli, 'run', 'prebuild', ...args], root, { ...process.env });
    if (r.status !== 0) throw new Error(`exit ${r.status}\n${tail(r.output)}`);
    return r.output.trim().split('\n').filter((l) => l.startsWith('prebuild:')).join('\n');
  });
}

function main() {
  console.log(`install-test: node ${process.version}, npm ${run(process.execPath, [npmCli, '--version'], root).stdout.trim()}, ${tuple}, temp dir ${tmp}`);

  // The prebuilt binaries must exist and be newer than the native sources.
  const prebuildsFor = withArm64 ? [[tuple, []], ['linux-arm64', ['--', '--arch', 'arm64']]] : [[tuple, []]];
  for (const [t, args] of prebuildsFor) ensurePrebuild(t, args);
  // The arm64 Node under qemu (scripts/lib/arm64.sh: the tools and the binary, installed once).
  let arm64Node;
  if (withArm64) {
    check('Node\'s linux-arm64 binary, and qemu-user to run it', () => {
      const r = run('bash', ['-c', '. scripts/lib/arm64.sh && arm64_tools && command -v qemu-aarch64-static && arm64_node'], root, { ...process.env });
      if (r.status !== 0) throw new Error(`exit ${r.status}\n${tail(r.output)}`);
      const [qemu, node] = r.stdout.trim().split('\n').slice(-2);
      arm64Node = [qemu, '-L', '/usr/aarch64-linux-gnu', node];
      const v = run(arm64Node[0], [...arm64Node.slice(1), '-p', 'process.version + " " + process.arch'], root);
      if (v.status !== 0) throw new Error(v.output);
      return v.stdout.trim();
    });
  }

  let tarA;
  let tarB;
  const packed = check('npm pack: the files users need, and only those', () => {
    const dir = join(tmp, 'pack-a');
    mkdirSync(dir);
    const r = run(process.execPath, [npmCli, 'pack', '--json', '--pack-destination', dir], root, { ...baseEnv, PATH: process.env.PATH });
    if (r.status !== 0) throw new Error(`npm pack exited with ${r.status}\n${tail(r.output)}`);
    const json = JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m)));
    tarA = join(dir, json[0].filename);
    const files = json[0].files.map((f) => f.path);
    const need = ['package.json', 'README.md', 'LICENSE', 'bin/sigmax.js', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.mjs', 'dist/cjs/cli/main.js', 'binding.gyp', 'scripts/install.js', 'native/binding.cc'];
    const missing = need.filter((f) => !files.includes(f));
    for (const [t] of prebuildsFor) {
      if (!files.some((f) => f.startsWith(`prebuilds/${t}/`) && f.endsWith('.node'))) missing.push(`prebuilds/${t}/*.node`);
    }
    const unwanted = files.filter((f) => /^(test|bench|lib|build|node_modules|\.ci)\/|^native\/test\/|\.map$|^scripts\/(?!install\.js$)|^tsconfig|^vitest/.test(f));
    if (missing.length || unwanted.length) throw new Error(`missing: ${missing.join(', ') || 'none'}; should not ship: ${unwanted.join(', ') || 'none'}`);
    return `${json[0].filename}: ${files.length} files, ${(json[0].size / 1024).toFixed(0)} kB packed (prebuilt: ${files.filter((f) => f.startsWith('prebuilds/')).join(', ')})`;
  });
  if (packed) {
    check('the same tarball without prebuilds/', () => {
      const dir = join(tmp, 'pack-b');
      mkdirSync(dir);
      const x = run('tar', ['-xzf', tarA, '-C', dir], dir);
      if (x.status !== 0) throw new Error(x.output);
      rmSync(join(dir, 'package', 'prebuilds'), { recursive: true, force: true });
      const r = run(process.execPath, [npmCli, 'pack', '--json', '--ignore-scripts', '--pack-destination', dir], join(dir, 'package'));
      if (r.status !== 0) throw new Error(`npm pack exited with ${r.status}\n${tail(r.output)}`);
      const json = JSON.parse(r.stdout.slice(r.stdout.search(/^\[/m)));
      tarB = join(dir, json[0].filename);
      return `${json[0].files.length} files`;
    });
  }
  if (tarA) {
    installCase('a1', tarA, { ignoreScripts: false, bare: false, expect: 'native from prebuilt binary' });
    installCase('a2', tarA, { ignoreScripts: true, bare: true, expect: 'native from prebuilt binary' });
    if (arm64Node) installCase('c1', tarA, { ignoreScripts: true, bare: true, expect: 'native (neon) from prebuilt binary', node: arm64Node });
  }
  if (tarB) {
    installCase('b1', tarB, { ignoreScripts: false, bare: false, expect: 'native from local build' });
    installCase('b2', tarB, { ignoreScripts: false, bare: true, expect: 'js' });
    installCase('b3', tarB, { ignoreScripts: true, bare: true, expect: 'js' });
  }
}

try {
  main();
} finally {
  if (!keep) rmSync(tmp, { recursive: true, force: true });
  for (const dir of createdPrebuilds) rmSync(dir, { recursive: true, force: true });
  try {
    if (createdPrebuilds.length > 0 && readdirSync(join(root, 'prebuilds')).length === 0) rmSync(join(root, 'prebuilds'), { recursive: true });
  } catch {
    // already gone
  }
}
finish();
