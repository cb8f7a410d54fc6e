#!/usr/bin/env node
// The runner behind `npm test`: runs the whole vitest suite once per backend path, each in its own
// process (the backend is chosen once, at load, from the environment):
//   - once per ISA the native addon offers on this CPU (SIGMAX_ISA=<isa>), best first;
//   - once with the pure-TypeScript backend (SIGMAX_BACKEND=js).
// Prints a per-path summary and, last, exactly one line `N passed, M failed` (totals over all paths).
// Exits non-zero if any path failed, or if the native addon could not be loaded (no ISA offered)
// unless SIGMAX_ALLOW_JS_ONLY=1.
//
// After the vitest paths, command paths, each printing its own `N passed, M failed` last:
//   - kernels: the C++ differential test of every kernel table (scripts/test-kernels.sh): on a
//     CPU without AVX-512 it is what runs the AVX-512 kernels, through SIMDe (Linux, bash, g++; installs
//     Debian's libsimde-dev if missing);
//   - fuzz: 60 s of the libFuzzer differential kernel fuzzer, ASan + UBSan (scripts/fuzz-kernels.sh;
//     Linux; installs Debian's clang and libclang-rt-dev if missing); counts its differential checks;
//   - neon: the kernel test cross-compiled for aarch64 and run under qemu-user (scripts/test-neon.sh,
//     reduced options; Linux; installs g++-aarch64-linux-gnu and qemu-user-static if missing);
//   - browser: `sigmax/js` bundled by esbuild and run in headless Chromium (test/browser/, its own
//     vitest configuration; Linux; installs Debian's chromium if missing);
//   - arm64: on Linux x64, the vitest paths neon, scalar and js again, in Node's linux-arm64 binary under
//     qemu-user against the cross-compiled prebuilds/linux-arm64 (scripts/test-arm64.sh, which runs
//     this runner with SIGMAX_TEST_NODE; installs what it needs);
//   - soak: a short soak (scripts/soak.mjs --calls 100000: mixed sync/async calls with RSS sampled,
//     then 10 rounds of 200 concurrent async calls with random aborts).
//
// Environment:
//   SIGMAX_TEST_PATHS=js,avx2   run only these paths (names: js, ISA names, kernels, fuzz, neon, browser,
//                               arm64, soak)
//   SIGMAX_ALLOW_JS_ONLY=1      do not fail when the native addon is unavailable
//   SIGMAX_TEST_NODE=PATH       the Node binary that probes the backend and runs vitest (default: this
//                               one); with another Node only the vitest paths run
// Arguments are passed on to vitest (but for the browser path), e.g. `node test/run-all.mjs test/errors.test.ts`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitestBin = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const node = process.env.SIGMAX_TEST_NODE || process.execPath;

/** The caller's environment without the sigmax overrides. */
function baseEnv() {
  const env = { ...process.env };
  delete env.SIGMAX_ISA;
  delete env.SIGMAX_BACKEND;
  return env;
}

// 1. What does this machine offer? Ask a fresh process with no overrides.
const probe = spawnSync(
  node,
  ['-e', "process.stdout.write(JSON.stringify(require('sigmax').backend))"],
  { cwd: root, env: baseEnv(), encoding: 'utf8' },
);
if (probe.status !== 0) {
  process.stderr.write(probe.stderr ?? '');
  console.error('run-all: `require(\'sigmax\')` failed in a clean environment (did `npm run build:ts` run?)');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const backend = JSON.parse(probe.stdout);
const isas = Array.isArray(backend.isas) ? backend.isas : [];
console.log(`run-all: default backend ${JSON.stringify(backend)}`);

// 2. The paths to run.
// In another Node (SIGMAX_TEST_NODE) only the vitest paths: the others run this host's own tools.
const otherNode = node !== process.execPath;
const linuxPaths = process.platform === 'linux' && !otherNode ? [
  { name: 'kernels', env: {}, command: ['bash', ['scripts/test-kernels.sh']] },
  { name: 'fuzz', env: {}, command: ['bash', ['scripts/fuzz-kernels.sh', '-max_total_time=60', '-seed=1']] },
  { name: 'neon', env: {}, command: ['bash', ['scripts/test-neon.sh']] },
  { name: 'browser', env: {}, args: ['--config', 'test/browser/vitest.config.ts'] },
  ...(process.arch === 'x64' ? [{ name: 'arm64', env: {}, command: ['bash', ['scripts/test-arm64.sh']] }] : []),
] : [];
const soakPath = { name: 'soak', env: {}, command: [process.execPath, ['--expose-gc', 'scripts/soak.mjs', '--calls', '100000']] };
let paths = [
  ...isas.map((isa) => ({ name: isa, env: { SIGMAX_ISA: isa } })),
  { name: 'js', env: { SIGMAX_BACKEND: 'js' } },
  ...linuxPaths,
  ...(otherNode ? [] : [soakPath]),
];
const only = (process.env.SIGMAX_TEST_PATHS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
if (only.length > 0) {
  const unknown = only.filter((n) => !paths.some((p) => p.name === n));
  if (unknown.length > 0) {
    console.error(`run-all: SIGMAX_TEST_PATHS names unavailable path(s) ${unknown.join(', ')}; available: ${paths.map((p) => p.name).join(', ')}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  paths = paths.filter((p) => only.includes(p.name));
}

// 3. Run vitest once per path, each in its own process, collecting the JSON report.
const extraArgs = process.argv.slice(2);
const results = [];
for (const path of paths) {
  if (path.command) {
    results.push(runCommandPath(path));
    continue;
  }
  const report = join(tmpdir(), `sigmax-vitest-${process.pid}-${path.name}.json`);
  rmSync(report, { force: true });
  console.log(`\n===== path ${path.name} (${Object.entries(path.env).map(([k, v]) => `${k}=${v}`).join(' ')}) =====`);
  const started = Date.now();
  const run = spawnSync(
    node,
    [vitestBin, 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...(path.args ?? extraArgs)],
    { cwd: root, env: { ...baseEnv(), ...path.env }, stdio: 'inherit' },
  );
  const seconds = (Date.now() - started) / 1000;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let note = '';
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    passed = json.numPassedTests ?? 0;
    failed = json.numFailedTests ?? 0;
    skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
    const failedSuites = json.numFailedTestSuites ?? 0;
    if (failed === 0 && (run.status !== 0 || failedSuites > 0)) {
      // a file that failed to load or run counts as failures without failed tests
      failed = Math.max(1, failedSuites);
      note = ` (vitest exited with ${run.status ?? run.signal}; ${failedSuites} test file(s) failed)`;
    }
    rmSync(report, { force: true });
  } else {
    failed = 1;
    note = ` (no report: vitest exited with ${run.status ?? run.signal})`;
  }
  results.push({ name: path.name, passed, failed, skipped, seconds, note });
}

/** A path that is a command printing its own `N passed, M failed` line last. */
function runCommandPath(path) {
  console.log(`\n===== path ${path.name} (${path.command[0]} ${path.command[1].join(' ')}) =====`);
  const started = Date.now();
  const run = spawnSync(path.command[0], path.command[1], { cwd: root, env: baseEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(run.stdout ?? '');
  const seconds = (Date.now() - started) / 1000;
  const counts = [...(run.stdout ?? '').matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
  const passed = counts ? Number(counts[1]) : 0;
  let failed = counts ? Number(counts[2]) : 0;
  let note = '';
  if (run.status !== 0 && failed === 0) {
    failed = 1;
    note = ` (exited with ${run.status ?? run.signal})`;
  }
  return { name: path.name, passed, failed, skipped: 0, seconds, note };
}

// 4. Summary.
console.log('\n===== sigmax test summary =====');
for (const r of results) {
  const status = r.failed > 0 ? 'FAIL' : 'ok  ';
  console.log(`${status} ${r.name.padEnd(7)} ${String(r.passed).padStart(5)} passed, ${String(r.failed).padStart(4)} failed` +
    `${r.skipped > 0 ? `, ${r.skipped} skipped` : ''}  ${r.seconds.toFixed(1)}s${r.note}`);
}
let exitCode = results.some((r) => r.failed > 0) ? 1 : 0;
if (isas.length === 0) {
  if (process.env.SIGMAX_ALLOW_JS_ONLY === '1') {
    console.log('note: the native addon is not available; only the pure-TS path ran (SIGMAX_ALLOW_JS_ONLY=1)');
  } else {
    console.log('FAIL: the native addon could not be loaded (backend.isas is empty); only the pure-TS path ran.');
    console.log('      Build it (npm run build:native) or set SIGMAX_ALLOW_JS_ONLY=1 to accept a JS-only run.');
    exitCode = 1;
  }
}
const totalPassed = results.reduce((s, r) => s + r.passed, 0);
const totalFailed = results.reduce((s, r) => s + r.failed, 0);
console.log(`${totalPassed} passed, ${totalFailed} failed`);
process.exit(exitCode);
