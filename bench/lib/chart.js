// The chart of `npm run bench`: throughput (Melem/s) against size per implementation, log–log, one panel per
// operation and dtype. Hand-written SVG, no dependencies; a white background so it reads on GitHub's light
// and dark themes alike.
'use strict';

const { label } = require('./report.js');

const COLORS = {
  'native-avx512': '#6a3d9a',
  'native-avx2': '#d62728',
  'native-sse2': '#ff7f0e',
  'native-scalar': '#8c564b',
  'native-neon': '#e377c2',
  js: '#1f77b4',
  naive: '#2ca02c',
  stable: '#17becf',
  memcpy: '#555555',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v) => (Math.round(v * 10) / 10).toString();

function decadeLabel(e) {
  return e >= 0 && e <= 4 ? String(10 ** e) : `1e${e}`;
}

/**
 * One panel: series = [{ key, points: [{ x, y }] }]; xticks = [{ x, text }] (x in data units).
 * Returns SVG elements, drawn inside the box (left, top, width, height).
 */
function panel({ left, top, width, height, title, series, xticks, xtitle }) {
  const out = [];
  const pad = { l: 58, r: 14, t: 26, b: 52 };
  const x0 = left + pad.l;
  const x1 = left + width - pad.r;
  const y0 = top + height - pad.b;
  const y1 = top + pad.t;
  const xs = xticks.map((t) => Math.log10(t.x));
  const xmin = Math.min(...xs) - 0.15;
  const xmax = Math.max(...xs) + 0.15;
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((v) => v > 0 && Number.isFinite(v));
  const emin = Math.floor(Math.log10(Math.min(...ys)));
  const emax = Math.ceil(Math.log10(Math.max(...ys)));
  const X = (v) => x0 + ((Math.log10(v) - xmin) / (xmax - xmin)) * (x1 - x0);
  const Y = (v) => y0 - ((Math.log10(v) - emin) / Math.max(1, emax - emin)) * (y0 - y1);

  out.push(`<text x="${num((x0 + x1) / 2)}" y="${top + 16}" text-anchor="middle" font-weight="bold" font-size="14">${esc(title)}</text>`);
  // grid: decades (labelled) and 2, 5 within them
  for (let e = emin; e <= emax; e++) {
    const y = Y(10 ** e);
    out.push(`<line x1="${x0}" y1="${num(y)}" x2="${x1}" y2="${num(y)}" stroke="#c8c8c8"/>`);
    out.push(`<text x="${x0 - 6}" y="${num(y + 4)}" text-anchor="end">${decadeLabel(e)}</text>`);
    if (e < emax) {
      for (const k of [2, 5]) {
        const yy = Y(k * 10 ** e);
        out.push(`<line x1="${x0}" y1="${num(yy)}" x2="${x1}" y2="${num(yy)}" stroke="#ececec"/>`);
      }
    }
  }
  // Tick labels, centred; one that would overlap the previous label on the first line goes to a second line.
  const lastRight = [-Infinity, -Infinity];
  [...xticks].sort((a, b) => a.x - b.x).forEach((t) => {
    const x = X(t.x);
    const half = (String(t.text).length * 6.6) / 2;
    const line = x - half > lastRight[0] + 4 || x - half <= lastRight[1] + 4 ? 0 : 1;
    lastRight[line] = x + half;
    out.push(`<line x1="${num(x)}" y1="${y1}" x2="${num(x)}" y2="${y0}" stroke="#ececec"/>`);
    out.push(`<line x1="${num(x)}" y1="${y0}" x2="${num(x)}" y2="${y0 + 4}" stroke="#333"/>`);
    out.push(`<text x="${num(x)}" y="${y0 + 16 + 14 * line}" text-anchor="middle">${esc(t.text)}</text>`);
  });
  out.push(`<rect x="${x0}" y="${y1}" width="${num(x1 - x0)}" height="${num(y0 - y1)}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${num((x0 + x1) / 2)}" y="${top + height - 8}" text-anchor="middle" fill="#444">${esc(xtitle)}</text>`);
  out.push(`<text transform="translate(${left + 14} ${num((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" fill="#444">Melem/s (log)</text>`);
  for (const s of series) {
    const pts = s.points.filter((p) => p.y > 0 && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (pts.length === 0) continue;
    const color = COLORS[s.key] ?? '#000';
    const dash = s.key === 'memcpy' ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.map((p) => `${num(X(p.x))},${num(Y(p.y))}`).join(' ')}"/>`);
    for (const p of pts) out.push(`<circle cx="${num(X(p.x))}" cy="${num(Y(p.y))}" r="3.2" fill="${color}"><title>${esc(`${s.name}: ${p.title}: ${p.y.toPrecision(3)} Melem/s`)}</title></circle>`);
  }
  return out;
}

/** The SVG text of the chart for aggregated results (bench/lib/report.js aggregate()). */
function chartSvg(results) {
  const keys = [...results.groups, 'memcpy'];
  const panels = [];
  for (const dtype of ['f32', 'f64']) {
    for (const op of ['sigmoid', 'softmax']) {
      let ws = results.workloads.filter((w) => w.op === op && w.dtype === dtype && w.kind !== 'overhead');
      // Two softmax shapes have 1e6 elements; the chart keeps 1e3×1e3 (1×1e6 is in the table).
      if (op === 'softmax') ws = ws.filter((w) => !(w.rows === 1 && w.cols === 1e6 && ws.some((v) => v.n === 1e6 && v !== w)));
      if (ws.length < 2) continue;
      const series = keys.map((k) => ({
        key: k,
        name: k === 'memcpy' ? 'memcpy floor' : label(k),
        points: ws.map((w) => ({ x: w.n, y: k === 'memcpy' ? w.memcpy?.median : w.stats[k]?.melem.median, title: w.id })).filter((p) => p.y !== undefined),
      })).filter((s) => s.points.length > 0);
      panels.push({
        title: `${op}, ${dtype === 'f32' ? 'float32' : 'float64'}`,
        xtitle: op === 'sigmoid' ? 'n (elements per call)' : 'rows×cols (placed at the element count)',
        xticks: ws.map((w) => ({ x: w.n, text: w.size })),
        series,
      });
    }
  }
  const W = 980;
  const PW = W / 2;
  const PH = 330;
  const legendH = 58;
  const H = legendH + Math.ceil(panels.length / 2) * PH + 26;
  const els = [];
  // legend
  const present = keys.filter((k) => panels.some((p) => p.series.some((s) => s.key === k)));
  const colW = Math.min(150, (W - 40) / Math.max(1, present.length));
  present.forEach((k, i) => {
    const x = 20 + i * colW;
    const color = COLORS[k] ?? '#000';
    const dash = k === 'memcpy' ? ' stroke-dasharray="6 4"' : '';
    els.push(`<line x1="${num(x)}" y1="40" x2="${num(x + 26)}" y2="40" stroke="${color}" stroke-width="2"${dash}/>`);
    els.push(`<circle cx="${num(x + 13)}" cy="40" r="3.2" fill="${color}"/>`);
    els.push(`<text x="${num(x + 32)}" y="44">${esc(k === 'memcpy' ? 'memcpy floor' : k.startsWith('native-') ? `native ${label(k)}` : label(k))}</text>`);
  });
  els.push(`<text x="20" y="20" font-weight="bold" font-size="15">${esc(`sigmax throughput, single thread — ${results.machine.cpu}, Node ${results.machine.node}, ${results.machine.date.slice(0, 10)}`)}</text>`);
  panels.forEach((p, i) => {
    els.push(...panel({ ...p, left: (i % 2) * PW, top: legendH + Math.floor(i / 2) * PH, width: PW, height: PH }));
  });
  els.push(`<text x="${W - 10}" y="${H - 8}" text-anchor="end" fill="#666" font-size="11">${esc(`median Melem/s; memcpy = out.set(x) on the same arrays; ${results.machine.command}`)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#222">\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n${els.join('\n')}\n</svg>\n`;
}

module.exports = { chartSvg };
