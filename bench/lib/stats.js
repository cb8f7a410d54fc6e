// Small statistics and formatting helpers for the benchmarks (CommonJS, no dependencies).
'use strict';

/** The q-quantile (0 ≤ q ≤ 1) of the numbers, linear interpolation; NaN for none. */
function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}

/** { median, min, max, q1, q3, n } of the samples. */
function summary(values) {
  return {
    median: quantile(values, 0.5),
    min: Math.min(...values),
    max: Math.max(...values),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    n: values.length,
  };
}

/** A number with `digits` significant digits, without exponent for the usual ranges. */
function fmt(v, digits = 3) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10 ** digits) return v.toFixed(0);
  return Number(v.toPrecision(digits)).toString();
}

/** "median (min–max)" of a summary. */
function spread(s, digits = 3) {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/** Resolves after `ms` milliseconds. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
const { mulberry32: rng } = require('../../scripts/lib/mulberry32.cjs');

/**
 * A float array of `n` logits spread over about [-8, 8], deterministic (fast: one rng draw per 4 values).
 * `into` (optional): a Ctor array of length n to fill instead of allocating one.
 */
function logits(Ctor, n, seed = 1, into = undefined) {
  const rand = rng(seed);
  const x = into ?? new Ctor(n);
  for (let i = 0; i < n; i += 4) {
    const r = rand() * 16 - 8;
    x[i] = r;
    if (i + 1 < n) x[i + 1] = -r * 0.5;
    if (i + 2 < n) x[i + 2] = r * 0.25 + 1;
    if (i + 3 < n) x[i + 3] = 3 - r;
  }
  return x;
}

module.exports = { quantile, summary, fmt, spread, sleep, rng, logits };
