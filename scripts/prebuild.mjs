#!/usr/bin/env node
// `npm run prebuild [-- --arch arm64]`: builds the prebuilt binary prebuilds/<platform>-<arch>/sigmax.<libc>.node
// with prebuildify (Node-API, so one binary serves every Node version; stripped; tagged with the C
// library so a glibc build is not tried on musl). node-gyp-build finds it before compiling, both
// at install (scripts/install.js) and at load (lib/native.ts).
//
// --arch arm64 on a Linux x64 host cross-compiles with Debian's aarch64 toolchain (CC, CXX, LINK, AR and
// strip: aarch64-linux-gnu-*, from the package g++-aarch64-linux-gnu; scripts/test-arm64.sh installs it).
// The Node headers are the ones node-gyp finds as usual (npm's `nodedir` here): Node-API's are the
// same on every architecture.
//
// The build runs in a temporary copy of the sources, so the working tree's build/ (which a running
// test suite may be loading) is never deleted or rewritten. Afterwards the binary is loaded from
// prebuilds/ alone (PREBUILDS_ONLY=1) in a child process, which prints the ISAs it offers; a
// cross-compiled one is checked to be an aarch64 ELF file instead (`npm run test:arm64` loads it).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { values: { arch } } = parseArgs({ options: { arch: { type: 'string', default: process.arch } } });
const tuple = `${process.platform}-${arch}`;
const cross = arch !== process.arch;
/** Cross toolchains this script knows: Debian's, for a Linux x64 host. */
const CROSS = { 'linux-x64>arm64': { prefix: 'aarch64-linux-gnu-', apt: 'g++-aarch64-linux-gnu', elfMachine: 183 } };
const toolchain = cross ? CROSS[`${process.platform}-${process.arch}>${arch}`] : undefined;
if (cross && !toolchain) {
  console.error(`prebuild: cannot cross-compile for ${arch} on ${process.platform}-${process.arch} (known: ${Object.keys(CROSS).join(', ')})`);
  process.exit(1);
}
if (toolchain && spawnSync(`${toolchain.prefix}g++`, ['--version']).status !== 0) {
  console.error(`prebuild: ${toolchain.prefix}g++ not found: install Debian's ${toolchain.apt}`);
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'sigmax-prebuild-'));
try {
  for (const f of ['package.json', 'binding.gyp']) cpSync(join(root, f), join(tmp, f));
  cpSync(join(root, 'native'), join(tmp, 'native'), { recursive: true, filter: (src) => !src.includes(`${join(root, 'native', 'test')}`) });
  symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'), 'dir');

  const env = { ...process.env };
  // npm puts its bundled node-gyp on PATH for scripts; outside npm, point prebuildify at it.
  if (!env.PREBUILD_NODE_GYP && env.npm_config_node_gyp) env.PREBUILD_NODE_GYP = env.npm_config_node_gyp;
  env.JOBS ??= 'max'; // node-gyp: one make job per core
  if (toolchain) {
    for (const [v, tool] of [['CC', 'gcc'], ['CXX', 'g++'], ['LINK', 'g++'], ['AR', 'ar']]) env[v] = `${toolchain.prefix}${tool}`;
    env.PREBUILD_STRIP_BIN = `${toolchain.prefix}strip`;
  }
  const args = [require.resolve('prebuildify/bin.js'), '--napi', '--strip', '--tag-libc', '--arch', arch];
  console.log(`prebuild: prebuildify ${args.slice(1).join(' ')} (in ${tmp})`);
  const r = spawnSync(process.execPath, args, { cwd: tmp, env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`prebuild: prebuildify failed (exit ${r.status ?? r.signal}); needs python3, make and a C++17 compiler`);
    process.exit(1);
  }
  const built = join(tmp, 'prebuilds', tuple);
  if (!existsSync(built)) throw new Error(`prebuildify wrote no ${built}`);
  const dest = join(root, 'prebuilds', tuple);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(built, dest, { recursive: true });
  console.log(`prebuild: ${readdirSync(dest).map((f) => join('prebuilds', tuple, f)).join(', ')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

if (toolchain) {
  // A cross-compiled binary cannot be loaded here: check that it is an ELF file for the target.
  const dir = join(root, 'prebuilds', tuple);
  for (const f of readdirSync(dir).filter((name) => name.endsWith('.node'))) {
    const head = readFileSync(join(dir, f)).subarray(0, 20);
    const machine = head.readUInt16LE(18);
    if (head.toString('latin1', 1, 4) !== 'ELF' || machine !== toolchain.elfMachine) {
      console.error(`prebuild: prebuilds/${tuple}/${f} is not an ELF file for ${arch} (e_machine ${machine})`);
      process.exit(1);
    }
    console.log(`prebuild: prebuilds/${tuple}/${f} is an ELF shared object for ${arch} (e_machine ${machine}); \`npm run test:arm64\` loads it`);
  }
  process.exit(0);
}

// The binary must load from prebuilds/ alone and offer its ISAs.
const check = spawnSync(
  process.execPath,
  [
    '-e',
    `const load = require('node-gyp-build'); const p = load.resolve(${JSON.stringify(root)});
     const addon = require(p); const s = addon.select('');
     console.log('prebuild: loads from ' + require('path').relative(${JSON.stringify(root)}, p) + ': isa ' + s.isa + ', isas ' + s.isas.join(', '));`,
  ],
  { cwd: root, env: { ...process.env, PREBUILDS_ONLY: '1' }, encoding: 'utf8' },
);
process.stdout.write(check.stdout);
if (check.status !== 0) {
  process.stderr.write(check.stderr);
  console.error('prebuild: the prebuilt binary does not load');
  process.exit(1);
}
