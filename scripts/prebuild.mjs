#!/usr/bin/env node
// `npm run prebuild`: builds the prebuilt binary prebuilds/<platform>-<arch>/sigmax.napi.<libc>.node
// with prebuildify (Node-API, so one binary serves every Node version; stripped; tagged with the C
// library so a glibc build is not tried on musl). node-gyp-build finds it before compiling, both
// at install (scripts/install.js) and at load (lib/native.ts).
//
// The build runs in a temporary copy of the sources, so the working tree's build/ (which a running
// test suite may be loading) is never deleted or rewritten. Afterwards the binary is loaded from
// prebuilds/ alone (PREBUILDS_ONLY=1) in a child process, which prints the ISAs it offers.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tuple = `${process.platform}-${process.arch}`;
const tmp = mkdtempSync(join(tmpdir(), 'sigmax-prebuild-'));
try {
  for (const f of ['package.json', 'binding.gyp']) cpSync(join(root, f), join(tmp, f));
  cpSync(join(root, 'native'), join(tmp, 'native'), { recursive: true, filter: (src) => !src.includes(`${join(root, 'native', 'test')}`) });
  symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'), 'dir');

  const env = { ...process.env };
  // npm puts its bundled node-gyp on PATH for scripts; outside npm, point prebuildify at it.
  if (!env.PREBUILD_NODE_GYP && env.npm_config_node_gyp) env.PREBUILD_NODE_GYP = env.npm_config_node_gyp;
  const args = [require.resolve('prebuildify/bin.js'), '--napi', '--strip', '--tag-libc'];
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
