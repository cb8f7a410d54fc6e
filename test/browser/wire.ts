// How call arguments and results cross between the Node test and the browser page as JSON: typed
// arrays as base64 of their bytes, undefined, NaN, ±∞ and −0 as tagged objects, everything else as is.
// Runs on both sides (atob/btoa exist in browsers and in Node).

export type Wire = unknown;

const TYPED: Record<string, { new (b: ArrayBuffer): ArrayBufferView }> = {
  Float32Array, Float64Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array,
};

function toBase64(v: ArrayBufferView): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): ArrayBuffer {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes.buffer;
}

export function encode(v: unknown): Wire {
  if (v === undefined) return { $u: 1 };
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $n: Object.is(v, -0) ? '-0' : String(v) };
  if (ArrayBuffer.isView(v)) {
    const type = Object.prototype.toString.call(v).slice(8, -1);
    if (!(type in TYPED)) throw new TypeError(`wire: cannot send a ${type}`);
    return { $t: type, b64: toBase64(v) };
  }
  if (Array.isArray(v)) return v.map(encode);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

export function decode(w: Wire): unknown {
  if (Array.isArray(w)) return w.map(decode);
  if (w === null || typeof w !== 'object') return w;
  const o = w as Record<string, unknown>;
  if ('$u' in o) return undefined;
  if ('$n' in o) return o.$n === '-0' ? -0 : Number(o.$n);
  if ('$t' in o) return new TYPED[o.$t as string]!(fromBase64(o.b64 as string));
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
}
