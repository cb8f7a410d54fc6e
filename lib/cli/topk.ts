// The K most probable classes of each softmax row, and CSV text for arrays and top-k pairs.
import type { FloatArray } from '../types.js';

/**
 * For each of the `rows` rows of `cols` probabilities in `p`, the K largest as (index, probability)
 * pairs, best first, into `out` (Float64Array of rows·K·2: out[(r·K + j)·2] = index,
 * out[(r·K + j)·2 + 1] = probability). Ties go to the lower index; NaN ranks below every number.
 */
export function topK(p: FloatArray, rows: number, cols: number, k: number, out: Float64Array): void {
  const idx = new Int32Array(k);
  const val = new Float64Array(k);
  // For a large K a full sort of the row's indices is cheaper than insertion into the top list.
  const order = k > 64 ? new Int32Array(cols) : undefined;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (order) {
      for (let j = 0; j < cols; j++) order[j] = j;
      order.sort((a, b) => {
        const va = p[base + a]!;
        const vb = p[base + b]!;
        if (va === vb) return a - b;
        if (Number.isNaN(va)) return Number.isNaN(vb) ? a - b : 1;
        if (Number.isNaN(vb)) return -1;
        return vb - va;
      });
      for (let j = 0; j < k; j++) {
        idx[j] = order[j]!;
        val[j] = p[base + order[j]!]!;
      }
    } else {
      let n = 0; // entries in the top list so far (sorted, best first)
      let worst = NaN; // val[k - 1] once the list is full
      for (let j = 0; j < cols; j++) {
        const v = p[base + j]!;
        // Full list: v goes in only if it beats the last entry (strictly: ties keep the lower index;
        // a number beats NaN). This test is all most elements ever see.
        if (n === k && !(v > worst) && !(worst !== worst && v === v)) continue;
        let at = n < k ? n : k - 1;
        while (at > 0 && (v > val[at - 1]! || (Number.isNaN(val[at - 1]!) && !Number.isNaN(v)))) {
          idx[at] = idx[at - 1]!;
          val[at] = val[at - 1]!;
          at--;
        }
        idx[at] = j;
        val[at] = v;
        if (n < k) n++;
        if (n === k) worst = val[k - 1]!;
      }
    }
    const o = r * k * 2;
    for (let j = 0; j < k; j++) {
      out[o + 2 * j] = idx[j]!;
      out[o + 2 * j + 1] = val[j]!;
    }
  }
}

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
