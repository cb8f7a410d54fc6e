// Aggregation and markdown report of `npm run bench` (CommonJS, no dependencies).
// Input: the raw results object of bench/index.js ({ machine, options, groups, workloads[{ ..., runs }] }),
// where runs[group] is one entry per round: { impl: seconds per call[], memcpy: seconds per call[], checksum }.
'use strict';

const { quantile, summary, fmt } = require('./stats.js');

const median = (a) => quantile(a, 0.5);

/** 'native-avx2' → 'avx2', 'js' → 'sigmax/js', … */
function label(group) {
  if (group.startsWith('native-')) return group.slice('native-'.length);
  return { js: 'sigmax/js', naive: 'naive JS', stable: 'stable JS' }[group] ?? group;
}

/**
 * Adds `stats[group]` to every workload: throughput (Melem/s) of the pooled samples, and per-round paired
 * ratios: time ÷ memcpy (same process, measured right before), speed × naive JS and × stable JS (same round).
 */
function aggregate(results) {
  for (const w of results.workloads) {
    const perRound = {}; // group → [median seconds of round r]
    for (const [g, rounds] of Object.entries(w.runs)) perRound[g] = rounds.map((r) => (r && r.impl ? median(r.impl) : NaN));
    const pairRatio = (num, den) => {
      if (!num || !den) return null;
      const v = num.map((a, r) => a / den[r]).filter(Number.isFinite);
      return v.length ? summary(v) : null;
    };
    w.stats = {};
    for (const [g, rounds] of Object.entries(w.runs)) {
      const ok = rounds.filter((r) => r && r.impl);
      if (ok.length === 0) continue;
      const toMelem = (s) => w.n / s / 1e6;
      w.stats[g] = {
        melem: summary(ok.flatMap((r) => r.impl.map(toMelem))),
        memcpyMelem: summary(ok.flatMap((r) => r.memcpy.map(toMelem))),
        nsPerCall: median(ok.flatMap((r) => r.impl)) * 1e9,
        memcpyNsPerCall: median(ok.flatMap((r) => r.memcpy)) * 1e9,
        timeVsMemcpy: summary(ok.map((r) => median(r.impl) / median(r.memcpy))),
        vsNaive: g === 'naive' ? null : pairRatio(perRound.naive, perRound[g]),
        vsStable: g === 'stable' ? null : pairRatio(perRound.stable, perRound[g]),
        rounds: ok.length,
      };
    }
    // The memory floor over every process that ran this workload.
    const all = Object.values(w.runs).flat().filter((r) => r && r.memcpy);
    w.memcpy = all.length ? summary(all.flatMap((r) => r.memcpy.map((s) => w.n / s / 1e6))) : null;
  }
  return results;
}

/** "575 ±3%": median and half the interquartile range as a percentage of the median. */
function cell(s, digits = 3) {
  if (!s) return '—';
  const pct = s.median > 0 ? ((s.q3 - s.q1) / 2 / s.median) * 100 : NaN;
  return `${fmt(s.median, digits)} ±${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)}%`;
}
const times = (s) => (s ? `${fmt(s.median)}×` : '—');

function bestNative(results) {
  return results.groups.find((g) => g.startsWith('native-')) ?? null;
}

/** One row per workload: every implementation's Melem/s, and the best native ISA's ratios. */
function compactTable(results) {
  const groups = results.groups;
  const best = bestNative(results);
  const hasStable = groups.includes('stable');
  const head = ['work', ...groups.map(label), 'memcpy'];
  if (best) head.push(`${label(best)} × naive`, ...(hasStable ? [`${label(best)} × stable`] : []), `${label(best)} time ÷ memcpy`);
  if (groups.includes('js')) head.push('sigmax/js × naive');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const w of results.workloads) {
    if (w.kind === 'overhead') continue;
    const row = [w.id, ...groups.map((g) => cell(w.stats[g]?.melem)), cell(w.memcpy)];
    if (best) {
      const b = w.stats[best];
      row.push(times(b?.vsNaive), ...(hasStable ? [times(b?.vsStable)] : []), b ? fmt(b.timeVsMemcpy.median) : '—');
    }
    if (groups.includes('js')) row.push(times(w.stats.js?.vsNaive));
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** README's table: a few workloads, the best native ISA, the pure-TS backend and naive JS. */
function summaryTable(results) {
  const best = bestNative(results);
  const ids = ['sigmoid f32 1e5', 'sigmoid f64 1e5', 'softmax f32 1e3×1e3', 'softmax f32 64×32000', 'softmax f32 1×1e6',
    'softmax f64 1e3×1e3', 'logSoftmax f32 1e3×1e3', 'softmaxBackward f32 1e3×1e4'];
  const groups = [best, 'js', 'naive'].filter((g) => g && results.groups.includes(g));
  const head = ['work', ...groups.map((g) => (g === best ? `native ${label(g)}` : label(g))), ...(best ? [`native × naive JS`] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const id of ids) {
    const w = results.workloads.find((x) => x.id === id);
    if (!w) continue;
    const row = [id, ...groups.map((g) => (w.stats[g] ? fmt(w.stats[g].melem.median) : '—'))];
    if (best) row.push(times(w.stats[best]?.vsNaive));
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** One row per workload and implementation. */
function detailedTable(results) {
  const head = ['work', 'implementation', 'Melem/s (median)', 'spread (±½IQR)', 'min–max', '× naive JS', '× stable JS', 'time ÷ memcpy', 'memcpy Melem/s (same process)'];
  const lines = [`| ${head.join(' | ')} |`, `|---|---|${'---:|'.repeat(head.length - 2)}`];
  for (const w of results.workloads) {
    if (w.kind === 'overhead') continue;
    let first = true;
    for (const g of results.groups) {
      const s = w.stats[g];
      if (!s) continue;
      const pct = ((s.melem.q3 - s.melem.q1) / 2 / s.melem.median) * 100;
      lines.push(`| ${first ? w.id : ''} | ${label(g)} | ${fmt(s.melem.median)} | ±${pct.toFixed(1)}% | ${fmt(s.melem.min)}–${fmt(s.melem.max)} | ` +
        `${g === 'naive' ? '1' : times(s.vsNaive)} | ${g === 'stable' ? '1' : times(s.vsStable)} | ${fmt(s.timeVsMemcpy.median)} | ${fmt(s.memcpyMelem.median)} |`);
      first = false;
    }
  }
  return lines.join('\n');
}

/** Sync call overhead: ns per call of sigmoid on 1 and 16 float32 elements. */
function overheadTable(results) {
  const ws = results.workloads.filter((w) => w.kind === 'overhead');
  if (ws.length === 0) return '';
  const head = ['implementation', ...ws.map((w) => `sigmoid f32, n = ${w.n}: ns/call`)];
  const lines = [`| ${head.join(' | ')} |`, `|---|${'---:|'.repeat(ws.length)}`];
  for (const g of results.groups) {
    if (!ws.some((w) => w.stats[g])) continue;
    lines.push(`| ${label(g)} | ${ws.map((w) => (w.stats[g] ? fmt(w.stats[g].nsPerCall) : '—')).join(' | ')} |`);
  }
  const floor = ws.map((w) => {
    const v = Object.values(w.stats).map((s) => s.memcpyNsPerCall);
    return v.length ? fmt(median(v)) : '—';
  });
  lines.push(`| \`out.set(x)\` (same n) | ${floor.join(' | ')} |`);
  const noop = ws.map((w) => {
    const v = Object.values(w.runs).flat().filter((r) => r && r.noop).flatMap((r) => r.noop);
    return v.length ? fmt(median(v) * 1e9) : '—';
  });
  if (noop.some((v) => v !== '—')) lines.push(`| empty function (benchmark.js harness, included in every row) | ${noop.join(' | ')} |`);
  return lines.join('\n');
}

/** The issue's target rows that need no peers: [{ target, figure, status }]. */
function targets(results) {
  const best = bestNative(results);
  const W = (id) => results.workloads.find((w) => w.id === id);
  const rows = [];
  const range = (s, unit = '×') => (s && s.n > 1 ? ` (rounds ${fmt(s.min)}–${fmt(s.max)}${unit})` : '');
  const add = (target, figure, ok) => rows.push({ target, figure, status: ok === null ? 'not measured' : ok ? 'met' : 'MISSED' });
  const ratio = (id, key, min, what) => {
    const s = W(id)?.stats[best]?.[key];
    if (!best || !s) return add(`${id}: ≥ ${min}× ${what}`, 'not measured in this run', null);
    add(`${id}: ≥ ${min}× ${what}`, `${label(best)} ${fmt(s.median)}×${range(s)}`, s.median >= min);
  };
  const mem = (id, max) => {
    const s = W(id)?.stats[best]?.timeVsMemcpy;
    if (!best || !s) return add(`${id}: time ≤ ${max}× memcpy`, 'not measured in this run', null);
    add(`${id}: time ≤ ${max}× memcpy`, `${label(best)} ${fmt(s.median)}×${range(s)}`, s.median <= max);
  };
  ratio('sigmoid f32 1e5', 'vsNaive', 60, 'naive JS');
  ratio('sigmoid f64 1e5', 'vsNaive', 25, 'naive JS');
  mem('sigmoid f32 1e7', 1.15);
  mem('softmax f32 1×1e7', 1.6);
  ratio('sigmoid f32 1e3', 'vsNaive', 10, 'naive JS');
  ratio('softmax f32 1e3×1e3', 'vsStable', 40, 'stable JS');
  mem('softmax f32 64×32000', 1.8);
  const call = W('overhead sigmoid f32 16')?.stats[best]?.melem;
  if (!best || !call) add('sync call, sigmoid on 16 floats: ≤ 100 ns per call', 'not measured in this run', null);
  else {
    const ns = (16 * 1e3) / call.median;
    add('sync call, sigmoid on 16 floats: ≤ 100 ns per call', `${label(best)} ${fmt(ns)} ns`, ns <= 100);
  }

  // pure TS: never slower than naive JS; ≥ 1.5× on sigmoid.
  const jsRows = results.workloads.filter((w) => w.kind !== 'overhead' && w.stats.js?.vsNaive);
  if (jsRows.length === 0) {
    add('pure-TS backend never slower than naive JS', 'not measured in this run', null);
  } else {
    const slower = jsRows.filter((w) => w.stats.js.vsNaive.median < 1);
    const worst = jsRows.reduce((a, w) => (w.stats.js.vsNaive.median < a.stats.js.vsNaive.median ? w : a));
    add('pure-TS backend never slower than naive JS (any row)',
      slower.length === 0
        ? `slowest row ${worst.id}: ${fmt(worst.stats.js.vsNaive.median)}×`
        : `slower on ${slower.length} of ${jsRows.length} rows (${slower.filter((w) => w.stats.js.vsNaive.median >= 0.9).length} of them by less than 10 %, within this VM's noise): ` +
          `${slower.map((w) => `${w.id} ${fmt(w.stats.js.vsNaive.median)}×`).join(', ')}`,
      slower.length === 0);
    const sig = jsRows.filter((w) => w.op === 'sigmoid');
    if (sig.length) {
      const lo = sig.reduce((a, w) => (w.stats.js.vsNaive.median < a.stats.js.vsNaive.median ? w : a));
      const hi = sig.reduce((a, w) => (w.stats.js.vsNaive.median > a.stats.js.vsNaive.median ? w : a));
      add('pure-TS backend ≥ 1.5× naive JS on sigmoid (aim)',
        `${fmt(lo.stats.js.vsNaive.median)}× (${lo.id}) … ${fmt(hi.stats.js.vsNaive.median)}× (${hi.id})`,
        lo.stats.js.vsNaive.median >= 1.5);
    }
  }
  // AVX2 vs AVX-512.
  const m = results.machine;
  if (!m.flags.avx512f || !results.groups.includes('native-avx512')) {
    rows.push({ target: 'AVX2 path ≥ 0.6× the AVX-512 path', figure: 'not measurable: no avx512 on this CPU', status: 'not measurable' });
  } else if (results.groups.includes('native-avx2')) {
    const r = results.workloads.filter((w) => w.stats['native-avx2'] && w.stats['native-avx512'] && w.kind !== 'overhead')
      .map((w) => ({ id: w.id, v: w.stats['native-avx512'].melem.median > 0 ? w.stats['native-avx2'].melem.median / w.stats['native-avx512'].melem.median : NaN }));
    const worst = r.reduce((a, x) => (x.v < a.v ? x : a), r[0]);
    add('AVX2 path ≥ 0.6× the AVX-512 path', worst ? `worst row ${worst.id}: ${fmt(worst.v)}×` : 'no common rows', worst ? worst.v >= 0.6 : null);
  }
  rows.push({ target: 'sigmoid, softmax and logSoftmax f32 against ONNX Runtime\'s kernels: ≥ 1.5× (≥ 1.2× on AVX2-only machines)', figure: 'see `npm run bench:peers`', status: 'not in this suite' });
  return rows;
}

function targetsTable(results) {
  const lines = ['| target | figure (median of per-round paired ratios) | status |', '|---|---|---|'];
  let rows = targets(results);
  if (results.options.quick) rows = rows.filter((t) => t.status !== 'not measured' && t.status !== 'not in this suite');
  for (const t of rows) lines.push(`| ${t.target} | ${t.figure} | ${t.status} |`);
  return lines.join('\n');
}

function machineLine(results) {
  const m = results.machine;
  const isa = bestNative(results);
  return `${m.cpu} (${m.cores} cores; avx2 ${m.flags.avx2 ? 'yes' : 'no'}, avx512f ${m.flags.avx512f ? 'yes' : 'no'}), ` +
    `Node ${m.node}, sigmax ${m.sigmax}${m.git ? ` (${m.git})` : ''}, best native ISA ${isa ? label(isa) : 'none'}, ` +
    `${m.date.slice(0, 10)}, \`${m.command}\``;
}

const NOTES = [
  'Melem/s = elements per second / 10^6 (median of every benchmark.js sample of every round; spread ±½ of the interquartile range).',
  'Every implementation group runs in its own process; for each workload all groups run back to back, and the rounds repeat in rotated order.',
  'Ratios are paired: per round, one group\'s median time against the naive JS (or stable JS) median of the same round; the table gives their median.',
  '"time ÷ memcpy": the implementation\'s time over that of `out.set(x)` on the same arrays, timed in the same process just before (the memory floor; for the backward passes it copies one of their two inputs).',
  'naive JS: `1/(1+Math.exp(-x))`; softmax exp/Σexp per row without max subtraction; logSoftmax x − log Σ exp x; the backward formulas as plain loops. stable JS: the 3-pass max / exp+sum / scale softmax and logSoftmax.',
];

/** The whole markdown report. */
function markdown(results, { detailed = true } = {}) {
  const quick = results.options.quick;
  const parts = [`# sigmax ${quick ? 'quick benchmark (`npm start`)' : 'benchmark'} — ${results.machine.date.slice(0, 10)}`, '', machineLine(results), ''];
  parts.push(`Rounds: ${results.options.rounds}; per round and implementation: benchmark.js maxTime ${results.options.timing.impl.maxTime} s, ` +
    `minSamples ${results.options.timing.impl.minSamples}, minTime ${results.options.timing.impl.minTime} s (memcpy: ` +
    `${results.options.timing.memcpy.maxTime} s / ${results.options.timing.memcpy.minSamples} / ${results.options.timing.memcpy.minTime} s). ` +
    `Run time ${fmt(results.durationS)} s; load average ${results.machine.loadavgStart.map((v) => v.toFixed(1)).join(' ')} at the start, ` +
    `${(results.machine.loadavgEnd ?? []).map((v) => v.toFixed(1)).join(' ')} at the end.`, '');
  parts.push('## Summary (Melem/s, higher is better)', '', compactTable(results), '');
  const ov = overheadTable(results);
  if (ov) parts.push('## Sync call overhead', '', ov, '');
  parts.push('## Targets (rows that need no peers)', '', targetsTable(results), '');
  if (detailed) parts.push('## Every implementation', '', detailedTable(results), '');
  parts.push('## Notes', '', ...NOTES.map((n) => `- ${n}`), '');
  if (results.warnings?.length) parts.push('## Warnings', '', ...results.warnings.map((n) => `- ${n}`), '');
  if (quick) parts.push('A quick look (few workloads, short rounds: noisy). The full suite, every ISA and the stable JS softmax: `npm run bench`.', '');
  return parts.join('\n');
}

module.exports = { aggregate, markdown, compactTable, summaryTable, detailedTable, overheadTable, targetsTable, targets, machineLine, label, NOTES };
