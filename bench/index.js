#!/usr/bin/env node
// `npm run bench`: the benchmark suite — sigmax native at every ISA in `backend.isas`, the
// pure-TS backend, naive JS, a stable 3-pass JS softmax, and the memory floor `out.set(x)`, in one run.
// `npm start` runs `--quick`: the best native ISA vs the pure-TS backend vs naive JS on a few workloads (< 1 min).
//
//   node bench/index.js [options]
//     --quick            best native ISA, sigmax/js and naive JS on a few workloads, 2 short rounds (`npm start`)
//     --filter TEXT      only the workloads whose name contains TEXT (case-insensitive; repeatable, or
//                        comma-separated: any match), e.g. --filter "softmax f32" or --filter 1e7,overhead
//     --isa LIST         only these native ISAs (comma-separated, e.g. --isa avx2 or --isa avx2,scalar;
//                        --isa none: no native group)
//     --groups LIST      only these groups among native-<isa>, js, naive, stable (default: all;
//                        naive is always kept when there is something to compare with it)
//     --rounds N         rounds (default 3, --quick 2)
//     --max-time S       benchmark.js maxTime per implementation per workload per round, s (default 0.04; --quick 0.05)
//     --save / --no-save write bench/results/bench-<date>.{json,md} and bench/results/bench-chart.svg
//                        (default: save for a full run, not for --quick/--filter/--isa/--groups)
//     --readme [FILE]    measure nothing: rewrite the generated tables of docs/performance.md (between
//                        `<!-- bench:start -->` / `<!-- bench:end -->`) and README.md (between
//                        `<!-- bench:summary:start -->` / `<!-- bench:summary:end -->`) and
//                        bench/results/bench-chart.svg from FILE (default: the newest bench/results/bench-*.json)
//     --render FILE      measure nothing: print the markdown report of a saved JSON
//
// How it measures. One child process per implementation group (bench/lib/bench-child.js; native ISAs via
// SIGMAX_ISA, the pure-TS backend via SIGMAX_BACKEND=js, the JS baselines of bench/lib/baselines.js), all
// started once and kept waiting for orders. The parent walks the workloads; for each it asks every group in
// turn (only one process works at a time) to time `out.set(x)` on the workload's arrays and then the workload
// itself with benchmark.js (bounded maxTime/minSamples; per-call times from bench.stats.sample). All of it is
// repeated in `--rounds` rounds with the group order rotated. Why interleave: this VM is shared and noisy —
// a neighbour's burst lasts seconds to minutes. Measured group after group, a burst lands on whole groups and
// skews their ratios; measured workload by workload, every implementation of a workload is timed within a
// second or two of the others, so a burst hits one workload's round, and the median over rounds of the
// per-round paired ratios (sigmax vs naive JS of the same round; time vs memcpy of the same process, just
// before) discards it. Results: markdown on stdout, bench/results/bench-<date>.{json,md}, bench-chart.svg.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork, spawnSync, execFileSync } = require('node:child_process');
const { allWorkloads, QUICK_IDS, groupHas } = require('./lib/workloads.js');
const report = require('./lib/report.js');
const { chartSvg } = require('./lib/chart.js');
const { fmt, sleep } = require('./lib/stats.js');
const { cpuDescription } = require('./lib/machine.js');

const ROOT = path.join(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
const CHILD = path.join(__dirname, 'lib', 'bench-child.js');
const README = path.join(ROOT, 'README.md');
const PERFORMANCE_DOC = path.join(ROOT, 'docs', 'performance.md');
const log = (...a) => console.error(...a);
/** An error in the command line: printed without a stack trace. */
const usage = (msg) => Object.assign(new Error(msg), { usage: true });

// ───────────────────────────────────────────── options

function parseArgs(argv) {
  const o = { quick: false, filters: [], isa: null, groups: null, rounds: null, maxTime: null, save: null, readme: null, render: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--filter') o.filters.push(...val().split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
    else if (a === '--isa') o.isa = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--groups') o.groups = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--rounds') o.rounds = Number(val());
    else if (a === '--max-time') o.maxTime = Number(val());
    else if (a === '--save') o.save = true;
    else if (a === '--no-save') o.save = false;
    else if (a === '--readme') o.readme = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : '';
    else if (a === '--render') o.render = val();
    else if (a === '--help' || a === '-h') {
      console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 24).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw usage(`unknown option ${a} (see --help)`);
  }
  if (o.rounds !== null && !(Number.isInteger(o.rounds) && o.rounds >= 1)) throw usage('--rounds needs a positive integer');
  if (o.maxTime !== null && !(o.maxTime > 0)) throw usage('--max-time needs a positive number of seconds');
  return o;
}

// ───────────────────────────────────────────── machine

function machineInfo() {
  let flags = null;
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    flags = new Set((/^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/));
  } catch {
    // not Linux: flags unknown
  }
  let git = null;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    git = `${head}${dirty ? '+dirty' : ''}`;
  } catch {
    // not a git checkout
  }
  const event = process.env.npm_lifecycle_event;
  const args = process.argv.slice(2).join(' ');
  return {
    cpu: cpuDescription(),
    cores: os.availableParallelism(),
    flags: flags ? { avx2: flags.has('avx2'), fma: flags.has('fma'), avx512f: flags.has('avx512f') } : { avx2: null, fma: null, avx512f: null },
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    sigmax: require('../package.json').version,
    git,
    addon: addonStamp(),
    date: new Date().toISOString(),
    command: event ? `npm ${event === 'start' ? 'start' : `run ${event}`}${args ? ` (node bench/index.js ${args})` : ''}` : `node bench/index.js${args ? ` ${args}` : ''}`,
    loadavgStart: os.loadavg(),
  };
}

function addonStamp() {
  const file = path.join(ROOT, 'build', 'Release', 'sigmax.node');
  try {
    return { file: path.relative(ROOT, file), mtime: fs.statSync(file).mtime.toISOString() };
  } catch {
    return null;
  }
}

/** backend of `require('sigmax')` with SIGMAX_BACKEND=native in a child, or null (with the reason logged). */
function probeNative() {
  const env = { ...process.env, SIGMAX_BACKEND: 'native' };
  delete env.SIGMAX_ISA;
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(require("sigmax").backend))'], { cwd: ROOT, env, encoding: 'utf8' });
  if (r.status === 0) return JSON.parse(r.stdout);
  log(`  native addon did not load: ${(r.stderr || '').trim().split('\n').find((l) => /Error|sigmax/.test(l)) ?? `exit ${r.status}`}`);
  return null;
}

async function nativeIsas() {
  for (let attempt = 1; ; attempt++) {
    const b = probeNative();
    if (b) return b.isas;
    if (attempt === 3) {
      log('WARNING: no native addon (after 3 tries): benchmarking the JS groups only. Build it with `npm run build:native`.');
      return [];
    }
    log(`  (the addon may be being rebuilt) retrying in 60 s, attempt ${attempt + 1} of 3`);
    await sleep(60_000);
  }
}

// ───────────────────────────────────────────── children

class Child {
  constructor(group) {
    this.group = group;
    this.dead = null;
  }

  start() {
    const env = { ...process.env };
    delete env.SIGMAX_ISA;
    delete env.SIGMAX_BACKEND;
    if (this.group.startsWith('native-')) Object.assign(env, { SIGMAX_BACKEND: 'native', SIGMAX_ISA: this.group.slice('native-'.length) });
    if (this.group === 'js') env.SIGMAX_BACKEND = 'js';
    this.proc = fork(CHILD, [this.group], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.pending = null;
    return new Promise((resolve, reject) => {
      const onMsg = (m) => {
        if (m.type === 'ready') {
          this.backend = m.backend;
          this.proc.off('message', onMsg);
          this.proc.on('message', (msg) => this.onMessage(msg));
          resolve(this);
        } else if (m.type === 'error') reject(new Error(m.message));
      };
      this.proc.on('message', onMsg);
      this.proc.on('exit', (code, signal) => {
        this.dead = `exited (${signal ?? code})`;
        if (this.pending) this.pending.reject(new Error(`${this.group} ${this.dead}`));
        this.pending = null;
        reject(new Error(`${this.group} ${this.dead} before it was ready`));
      });
    });
  }

  onMessage(m) {
    if (m.type !== 'result' || !this.pending) return;
    const p = this.pending;
    this.pending = null;
    if (m.error) p.reject(new Error(m.error));
    else p.resolve(m);
  }

  run(workload, timing) {
    if (this.dead) return Promise.reject(new Error(`${this.group} ${this.dead}`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      const { stats, runs, ...w } = workload;
      this.proc.send({ type: 'run', workload: w, timing });
    });
  }

  stop() {
    if (!this.dead) this.proc.send({ type: 'exit' });
  }
}

async function startChild(group) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new Child(group).start();
    } catch (err) {
      if (attempt === 2 || !group.startsWith('native-')) throw err;
      log(`  ${group} did not start (${err.message.split('\n')[0]}); the addon may be being rebuilt: retrying in 60 s`);
      await sleep(60_000);
    }
  }
}

// ───────────────────────────────────────────── run

function timingFor(o) {
  const maxTime = o.maxTime ?? (o.quick ? 0.05 : 0.04);
  return {
    impl: { maxTime, minSamples: 3, minTime: 0.008, warmMs: 10 },
    memcpy: { maxTime: Math.round(Math.max(0.01, maxTime * 0.3) * 1000) / 1000, minSamples: 3, minTime: 0.004, warmMs: 5 },
  };
}

function selectWorkloads(o) {
  let ws = allWorkloads();
  if (o.quick) ws = ws.filter((w) => QUICK_IDS.includes(w.id));
  if (o.filters.length) ws = ws.filter((w) => o.filters.some((f) => w.id.toLowerCase().includes(f)));
  return ws;
}

async function selectGroups(o) {
  let isas = o.isa && o.isa.includes('none') ? [] : await nativeIsas();
  const all = isas;
  if (o.isa && !o.isa.includes('none')) {
    const missing = o.isa.filter((i) => !all.includes(i));
    if (missing.length) throw usage(`--isa ${missing.join(',')}: not offered by this CPU/build (it offers ${all.join(', ') || 'none'})`);
    isas = all.filter((i) => o.isa.includes(i));
  }
  if (o.quick) isas = isas.slice(0, 1);
  const base = [...isas.map((i) => `native-${i}`), 'js', 'naive', 'stable'];
  if (!o.groups) return o.quick ? base.filter((g) => g !== 'stable') : base;
  const unknown = o.groups.filter((g) => !base.includes(g));
  if (unknown.length) throw usage(`--groups ${unknown.join(',')}: not available (available: ${base.join(', ')})`);
  return base.filter((g) => o.groups.includes(g) || g === 'naive'); // naive JS: the reference of the ratios
}

function checkChecksums(w, round, warnings) {
  const got = Object.entries(w.runs).map(([g, rs]) => [g, rs[round]]).filter(([, r]) => r && r.impl);
  const ref = got.find(([g]) => g === 'stable') ?? got.find(([g]) => g === 'naive') ?? got[0];
  if (!ref) return;
  for (const [g, r] of got) {
    const tol = 1e-4 * Math.max(r.sumAbs, ref[1].sumAbs, 1);
    if (!(Math.abs(r.checksum - ref[1].checksum) <= tol)) {
      warnings.push(`${w.id}: ${report.label(g)} output sums to ${r.checksum}, ${report.label(ref[0])} to ${ref[1].checksum} (round ${round + 1})`);
    }
  }
}

async function measureAll(o) {
  const t0 = Date.now();
  const machine = machineInfo();
  const workloads = selectWorkloads(o);
  if (workloads.length === 0) throw usage(`no workload matches --filter ${o.filters.join(',')}`);
  const groups = (await selectGroups(o)).filter((g) => workloads.some((w) => groupHas(g, w)));
  const rounds = o.rounds ?? (o.quick ? 2 : 3);
  const timing = timingFor(o);
  const warnings = [];
  log(`sigmax bench: ${workloads.length} workloads × {${groups.map(report.label).join(', ')}}, ${rounds} round(s); ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

  const children = new Map();
  for (const g of groups) {
    try {
      children.set(g, await startChild(g));
    } catch (err) {
      warnings.push(`${g}: did not start: ${err.message.split('\n')[0]}`);
      log(`WARNING: ${g} did not start: ${err.message}`);
    }
  }
  const live = groups.filter((g) => children.has(g));
  for (const w of workloads) w.runs = Object.fromEntries(live.filter((g) => groupHas(g, w)).map((g) => [g, []]));

  for (let r = 0; r < rounds; r++) {
    for (let wi = 0; wi < workloads.length; wi++) {
      const w = workloads[wi];
      const gs = Object.keys(w.runs);
      const order = gs.map((_, k) => gs[(k + r + wi) % gs.length]);
      const tw = Date.now();
      const line = [];
      for (const g of order) {
        try {
          const res = await children.get(g).run(w, timing);
          w.runs[g][r] = res.skipped ? null : res;
          if (!res.skipped) line.push(`${report.label(g)} ${fmt(w.n / [...res.impl].sort((a, b) => a - b)[res.impl.length >> 1] / 1e6)}`);
        } catch (err) {
          w.runs[g][r] = null;
          const msg = `${w.id}: ${report.label(g)} failed in round ${r + 1}: ${err.message.split('\n')[0]}`;
          warnings.push(msg);
          log(`WARNING: ${msg}`);
        }
      }
      checkChecksums(w, r, warnings);
      log(`[round ${r + 1}/${rounds} ${String(wi + 1).padStart(2)}/${workloads.length}] ${w.id.padEnd(32)} ${((Date.now() - tw) / 1000).toFixed(1).padStart(5)} s  Melem/s: ${line.join(' · ')}`);
    }
  }
  for (const c of children.values()) c.stop();

  machine.loadavgEnd = os.loadavg();
  const stampEnd = addonStamp();
  if (JSON.stringify(stampEnd) !== JSON.stringify(machine.addon)) {
    warnings.push(`the addon file changed during the run (${machine.addon?.mtime ?? 'missing'} → ${stampEnd?.mtime ?? 'missing'}); the native processes kept the build they loaded at the start`);
  }
  const backends = Object.fromEntries([...children.values()].map((c) => [c.group, c.backend]));
  return {
    machine,
    options: { quick: o.quick, filters: o.filters, isa: o.isa, groups: o.groups, rounds, timing },
    groups: live,
    backends,
    durationS: (Date.now() - t0) / 1000,
    warnings,
    workloads,
  };
}

// ───────────────────────────────────────────── output

function save(results, md) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const day = results.machine.date.slice(0, 10);
  const json = path.join(RESULTS, `bench-${day}.json`);
  const strip = { ...results, workloads: results.workloads.map(({ stats, ...w }) => w) }; // raw samples; stats are recomputed
  fs.writeFileSync(json, JSON.stringify(strip, null, 1) + '\n');
  fs.writeFileSync(path.join(RESULTS, `bench-${day}.md`), md);
  fs.writeFileSync(path.join(RESULTS, 'bench-chart.svg'), chartSvg(results));
  log(`results: ${path.relative(process.cwd(), json)}, bench-${day}.md, bench-chart.svg (in ${path.relative(process.cwd(), RESULTS) || '.'})`);
}

function loadJson(file) {
  if (!file) {
    const all = fs.readdirSync(RESULTS).filter((f) => /^bench-\d{4}-\d{2}-\d{2}\.json$/.test(f)).sort();
    if (all.length === 0) throw new Error('no bench/results/bench-*.json: run `npm run bench` first');
    file = path.join(RESULTS, all[all.length - 1]);
  }
  return { file, results: report.aggregate(JSON.parse(fs.readFileSync(file, 'utf8'))) };
}

/** The generated block of docs/performance.md: every workload, the call overhead, the notes. */
function performanceBlock(results, jsonFile) {
  const day = results.machine.date.slice(0, 10);
  const rel = (f) => path.relative(ROOT, f).split(path.sep).join('/');
  const md = path.join(RESULTS, `bench-${day}.md`);
  return [
    `<!-- bench:start — generated by \`node bench/index.js --readme\` from ${rel(jsonFile)}; edits here are overwritten -->`,
    `Measured on ${report.machineLine(results)} (${fmt(results.durationS)} s; load average ` +
      `${results.machine.loadavgStart.map((v) => v.toFixed(1)).join(' ')} at the start). ` +
      'Single thread; every implementation in its own process, interleaved workload by workload over ' +
      `${results.options.rounds} rounds; ratios are paired within a round. On a shared machine absolute figures move by tens of percent between runs (see the spreads), the paired ratios much less.`,
    '',
    '![sigmax throughput vs size: native ISAs, pure TS, naive JS, stable JS, memcpy floor](../bench/results/bench-chart.svg)',
    '',
    'Melem/s (median ±½ interquartile range over all samples of all rounds):',
    '',
    report.compactTable(results),
    '',
    'Sync call overhead (ns per call, sigmoid on 1 and 16 float32 elements; benchmark.js adds a few ns per call to every row):',
    '',
    report.overheadTable(results),
    '',
    ...report.NOTES.slice(3).map((n) => `- ${n}`),
    `- Every implementation per workload, with spreads and min–max: [${rel(md)}](../${rel(md)}); raw samples: [${rel(jsonFile)}](../${rel(jsonFile)}).`,
    '<!-- bench:end -->',
  ].join('\n');
}

/** The generated table of README.md: a few workloads, the best native ISA against pure TS and naive JS. */
function summaryBlock(results, jsonFile) {
  const rel = path.relative(ROOT, jsonFile).split(path.sep).join('/');
  return [
    `<!-- bench:summary:start — generated by \`node bench/index.js --readme\` from ${rel}; edits here are overwritten -->`,
    `${report.machineLine(results)}; single thread, Melem/s (median), higher is better:`,
    '',
    report.summaryTable(results),
    '<!-- bench:summary:end -->',
  ].join('\n');
}

/** Replaces the text between `start` (a marker prefix) and `end` in `file` with `block`. */
function replaceBlock(file, start, end, block) {
  const text = fs.readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${path.relative(ROOT, file)} has no ${start} … ${end} block`);
  fs.writeFileSync(file, text.slice(0, from) + block + text.slice(to + end.length));
}

function updateDocs(results, jsonFile) {
  replaceBlock(PERFORMANCE_DOC, '<!-- bench:start', '<!-- bench:end -->', performanceBlock(results, jsonFile));
  replaceBlock(README, '<!-- bench:summary:start', '<!-- bench:summary:end -->', summaryBlock(results, jsonFile));
  fs.writeFileSync(path.join(RESULTS, 'bench-chart.svg'), chartSvg(results));
  log(`docs/performance.md and README.md tables and bench/results/bench-chart.svg rewritten from ${path.relative(process.cwd(), jsonFile)}`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.readme !== null) {
    const { file, results } = loadJson(o.readme);
    updateDocs(results, file);
    return;
  }
  if (o.render) {
    process.stdout.write(report.markdown(loadJson(o.render).results));
    return;
  }
  const results = report.aggregate(await measureAll(o));
  const md = report.markdown(results, { detailed: !o.quick });
  process.stdout.write(`\n${md}`);
  const partial = o.quick || o.filters.length > 0 || o.isa !== null || o.groups !== null;
  if (o.save ?? !partial) save(results, md);
  else if (!o.quick) log('(partial run: not saved; --save to save it)');
  log(`bench: ${fmt(results.durationS)} s`);
}

main().catch((err) => {
  console.error(`bench: ${err.usage ? err.message : err.stack || err}`);
  process.exit(err.usage ? 2 : 1);
});
