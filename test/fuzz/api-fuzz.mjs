// JS API fuzzing (issue 6, item 3): random calls at the whole public API (every sync function and its
// …Async twin) with arbitrary arguments, shared by test/fuzz.test.ts (a short seeded run per backend
// path) and scripts/fuzz-api.mjs (the long run, `npm run fuzz:api -- --calls 100000`).
//
// A call is described by a plain record drawn by fast-check (`callArbitrary`), so a failure shrinks
// and replays from its seed; `buildCall` turns the record into real arguments (typed arrays at odd
// offsets, on a SharedArrayBuffer, transferred-away buffers, wrong types, `out` inside a buffer of
// sentinel bytes or aliasing a slice of an input, …) and `runCall` makes the call and checks it:
//   - the outcome is either a result satisfying the SPEC's basic properties or a TypeError/RangeError
//     of a kind the arguments allow (an AbortError for an aborted signal); a call whose arguments are
//     all valid must succeed, one with an invalid argument must fail;
//   - an async function never throws synchronously (it rejects);
//   - no byte outside `out` changes (sentinels around `out`, inputs unmodified unless they are `out`),
//     and nothing at all changes when the call fails (errors come before any write);
//   - the call settles (no hang).
// Values are checked against a float64 reference with bounds loose enough for a basic-property check
// (range, type, length, special-value rules, Σ softmax = 1); accuracy proper is test/accuracy.test.ts.
import fc from 'fast-check';
import { mulberry32 } from '../../scripts/lib/mulberry32.cjs';

/** @typedef {Float32Array | Float64Array} FloatArray */
/** @typedef {Float32ArrayConstructor | Float64ArrayConstructor} FloatArrayConstructor */
/** @typedef {ReturnType<typeof callArbitrary> extends fc.Arbitrary<infer T> ? T : never} CallRecord */
/** @typedef {ReturnType<typeof buildCall>} Call */
/** @typedef {Record<string, (...args: unknown[]) => unknown>} Api */
/** @typedef {{ name?: string, message?: string } | null} Thrown */

export const FNS = [
  'sigmoid', 'sigmoidDerivative', 'sigmoidBackward', 'softmax', 'logSoftmax', 'logSumExp',
  'softmaxBackward', 'logSoftmaxBackward', 'softmaxJacobian',
];
const ELEMENTWISE = new Set(['sigmoid', 'sigmoidDerivative']);
const BINARY = new Set(['sigmoidBackward', 'softmaxBackward', 'logSoftmaxBackward']);
const ROWWISE = new Set(['softmax', 'logSoftmax', 'logSumExp', 'softmaxBackward', 'logSoftmaxBackward']);
const WITH_TEMPERATURE = new Set(['softmax', 'logSoftmax']);

// ------------------------------------------------------------------------------------------------
// The call description (all plain data, so fast-check can shrink it and print it).

const ARRAY_KINDS_BAD = ['number', 'string', 'null', 'undefined', 'plainArray', 'int32', 'uint8', 'dataView',
  'buffer', 'object', 'fakeProto', 'arrayBuffer'];
const ARRAY_KINDS_GOOD = ['plain', 'offset', 'shared', 'zeroLength', 'transferred', 'subclass', 'subarray'];
const COLS_KINDS = ['undefined', 'undefined', 'undefined', 'divisor', 'divisor', 'divisor', 'divisor', 'divisor', 'divisor', 'one', 'zero', 'negative', 'fraction', 'NaN',
  'Infinity', 'huge', 'nonDividing', 'string', 'null', 'minusZero'];
const TEMPERATURES = [undefined, undefined, undefined, undefined, undefined, undefined, 1, 1, 0.7, 1.3, 5, 1e-20, 1e20, 0.5, 2, 3, 0.1, 1e-3, 1e4, 0, -0, -1, NaN, Infinity, -Infinity,
  5e-324, 1e-310, 1e-300, 1e300, Number.MAX_VALUE, '1', null, true];
const OUT_KINDS = ['none', 'none', 'none', 'none', 'none', 'sentinel', 'sentinel', 'sentinel', 'sentinel', 'sentinel', 'sentinelShared', 'sentinelShared', 'inPlace', 'inPlace', 'disjointX', 'sameDy', 'partialX',
  'partialXBefore', 'partialDy', 'disjointX', 'wrongLength', 'otherPrecision', 'int32', 'plainArray', 'dataView',
  'null', 'number', 'transferred'];
const DY_KINDS = ['good', 'good', 'good', 'good', 'good', 'good', 'good', 'good', 'good', 'overlapY', 'sameAsY', 'wrongLength', 'otherPrecision', 'int32', 'plainArray',
  'null', 'undefined', 'dataView'];
const DATA_KINDS = ['normal', 'normal', 'wide', 'special', 'special', 'negInf', 'bits', 'probabilities'];
const OPTIONS_KINDS = ['object', 'object', 'object', 'object', 'object', 'object', 'object', 'object', 'object', 'object', 'object', 'object', 'undefined', 'undefined', 'null', 'array', 'number', 'string', 'typedArray'];
const SIGNAL_KINDS = ['none', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'preAborted', 'abortMicrotask', 'abortImmediate', 'abortTimeout', 'bogus', 'null'];
const THREADS = [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, 1, 2, 1, 2, 3, 64, 1e9, 0, -1, 1.5, NaN, Infinity, '2', null];

export function callArbitrary() {
  return fc.record({
    fn: fc.constantFrom(...FNS),
    async: fc.boolean(),
    f64: fc.boolean(),
    n: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 600 }) }),
    xKind: fc.oneof({ weight: 25, arbitrary: fc.constantFrom(...ARRAY_KINDS_GOOD) }, { weight: 1, arbitrary: fc.constantFrom(...ARRAY_KINDS_BAD) }),
    offset: fc.integer({ min: 0, max: 7 }),
    dyKind: fc.constantFrom(...DY_KINDS),
    outKind: fc.constantFrom(...OUT_KINDS),
    shift: fc.integer({ min: 1, max: 1000 }),
    colsKind: fc.constantFrom(...COLS_KINDS),
    colsPick: fc.nat(),
    temperature: fc.constantFrom(...TEMPERATURES),
    optionsKind: fc.constantFrom(...OPTIONS_KINDS),
    dataKind: fc.constantFrom(...DATA_KINDS),
    dataSeed: fc.nat(),
    signalKind: fc.constantFrom(...SIGNAL_KINDS),
    threads: fc.constantFrom(...THREADS),
  });
}

// ------------------------------------------------------------------------------------------------
// Building the arguments.

const SENTINEL = 0xa5;
class F32Sub extends Float32Array {}
class F64Sub extends Float64Array {}

/**
 * @param {FloatArray} arr
 * @param {string} kind
 * @param {() => number} rng
 * @param {boolean} f64
 */
function fill(arr, kind, rng, f64) {
  const normal = () => {
    let u = rng();
    while (u === 0) u = rng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
  const tiny = f64 ? 5e-324 : 1.401298464324817e-45;
  const max = f64 ? Number.MAX_VALUE : 3.4028234663852886e38;
  const specials = [NaN, Infinity, -Infinity, -0, 0, tiny, -tiny, tiny * 1000, max, -max, 1, -1, 1000, -1000];
  const n = arr.length;
  if (n === 0) return;
  if (kind === 'bits') {
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rng() * 256);
    return;
  }
  const scale = [1, 3, 30][Math.floor(rng() * 3)] ?? 1;
  for (let i = 0; i < n; i++) {
    let v;
    switch (kind) {
      case 'normal': v = scale * normal(); break;
      case 'probabilities': v = rng(); break;
      case 'wide': v = (rng() < 0.5 ? -1 : 1) * 2 ** ((rng() * 2 - 1) * (f64 ? 1070 : 150)); break;
      case 'special': v = rng() < 0.35 ? specials[Math.floor(rng() * specials.length)] : scale * normal(); break;
      case 'negInf': v = rng() < 0.8 ? -Infinity : normal(); break;
      default: throw new Error(kind);
    }
    arr[i] = v;
  }
}

/**
 * A typed array of `len` elements at element offset `pad` inside a buffer of `total` elements.
 * @param {FloatArrayConstructor} Ctor
 * @param {number} total
 * @param {number} pad
 * @param {number} len
 * @param {boolean} shared
 * @returns {FloatArray}
 */
function inBuffer(Ctor, total, pad, len, shared) {
  const bpe = Ctor.BYTES_PER_ELEMENT;
  const buf = shared ? new SharedArrayBuffer(total * bpe) : new ArrayBuffer(total * bpe);
  new Uint8Array(buf).fill(SENTINEL);
  return new Ctor(/** @type {ArrayBuffer} */ (buf), pad * bpe, len);
}

/**
 * @param {FloatArrayConstructor} Ctor
 * @param {number} len
 * @returns {FloatArray}
 */
function transferredView(Ctor, len) {
  const a = new Ctor(Math.max(len, 1));
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a; // length 0 now
}

/**
 * @param {string} kind
 * @param {number} len
 * @param {boolean} f64
 * @returns {unknown}
 */
function badArray(kind, len, f64) {
  switch (kind) {
    case 'number': return 3;
    case 'string': return 'abc';
    case 'null': return null;
    case 'undefined': return undefined;
    case 'plainArray': return Array.from({ length: len }, (_, i) => i * 0.5);
    case 'int32': return new Int32Array(len);
    case 'uint8': return new Uint8Array(len * 4);
    case 'dataView': return new DataView(new ArrayBuffer(len * 8));
    case 'buffer': return Buffer.alloc(len * (f64 ? 8 : 4));
    case 'object': {
      /** @type {{ [i: number]: number, length: number }} */
      const o = { length: len };
      for (let i = 0; i < len; i++) o[i] = 1;
      return o;
    }
    case 'fakeProto': return Object.create((f64 ? Float64Array : Float32Array).prototype);
    case 'otherPrecision': return f64 ? new Float32Array(len) : new Float64Array(len);
    case 'arrayBuffer': return new ArrayBuffer(len * 8);
    default: throw new Error(`badArray ${kind}`);
  }
}

/**
 * @param {string} kind
 * @param {FloatArrayConstructor} Ctor
 * @param {number} len
 * @param {number} offset
 * @param {number} shift
 * @returns {FloatArray}
 */
function goodArray(kind, Ctor, len, offset, shift) {
  switch (kind) {
    case 'plain': return new Ctor(len);
    case 'offset': return inBuffer(Ctor, len + offset + 3, offset, len, false);
    case 'shared': return inBuffer(Ctor, len + offset + 3, offset, len, true);
    case 'zeroLength': return inBuffer(Ctor, offset + 2, offset, 0, false);
    case 'transferred': return transferredView(Ctor, len);
    case 'subclass': return new (Ctor === Float64Array ? F64Sub : F32Sub)(len);
    case 'subarray': return new Ctor(len + (shift % 9) + 1).subarray((shift % 9) + 1);
    default: throw new Error(`goodArray ${kind}`);
  }
}

/** @type {(v: unknown) => v is FloatArray} */
const isFloatArray = (v) => ArrayBuffer.isView(v) && (v instanceof Float32Array || v instanceof Float64Array);

/**
 * @param {string} kind
 * @param {number} n
 * @param {number} pick
 * @returns {unknown}
 */
function colsValue(kind, n, pick) {
  const divisors = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) divisors.push(d);
  switch (kind) {
    case 'undefined': return undefined;
    case 'divisor': return divisors.length ? divisors[pick % divisors.length] : (pick % 2 ? 0 : 1);
    case 'one': return 1;
    case 'zero': return 0;
    case 'minusZero': return -0;
    case 'negative': return -1 - (pick % 5);
    case 'fraction': return 1.5 + (pick % 3);
    case 'NaN': return NaN;
    case 'Infinity': return Infinity;
    case 'huge': return [2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e300][pick % 4];
    case 'nonDividing': return n + 1 + (pick % 3);
    case 'string': return '2';
    case 'null': return null;
    default: throw new Error(kind);
  }
}

/**
 * Builds the arguments of the call described by `d` and, alongside, the expectation: `errors`, the
 * set of error names some argument calls for (empty: the call must succeed).
 * @param {CallRecord} d
 */
export function buildCall(d) {
  const Ctor = d.f64 ? Float64Array : Float32Array;
  const rng = mulberry32(d.dataSeed);
  const errors = new Set();
  const binary = BINARY.has(d.fn);
  const n = d.n;

  // x (or y): a float array when xOk
  /** @type {any} */
  let x;
  let xOk = ARRAY_KINDS_GOOD.includes(d.xKind);
  // partial-overlap layouts put x inside an arena with room for out on either side
  const arena = ['partialX', 'partialXBefore', 'disjointX'].includes(d.outKind) && xOk && d.xKind !== 'transferred' && d.xKind !== 'zeroLength';
  /** @type {(len: number, cols: number) => number} */
  const outLenOf = (len, cols) => {
    if (d.fn === 'softmaxJacobian') return len * len;
    if (d.fn === 'logSumExp') return cols === 0 ? 0 : len / cols;
    return len;
  };
  if (arena) {
    const roomy = n * n + n + 8;
    x = inBuffer(Ctor, roomy + n + roomy, roomy, n, d.xKind === 'shared');
  } else {
    x = xOk ? goodArray(d.xKind, Ctor, n, d.offset, d.shift) : badArray(d.xKind, n, d.f64);
  }
  if (!xOk) errors.add('TypeError');
  const len = xOk ? x.length : n;
  if (xOk) fill(x, d.dataKind, rng, d.f64);

  // dy
  let dy;
  if (binary) {
    switch (d.dyKind) {
      case 'good': dy = goodArray(d.xKind === 'transferred' || !xOk ? 'plain' : d.xKind, Ctor, len, (d.offset + 3) % 8, d.shift + 1); break;
      case 'overlapY': dy = xOk && x.buffer.byteLength > 0 ? new Ctor(x.buffer, x.byteOffset, x.length) : new Ctor(len); break; // same memory, another view
      case 'sameAsY': dy = xOk ? x : new Ctor(len); break;
      case 'wrongLength': dy = new Ctor(len + 1 + (d.shift % 3)); break;
      default: dy = badArray(d.dyKind, len, d.f64);
    }
    if (isFloatArray(dy) && dy !== x && d.dyKind !== 'overlapY') fill(dy, d.dataKind === 'negInf' ? 'normal' : d.dataKind, rng, d.f64);
    if (!(dy instanceof Ctor)) errors.add('TypeError');
    else if (xOk && dy.length !== len) errors.add('RangeError');
  }

  // cols, temperature, options
  const rowwise = ROWWISE.has(d.fn);
  const cols = rowwise ? colsValue(d.colsKind, len, d.colsPick) : undefined;
  let effCols = len;
  if (rowwise && xOk && cols !== undefined) {
    if (typeof cols !== 'number') errors.add('TypeError');
    else if (!Number.isInteger(cols) || cols < 0 || (cols === 0 && len !== 0) || (cols !== 0 && len % cols !== 0)) errors.add('RangeError');
    else effCols = cols;
  }
  const temperature = d.temperature;
  let effT = 1;
  const tPassed = WITH_TEMPERATURE.has(d.fn) || d.fn === 'logSumExp';
  if (WITH_TEMPERATURE.has(d.fn) && temperature !== undefined) {
    if (typeof temperature !== 'number') errors.add('TypeError');
    else if (!Number.isFinite(temperature) || temperature <= 0) errors.add('RangeError');
    else effT = temperature;
  }
  const outLen = xOk ? outLenOf(len, effCols) : 0;

  // out
  let out;
  let outIsPlaced = false; // out lives in a sentinel-filled buffer we check
  const bpe = Ctor.BYTES_PER_ELEMENT;
  switch (d.outKind) {
    case 'none': out = undefined; break;
    case 'sentinel': case 'sentinelShared': {
      const pad = 4 + d.offset;
      out = inBuffer(Ctor, pad + outLen + 5, pad, outLen, d.outKind === 'sentinelShared');
      outIsPlaced = true;
      break;
    }
    case 'inPlace': out = x; break;
    case 'sameDy': out = binary ? dy : x; break;
    case 'partialX': case 'partialXBefore': case 'disjointX': {
      if (!arena) { out = inBuffer(Ctor, outLen + 8, 4, outLen, false); break; }
      let start;
      const xStart = x.byteOffset / bpe;
      if (d.outKind === 'partialX') start = xStart + 1 + (d.shift % Math.max(1, len));
      else if (d.outKind === 'partialXBefore') start = xStart - 1 - (d.shift % Math.max(1, outLen));
      else start = (d.shift % 2) ? xStart + len + (d.shift % 3) : xStart - outLen - (d.shift % 3);
      out = new Ctor(/** @type {ArrayBuffer} */ (x.buffer), start * bpe, outLen);
      break;
    }
    case 'partialDy':
      if (binary && dy instanceof Ctor && dy.length > 1 && dy.buffer.byteLength >= dy.byteOffset + (outLen + 1) * bpe && outLen > 0) {
        out = new Ctor(/** @type {ArrayBuffer} */ (dy.buffer), dy.byteOffset + bpe, Math.min(outLen, (dy.buffer.byteLength - dy.byteOffset) / bpe - 1));
      } else {
        out = new Ctor(outLen);
      }
      break;
    case 'wrongLength': out = new Ctor(outLen + 1 + (d.shift % 4)); break;
    case 'otherPrecision': out = d.f64 ? new Float32Array(outLen) : new Float64Array(outLen); break;
    case 'int32': out = new Int32Array(outLen); break;
    case 'plainArray': out = new Array(outLen).fill(0); break;
    case 'dataView': out = new DataView(new ArrayBuffer(outLen * bpe)); break;
    case 'null': out = null; break;
    case 'number': out = 0; break;
    case 'transferred': out = transferredView(Ctor, outLen); break;
    default: throw new Error(d.outKind);
  }
  const positional = ELEMENTWISE.has(d.fn) || d.fn === 'sigmoidBackward';
  const outErrors = new Set();
  if (xOk && out !== undefined) {
    if (!(out instanceof Ctor)) outErrors.add('TypeError');
    else if (out.length !== outLen) outErrors.add('RangeError');
    else {
      const inputs = binary && dy instanceof Ctor ? [x, dy] : [x];
      for (const input of inputs) {
        const o = overlapOf(out, input);
        if (o === 'partial' || (o === 'same' && d.fn === 'softmaxJacobian')) outErrors.add('RangeError');
      }
    }
  }
  // errors from what goes into the options object count only if the options object is what is passed
  const optErrors = new Set();
  /** @type {(from: Set<string>, to: Set<string>) => void} */
  const moveInto = (from, to) => { for (const e of from) to.add(e); from.clear(); };
  if (rowwise) {
    // cols / temperature errors were collected in `errors` above; they belong to the options
    moveInto(errors, optErrors);
    if (!xOk) errors.add('TypeError');
    if (binary) {
      if (!(dy instanceof Ctor)) errors.add('TypeError');
      else if (xOk && dy.length !== len) errors.add('RangeError');
    }
  }
  if (positional) for (const e of outErrors) errors.add(e);
  else for (const e of outErrors) optErrors.add(e);

  const opts = {};
  if (rowwise) {
    if (cols !== undefined) opts.cols = cols;
    if (tPassed && temperature !== undefined) opts.temperature = temperature;
  }
  if (!positional && out !== undefined) opts.out = out;
  let controller;
  if (d.async) {
    if (d.signalKind === 'bogus') { opts.signal = { aborted: 'no' }; optErrors.add('TypeError'); }
    else if (d.signalKind === 'null') { opts.signal = null; optErrors.add('TypeError'); }
    else if (d.signalKind !== 'none') {
      controller = new AbortController();
      opts.signal = controller.signal;
      if (d.signalKind === 'preAborted') { controller.abort(); optErrors.add('AbortError'); }
    }
    if (d.threads !== undefined) {
      opts.threads = d.threads;
      if (typeof d.threads !== 'number') optErrors.add('TypeError');
      else if (!Number.isInteger(d.threads) || d.threads < 1) optErrors.add('RangeError');
    }
  }
  const needsOptions = !positional || d.async;
  let options;
  if (needsOptions) {
    switch (d.optionsKind) {
      case 'object': options = opts; break;
      case 'undefined': options = undefined; break;
      case 'null': options = null; break;
      case 'array': options = [opts.cols]; break;
      case 'number': options = 4; break;
      case 'string': options = 'cols'; break;
      case 'typedArray': options = new Float64Array(2); break;
    }
  }
  const optionsApplied = needsOptions && options === opts;
  if (optionsApplied) for (const e of optErrors) errors.add(e);
  else if (options !== undefined) errors.add('TypeError');
  if (!optionsApplied) {
    effCols = len;
    effT = 1;
    controller = undefined;
    if (!positional) out = undefined; // never reached the function
  }
  const finalOutLen = xOk ? outLenOf(len, effCols) : 0;
  // logSumExp has no temperature: an implementation may ignore it or reject it
  const maybe = new Set();
  if (d.fn === 'logSumExp' && optionsApplied && temperature !== undefined) { maybe.add('TypeError'); maybe.add('RangeError'); }

  let args;
  if (positional) {
    args = d.fn === 'sigmoidBackward' ? [x, dy, out] : [x, out];
    if (d.async && options !== undefined) args.push(options);
    else if (out === undefined && d.optionsKind === 'undefined') args.pop(); // also the short form f(x)
  } else {
    args = binary ? [x, dy] : [x];
    if (options !== undefined || d.optionsKind === 'object') args.push(options);
  }

  const arrays = /** @type {FloatArray[]} */ ([x, dy, out].filter((a) => ArrayBuffer.isView(a)));
  return {
    fn: d.async ? `${d.fn}Async` : d.fn, base: d.fn, async: d.async, args, x, dy: binary ? dy : undefined, out,
    outIsPlaced, Ctor, len, cols: effCols, t: effT, outLen: finalOutLen, errors, maybe, arrays, controller, signalKind: d.signalKind,
    dataKind: d.dataKind,
  };
}

/**
 * @param {FloatArray} a
 * @param {FloatArray} b
 */
function overlapOf(a, b) {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return 'none';
  const aEnd = a.byteOffset + a.byteLength;
  const bEnd = b.byteOffset + b.byteLength;
  if (aEnd <= b.byteOffset || bEnd <= a.byteOffset) return 'none';
  return a.byteOffset === b.byteOffset && a.byteLength === b.byteLength ? 'same' : 'partial';
}

// ------------------------------------------------------------------------------------------------
// Checking the results.

const EPS32 = 2 ** -24;
const EPS64 = 2 ** -53;

/**
 * @param {number} got
 * @param {number} want
 * @param {number} rel
 * @param {number} abs
 */
function closeRel(got, want, rel, abs) {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= rel * Math.abs(want) + abs;
}

/**
 * Violations (strings) of the result `r` of call `c`, given the input values before the call.
 * @param {Call} c
 * @param {FloatArray} r
 * @param {number[]} xv
 * @param {number[]} dyv (the binary functions only)
 * @returns {string[]}
 */
export function checkValues(c, r, xv, dyv) {
  /** @type {string[]} */
  const v = [];
  const f64 = c.Ctor === Float64Array;
  const fr = f64 ? (/** @type {number} */ a) => a : Math.fround;
  const eps = f64 ? EPS64 : EPS32;
  const tinyAbs = f64 ? 1e-300 : 3e-45;
  /** @type {(i: number, msg: string) => void} */
  const fail = (i, msg) => { if (v.length < 5) v.push(`${c.fn}[${i}]: ${msg}`); };
  const n = c.len;
  switch (c.base) {
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const x = xv[i];
        const want = fr(x === Infinity ? 1 : x === -Infinity ? 0 : 1 / (1 + Math.exp(-x)));
        if (!(r[i] >= 0 && r[i] <= 1) && !(Number.isNaN(x) && Number.isNaN(r[i]))) fail(i, `sigmoid(${x}) = ${r[i]} not in [0, 1]`);
        else if (!closeRel(r[i], want, 4 * eps, tinyAbs)) fail(i, `sigmoid(${x}) = ${r[i]}, want ${want}`);
      }
      break;
    case 'sigmoidDerivative':
      for (let i = 0; i < n; i++) {
        const x = xv[i];
        const e = Math.exp(-Math.abs(x));
        const want = fr(Number.isNaN(x) ? NaN : e / ((1 + e) * (1 + e)));
        if (!(r[i] >= 0 && r[i] <= 0.25) && !(Number.isNaN(x) && Number.isNaN(r[i]))) fail(i, `σ'(${x}) = ${r[i]} not in [0, 0.25]`);
        else if (!closeRel(r[i], want, 8 * eps, tinyAbs)) fail(i, `σ'(${x}) = ${r[i]}, want ${want}`);
      }
      break;
    case 'sigmoidBackward':
      for (let i = 0; i < n; i++) {
        const want = dyv[i] * xv[i] * (1 - xv[i]);
        if (c.dataKind === 'normal' || c.dataKind === 'probabilities') {
          if (!closeRel(r[i], fr(want), 8 * eps, tinyAbs + 8 * eps * Math.abs(dyv[i] * xv[i]))) fail(i, `got ${r[i]}, want ${want}`);
        } else if (Number.isNaN(xv[i]) || Number.isNaN(dyv[i])) {
          if (!Number.isNaN(r[i])) fail(i, `NaN input gave ${r[i]}`);
        }
      }
      break;
    case 'softmax': case 'logSoftmax': case 'logSumExp':
      checkSoftmaxLike(c, r, xv, fr, eps, fail);
      break;
    case 'softmaxBackward': case 'logSoftmaxBackward': {
      if (!(c.dataKind === 'normal' || c.dataKind === 'probabilities')) break;
      const k = c.cols;
      for (let row = 0; k > 0 && row < n / k; row++) {
        let s = 0;
        let sAbs = 0;
        for (let j = row * k; j < (row + 1) * k; j++) {
          const term = c.base === 'softmaxBackward' ? dyv[j] * xv[j] : dyv[j];
          s += term;
          sAbs += Math.abs(term);
        }
        for (let j = row * k; j < (row + 1) * k; j++) {
          const want = c.base === 'softmaxBackward' ? xv[j] * (dyv[j] - s) : dyv[j] - Math.exp(xv[j]) * s;
          const scale = c.base === 'softmaxBackward' ? Math.abs(xv[j]) * (Math.abs(dyv[j]) + sAbs) : Math.abs(dyv[j]) + Math.exp(xv[j]) * sAbs;
          if (!Number.isFinite(fr(want)) || !Number.isFinite(fr(scale))) {
            // beyond the precision's range: an infinity of the right sign (or NaN from ∞ − ∞) will do
            if (!(Number.isNaN(r[j]) || Math.sign(r[j]) === Math.sign(want) || Math.abs(r[j]) > 1e30)) fail(j, `got ${r[j]}, want ${want}`);
          } else if (!(Math.abs(r[j] - want) <= 64 * eps * (scale + 1e-30) + tinyAbs)) fail(j, `got ${r[j]}, want ${want}`);
        }
      }
      break;
    }
    case 'softmaxJacobian':
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const got = r[i * n + j];
          const got2 = r[j * n + i];
          if (!Object.is(got, got2) && !(Number.isNaN(got) && Number.isNaN(got2))) fail(i * n + j, `not symmetric: ${got} vs ${got2}`);
          if (c.dataKind === 'normal' || c.dataKind === 'probabilities') {
            const want = xv[i] * ((i === j ? 1 : 0) - xv[j]);
            if (!(Math.abs(got - want) <= 8 * eps * (Math.abs(xv[i]) + Math.abs(xv[i] * xv[j])) + tinyAbs)) fail(i * n + j, `got ${got}, want ${want}`);
          }
        }
      }
      break;
  }
  return v;
}

/**
 * @param {Call} c
 * @param {FloatArray} r
 * @param {number[]} xv
 * @param {(v: number) => number} fr
 * @param {number} eps
 * @param {(i: number, msg: string) => void} fail
 */
function checkSoftmaxLike(c, r, xv, fr, eps, fail) {
  const n = c.len;
  const k = c.cols;
  const f64 = c.Ctor === Float64Array;
  const sumBound = f64 ? 1e-12 : 1e-5;
  const relBound = f64 ? 1e-13 : 1e-5;
  const logBound = f64 ? 1e-13 : 4e-6;
  if (k === 0) return;
  const t = c.base === 'logSumExp' ? 1 : c.t;
  for (let row = 0; row < n / k; row++) {
    // The special-value rules follow from x (t is finite and > 0). The finite values from the
    // shifted logits z_j = x_j/t − max x/t, computed as (x_j − max x)/t (accurate, no overflow of x/t
    // for a small t: SPEC "no finite input overflows") or, where x_j − max x overflows, as
    // x_j/t − max x/t (a large t); both forms are exact in real arithmetic.
    /** @type {number[]} */
    const xs = [];
    for (let j = 0; j < k; j++) xs.push(/** @type {number} */ (xv[row * k + j]));
    const hasNaN = xs.some(Number.isNaN);
    const hasPosInf = xs.includes(Infinity);
    const mx = xs.reduce((a, b) => (b > a ? b : a), -Infinity);
    const shifted = (/** @type {number} */ xj) => {
      const diff = fr(xj - mx);
      return Number.isFinite(diff) ? fr(diff / t) : fr(fr(xj / t) - fr(mx / t));
    };
    const z = xs.map((xj) => (xj === -Infinity ? -Infinity : Number.isFinite(mx) ? shifted(xj) : xj));
    const m = Number.isFinite(mx) ? 0 : mx;
    const base = row * k;
    if (c.base === 'logSumExp') {
      const got = r[row];
      let want;
      if (hasNaN) want = NaN;
      else if (hasPosInf) want = Infinity;
      else if (m === -Infinity) want = -Infinity;
      else {
        let s = 0;
        for (const zi of z) s += Math.exp(zi);
        want = mx + Math.log(s);
      }
      if (!Number.isFinite(want)) { if (!(Object.is(got, want) || (Number.isNaN(want) && Number.isNaN(got)))) fail(row, `logSumExp row ${row}: got ${got}, want ${want}`); }
      else if (!(Math.abs(got - want) <= logBound * Math.max(1, Math.abs(want)) + 4 * eps * Math.abs(mx))) fail(row, `logSumExp row ${row}: got ${got}, want ${want}`);
      continue;
    }
    const soft = c.base === 'softmax';
    if (hasNaN || (!hasPosInf && m === -Infinity)) {
      for (let j = 0; j < k; j++) if (!Number.isNaN(r[base + j])) fail(base + j, `row ${row} (NaN or all −∞) should be NaN, got ${r[base + j]}`);
      continue;
    }
    if (hasPosInf) {
      for (let j = 0; j < k; j++) {
        const want = xs[j] === Infinity ? NaN : soft ? 0 : -Infinity;
        if (!(Object.is(r[base + j], want) || (Number.isNaN(want) && Number.isNaN(r[base + j])) || (soft && r[base + j] === 0))) fail(base + j, `row ${row} with +∞: got ${r[base + j]}, want ${want}`);
      }
      continue;
    }
    let s = 0;
    for (const zi of z) s += Math.exp(zi - m);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const got = r[base + j];
      if (xs[j] === -Infinity) {
        if (!Object.is(got, soft ? 0 : -Infinity)) fail(base + j, `${c.base} of −∞ in a finite row: got ${got}`);
        continue;
      }
      if (!Number.isFinite(z[j])) {
        // a finite x_j whose shifted logit is beyond the range: softmax 0 (or a subnormal), logSoftmax −∞ or huge
        if (soft ? !(got >= 0 && got <= (f64 ? 1e-300 : 1e-35)) : !(got <= (f64 ? -1e307 : -1e37))) fail(base + j, `${c.base} of an out-of-range logit: got ${got}`);
        continue;
      }
      const cond = 4 * eps * (Math.abs(z[j]) + Math.abs(m));
      if (soft) {
        sum += got;
        const want = Math.exp(z[j] - m) / s;
        if (!(got >= 0 && got <= 1)) fail(base + j, `softmax ${got} not in [0, 1]`);
        else if (want >= 1e-30 ? !(Math.abs(got - want) <= (relBound + cond) * want) : !(Math.abs(got - want) <= (f64 ? 1e-300 : 1e-35) + cond * want)) {
          fail(base + j, `softmax row ${row}: got ${got}, want ${want} (z=${z[j]}, m=${m})`);
        }
      } else {
        const want = z[j] - m - Math.log(s);
        if (!(Math.abs(got - want) <= logBound * Math.max(1, Math.abs(want)) + cond)) fail(base + j, `logSoftmax row ${row}: got ${got}, want ${want}`);
      }
    }
    if (soft && !(Math.abs(sum - 1) <= sumBound + k * eps * 0)) fail(base, `softmax row ${row} sums to ${sum}`);
  }
}

// ------------------------------------------------------------------------------------------------
// Running one call.

const TIMEOUT_MS = 20_000;

/** @param {FloatArray[]} arrays */
function snapshotBuffers(arrays) {
  const seen = new Map();
  for (const a of arrays) {
    // a transferred-away (detached) buffer has byteLength 0 and nothing to compare
    if (!seen.has(a.buffer) && a.buffer.byteLength > 0) seen.set(a.buffer, new Uint8Array(a.buffer).slice());
  }
  return seen;
}

/**
 * Makes the call described by `d` against `api` (the sigmax module) and returns
 * `{ outcome: 'ok' | <error name>, violations: string[] }`.
 * @param {Api} api
 * @param {CallRecord} d
 */
export async function runCall(api, d) {
  const c = buildCall(d);
  /** @type {string[]} */
  const violations = [];
  /** @type {(a: FloatArray) => number[]} */
  const values = (a) => { const v = []; for (let i = 0; i < a.length; i++) v.push(/** @type {number} */ (a[i])); return v; }; // works on detached views
  const xv = isFloatArray(c.x) ? values(c.x) : null;
  const dyv = isFloatArray(c.dy) ? values(c.dy) : null;
  const before = snapshotBuffers(c.arrays);
  const f = api[c.fn];
  if (typeof f !== 'function') return { outcome: 'missing', violations: [`${c.fn} is not exported`] };

  /** @type {unknown} */
  let result;
  /** @type {Thrown | undefined} */
  let error;
  if (c.async) {
    /** @type {unknown} */
    let promise;
    try {
      promise = f(...c.args);
    } catch (/** @type {any} */ e) {
      violations.push(`${c.fn} threw synchronously: ${e && e.name}: ${e && e.message}`);
      error = e;
    }
    if (promise !== undefined) {
      if (!(promise instanceof Promise)) violations.push(`${c.fn} did not return a Promise`);
      if (c.controller && c.signalKind !== 'preAborted') {
        const controller = c.controller;
        const abort = () => controller.abort();
        if (c.signalKind === 'abortMicrotask') queueMicrotask(abort);
        else if (c.signalKind === 'abortImmediate') setImmediate(abort);
        else setTimeout(abort, 0);
      }
      let timer;
      const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('TIMEOUT')), TIMEOUT_MS); });
      try {
        result = await Promise.race([promise, timeout]);
      } catch (/** @type {any} */ e) {
        error = e;
        if (e && e.message === 'TIMEOUT') violations.push(`${c.fn} did not settle within ${TIMEOUT_MS} ms`);
      } finally {
        clearTimeout(timer);
      }
    }
  } else {
    try {
      result = f(...c.args);
    } catch (/** @type {any} */ e) {
      error = e;
    }
  }

  const outcome = error === undefined ? 'ok' : (error && error.name) || String(error);
  const allowed = new Set([...c.errors, ...c.maybe]);
  const lateAbort = c.controller && c.signalKind !== 'preAborted';
  if (error !== undefined) {
    const name = error && error.name;
    const known = name === 'TypeError' || name === 'RangeError' || name === 'AbortError';
    if (!known) violations.push(`${c.fn}: unexpected ${name}: ${error && error.message}`);
    else if (!allowed.has(name) && !(name === 'AbortError' && lateAbort && c.errors.size === 0)) {
      violations.push(`${c.fn}: ${name} (${error && error.message}) but the arguments call for ${c.errors.size ? [...c.errors].join('/') : 'success'}`);
    }
    if (name === 'AbortError' && !(error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException))) violations.push('AbortError is not an Error');
  } else if (c.errors.size > 0) {
    violations.push(`${c.fn}: succeeded but the arguments call for ${[...c.errors].join('/')}`);
  }

  // memory: nothing outside out changes; nothing at all when the call failed (AbortError: out unspecified)
  /** @type {[ArrayBufferLike, number, number] | null} */
  const outRange = c.out && ArrayBuffer.isView(c.out) && (error === undefined || (error && error.name === 'AbortError' && lateAbort))
    ? [c.out.buffer, c.out.byteOffset, c.out.byteOffset + c.out.byteLength] : null;
  for (const [buf, snap] of before) {
    if (buf.byteLength !== snap.length) { violations.push(`a buffer changed length ${snap.length} → ${buf.byteLength}`); continue; }
    const now = new Uint8Array(buf);
    if (now.length !== snap.length) { violations.push(`a buffer changed length ${snap.length} → ${now.length}`); continue; }
    for (let i = 0; i < snap.length; i++) {
      if (now[i] !== snap[i] && !(outRange && outRange[0] === buf && i >= outRange[1] && i < outRange[2])) {
        violations.push(`${c.fn}: byte ${i} of a ${buf.constructor.name} changed ${snap[i]} → ${now[i]}` +
          (c.outIsPlaced ? ' (sentinel around out)' : '') + (error ? ` after ${error.name}` : ''));
        break;
      }
    }
  }

  if (error === undefined && violations.length === 0) {
    if (c.out !== undefined && result !== c.out) violations.push(`${c.fn}: did not return out`);
    if (!(result instanceof c.Ctor)) violations.push(`${c.fn}: result is not a ${c.Ctor.name}`);
    else if (result.length !== c.outLen) violations.push(`${c.fn}: result length ${result.length}, want ${c.outLen}`);
    else {
      if (c.out === undefined && c.arrays.some((a) => a.buffer === result.buffer)) violations.push(`${c.fn}: new result shares an input's buffer`);
      // x (and dy) were float arrays: the call succeeded
      violations.push(...checkValues(c, result, /** @type {number[]} */ (xv), /** @type {number[]} */ (dyv)));
    }
  }
  return { outcome, violations };
}

/**
 * Describes a call record compactly for a report.
 * @param {CallRecord} d
 */
export function describeCall(d) {
  return JSON.stringify(d, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/**
 * Runs `calls` random calls (seeded) and returns counts: `{ calls, outcomes: {ok, TypeError, …},
 * violations, examples }`. `onProgress(done)` is called every 5000 calls.
 * @param {Api} api
 * @param {{ calls: number, seed: number, onProgress?: (done: number) => void, maxExamples?: number }} options
 */
export async function fuzz(api, { calls, seed, onProgress, maxExamples = 20 }) {
  const stats = {
    calls: 0,
    /** @type {Record<string, number>} */ outcomes: {},
    /** @type {Record<string, number>} */ byFunction: {},
    violations: 0,
    /** @type {{ call: string, violations: string[] }[]} */ examples: [],
  };
  const batch = 1000;
  const arb = callArbitrary();
  for (let done = 0; done < calls; done += batch) {
    const descs = fc.sample(arb, { numRuns: Math.min(batch, calls - done), seed: (seed + done) | 0 });
    for (const d of descs) {
      const { outcome, violations } = await runCall(api, d);
      stats.calls++;
      stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
      const fn = d.async ? `${d.fn}Async` : d.fn;
      stats.byFunction[fn] = (stats.byFunction[fn] ?? 0) + 1;
      if (violations.length > 0) {
        stats.violations++;
        if (stats.examples.length < maxExamples) stats.examples.push({ call: describeCall(d), violations });
      }
    }
    if (onProgress && (done + batch) % 5000 === 0) onProgress(stats.calls);
  }
  return stats;
}
