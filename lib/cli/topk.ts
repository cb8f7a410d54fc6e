// CSV text for arrays and for top-k (index, probability) pairs.
import type { FloatArray } from '../types.js';

/** The shortest decimal that reads back as the same value (float32 values to float32). NumPy's nan/inf. */
export function formatNumber(v: number, f32: boolean): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (!f32 || v === 0) return String(v);
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** CSV lines of `values`, `perLine` values a line (the row length). */
export function arrayCsv(values: FloatArray, perLine: number): string {
  const f32 = values instanceof Float32Array;
  const lines: string[] = [];
  const line: string[] = new Array(perLine);
  for (let i = 0; i < values.length; i += perLine) {
    for (let j = 0; j < perLine; j++) line[j] = formatNumber(values[i + j]!, f32);
    lines.push(line.join(','));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export const TOPK_CSV_HEADER = 'row,rank,index,probability\n';

/** CSV lines `row,rank,index,probability` of top-k pairs; `firstRow` numbers the rows of this chunk. */
export function topKCsv(pairs: Float64Array, rows: number, k: number, firstRow: number, f32: boolean): string {
  let s = '';
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      const o = (r * k + j) * 2;
      s += `${firstRow + r},${j + 1},${pairs[o]},${formatNumber(pairs[o + 1]!, f32)}\n`;
    }
  }
  return s;
}
