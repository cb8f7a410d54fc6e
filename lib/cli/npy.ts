// The NumPy `.npy` format (versions 1.0, 2.0 and 3.0), as far as sigmax needs it: read the header of a
// little-endian float32/float64 array in C order, and write one. Everything else is refused with a
// message that says what the file holds and what to do.
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//   magic "\x93NUMPY", major, minor, header length (uint16 LE for 1.0, uint32 LE for 2.0/3.0),
//   then a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded with
//   spaces and ended by '\n' so that the data starts at a multiple of 64 bytes.

export type DType = 'f32' | 'f64';

export interface NpyHeader {
  dtype: DType;
  shape: number[];
  /** Number of elements (product of the shape). */
  count: number;
  /** Offset of the first data byte (the full header length). */
  dataOffset: number;
  version: string;
}

/** A problem with the file's contents (not with how the CLI was called). */
export class NpyError extends Error {
  override name = 'NpyError';
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Bytes needed to know the header length: magic (6) + version (2) + length (2 or 4). */
export const NPY_PREAMBLE = 12;
/** NumPy itself refuses headers over 10 000 bytes by default; allow more, but not without bound. */
export const NPY_MAX_HEADER = 1 << 20;

/** The integer dtypes of class labels (read) and indices (written). */
export type IndexDType = 'i32' | 'i64';

export const ITEM_SIZE: Record<DType | IndexDType, number> = { f32: 4, f64: 8, i32: 4, i64: 8 };
const DESCR: Record<DType | IndexDType, string> = { f32: '<f4', f64: '<f8', i32: '<i4', i64: '<i8' };
export const DTYPE_NAME: Record<DType | IndexDType, string> = { f32: 'float32', f64: 'float64', i32: 'int32', i64: 'int64' };

/**
 * From the first bytes of a file (at least 10, ideally NPY_PREAMBLE): the total header length
 * (= offset of the data). Throws NpyError on a bad magic or an unknown version.
 */
export function npyHeaderLength(pre: Uint8Array): number {
  if (pre.length === 0) throw new NpyError('the file is empty, not a .npy file');
  if (pre.length < 10 || !MAGIC.every((b, i) => pre[i] === b)) {
    if (pre.length < 10 && MAGIC.slice(0, pre.length).every((b, i) => pre[i] === b)) {
      throw new NpyError(`truncated .npy header: the file ends after ${pre.length} bytes`);
    }
    throw new NpyError('not a .npy file (it does not start with the magic string \\x93NUMPY)');
  }
  const major = pre[6]!;
  const minor = pre[7]!;
  if (major === 1) return 10 + (pre[8]! | (pre[9]! << 8));
  if (major === 2 || major === 3) {
    if (pre.length < 12) throw new NpyError(`truncated .npy header: the file ends after ${pre.length} bytes`);
    const len = (pre[8]! | (pre[9]! << 8) | (pre[10]! << 16)) + pre[11]! * 2 ** 24;
    if (len > NPY_MAX_HEADER) throw new NpyError(`.npy header of ${len} bytes is implausibly large (corrupt file?)`);
    return 12 + len;
  }
  throw new NpyError(`unsupported .npy format version ${major}.${minor} (sigmax reads 1.0, 2.0 and 3.0)`);
}

/** Parses a complete header (`bytes` holds at least npyHeaderLength(bytes) bytes) of a float array. */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  return parseHeaderOf(bytes, parseDescr);
}

function parseHeaderOf<D extends keyof typeof ITEM_SIZE>(bytes: Uint8Array, descrOf: (descr: PyValue) => D) {
  const dataOffset = npyHeaderLength(bytes);
  if (bytes.length < dataOffset) {
    throw new NpyError(`truncated .npy header: it declares ${dataOffset} bytes, the file has ${bytes.length}`);
  }
  const major = bytes[6]!;
  const start = major === 1 ? 10 : 12;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, dataOffset - start).toString(major === 3 ? 'utf8' : 'latin1');
  let dict: Map<string, PyValue>;
  try {
    dict = parseDictLiteral(text);
  } catch (err) {
    throw new NpyError(`corrupt .npy header: ${(err as Error).message}`);
  }
  const keys = [...dict.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw new NpyError(`corrupt .npy header: expected the keys descr, fortran_order and shape, found ${keys || 'none'}`);
  }
  const descr = dict.get('descr')!;
  const fortran = dict.get('fortran_order');
  const shapeValue = dict.get('shape')!;
  if (typeof fortran !== 'boolean') throw new NpyError("corrupt .npy header: 'fortran_order' is not True or False");
  if (!Array.isArray(shapeValue) || !shapeValue.every((d) => typeof d === 'number')) {
    throw new NpyError("corrupt .npy header: 'shape' is not a tuple of integers");
  }
  const shape = shapeValue as number[];
  const dtype = descrOf(descr);
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new NpyError(`corrupt .npy header: bad dimension ${d} in the shape`);
    count *= d;
  }
  if (!Number.isSafeInteger(count * ITEM_SIZE[dtype])) throw new NpyError(`corrupt .npy header: shape (${shape.join(', ')}) is too large`);
  if (fortran && shape.filter((d) => d > 1).length > 1) {
    throw new NpyError(
      'Fortran-order (column-major) arrays are not supported: rows must be contiguous; ' +
        'save a C-order copy with np.save(path, np.ascontiguousarray(a))',
    );
  }
  // A Fortran-order array with at most one dimension > 1 has the same memory layout as in C order.
  return { dtype, shape, count, dataOffset, version: `${major}.${bytes[7]}` };
}

function parseDescr(descr: PyValue): DType {
  if (typeof descr !== 'string') {
    throw new NpyError('structured (record) dtypes are not supported: sigmax reads float32 and float64 arrays');
  }
  if (descr === '<f4') return 'f32';
  if (descr === '<f8') return 'f64';
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  const hint = "sigmax reads little-endian float32 ('<f4') and float64 ('<f8'); convert with a.astype('<f4')";
  if (!m) throw new NpyError(`unsupported dtype '${descr}': ${hint}`);
  const [, order, kind, size] = m;
  if (kind === 'f' && (size === '4' || size === '8') && order === '>') {
    throw new NpyError(`big-endian dtype '${descr}' is not supported: ${hint}`);
  }
  if (kind === 'f' && (size === '4' || size === '8') && order === '=') {
    // '=' (native order) never appears in files NumPy writes; the bytes' order is unknowable.
    throw new NpyError(`dtype '${descr}' has no explicit byte order: ${hint}`);
  }
  const what: Record<string, string> = {
    i: 'integer', u: 'unsigned integer', b: 'boolean', '?': 'boolean', c: 'complex', O: 'object', U: 'unicode string',
    S: 'byte string', a: 'byte string', V: 'void/record', M: 'datetime', m: 'timedelta',
  };
  if (kind === 'f' && size === '2') throw new NpyError(`float16 dtype '${descr}' is not supported: ${hint}`);
  if (kind === 'f') throw new NpyError(`float${Number(size) * 8} dtype '${descr}' is not supported: ${hint}`);
  throw new NpyError(`${what[kind!] ?? 'unsupported'} dtype '${descr}' is not supported: ${hint}`);
}

/**
 * The integers of a whole little-endian int32 or int64 .npy file (class labels), as an Int32Array;
 * `name` for messages. Refuses other dtypes, and int64 values outside int32's range.
 */
export function readIndexNpy(bytes: Uint8Array, name: string): Int32Array {
  const h = parseHeaderOf(bytes, (descr): IndexDType => {
    if (descr === '<i4') return 'i32';
    if (descr === '<i8') return 'i64';
    throw new NpyError(`${name}: dtype '${String(descr)}' is not supported for labels: use int32 ('<i4') or int64 ('<i8')`);
  });
  const dataBytes = h.count * ITEM_SIZE[h.dtype];
  if (bytes.length - h.dataOffset !== dataBytes) {
    throw new NpyError(`${name}: its header describes ${dataBytes} data bytes, the file has ${bytes.length - h.dataOffset}`);
  }
  const data = new Uint8Array(bytes.subarray(h.dataOffset)).buffer; // a copy: a Buffer may share a pool
  if (h.dtype === 'i32') return new Int32Array(data);
  const int64 = new BigInt64Array(data);
  const out = new Int32Array(h.count);
  for (let i = 0; i < h.count; i++) {
    const v = int64[i]!;
    if (v < -2147483648n || v > 2147483647n) throw new NpyError(`${name}: label ${v} at ${i} is outside int32's range`);
    out[i] = Number(v);
  }
  return out;
}

/**
 * The bytes of a version 1.0 header (2.0 if the shape needs it) for a little-endian C-order array.
 * `minLength`: pad to at least this total length (used to reserve room for a shape known only at the end).
 */
export function npyHeader(dtype: DType | IndexDType, shape: readonly number[], minLength = 0): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  for (const [major, pre] of [[1, 10], [2, 12]] as const) {
    let total = pre + dict.length + 1; // + '\n'
    total = Math.max(Math.ceil(total / 64) * 64, minLength);
    if (total % 64 !== 0) throw new Error(`npyHeader: minLength ${minLength} is not a multiple of 64`);
    const headerLen = total - pre;
    if (major === 1 && headerLen > 0xffff) continue;
    const out = new Uint8Array(total);
    out.set(MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    if (major === 1) {
      out[8] = headerLen & 0xff;
      out[9] = headerLen >>> 8;
    } else {
      new DataView(out.buffer).setUint32(8, headerLen, true);
    }
    const text = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
    out.set(Buffer.from(text, 'latin1'), pre);
    return out;
  }
  throw new Error('npyHeader: shape too long');
}

// ---------------------------------------------------------------------------------------------
// A parser for the Python literal subset NumPy writes: a dict of string keys to strings, True/False,
// integers and tuples (or lists) of those.

type PyValue = string | number | boolean | null | PyValue[];

function parseDictLiteral(text: string): Map<string, PyValue> {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    const near = text.slice(i, i + 20).replace(/\s+/g, ' ');
    throw new Error(`${what} at character ${i}${near ? ` (near "${near}")` : ' (end of header)'}`);
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) fail(`expected '${c}'`);
    i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const q = c;
      let s = '';
      i++;
      while (i < text.length && text[i] !== q) {
        if (text[i] === '\\') i++;
        s += text[i] ?? '';
        i++;
      }
      if (i >= text.length) fail('unterminated string');
      i++;
      return s;
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}'`);
      }
    }
    const m = /^(?:True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (!m) return fail('expected a value');
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace(/L$/, ''));
  };
  const dict = new Map<string, PyValue>();
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') {
      i++;
      break;
    }
    const key = value();
    if (typeof key !== 'string') fail('expected a string key');
    expect(':');
    dict.set(key as string, value());
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail("expected ',' or '}'");
  }
  ws();
  if (i !== text.length) fail('unexpected text after the dict');
  return dict;
}
