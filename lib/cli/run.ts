// `sigmax <op> <input>`: plan the job (formats, shapes, row length) from the input's header or size
// and the options, then stream it in chunks of whole rows: read chunk i+1 while chunk i is computed in
// place and chunk i−1 is written. Memory is a few chunk buffers, whatever the file size.
import type * as SigmaxModule from '../index.js';
import type { FloatArray } from '../types.js';
import * as fs from 'node:fs';
import type { InFormat, Op, OutFormat, RunOptions } from './args.js';
import { ROW_OPS, UsageError } from './args.js';
import { CliError, describeFsError, openSink, openSource, type Sink, type Source } from './io.js';
import { DTYPE_NAME, type DType, type IndexDType, ITEM_SIZE, NPY_PREAMBLE, NpyError, npyHeader, npyHeaderLength, parseNpyHeader, readIndexNpy } from './npy.js';
import { Progress } from './progress.js';
import { arrayCsv, TOPK_CSV_HEADER, topKCsv } from './topk.js';

export type Sigmax = typeof SigmaxModule;

export interface Summary {
  rows: number;
  cols: number | undefined;
  elements: number;
  bytes: number;
  seconds: number;
  dtype: DType;
}

/** The sink being written, for the signal handlers to delete its temporary file. */
export let activeSink: Sink | undefined;

const EXT_FORMATS: Record<string, OutFormat> = { '.npy': 'npy', '.f32': 'f32', '.f64': 'f64', '.csv': 'csv' };

function extFormat(p: string): OutFormat | undefined {
  const m = /\.[^./\\]+$/.exec(p);
  return m ? EXT_FORMATS[m[0].toLowerCase()] : undefined;
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function product(a: readonly number[]): number {
  return a.reduce((p, d) => p * d, 1);
}

function view(dtype: DType, buf: Uint8Array, elements: number): FloatArray {
  return dtype === 'f32' ? new Float32Array(buf.buffer, buf.byteOffset, elements) : new Float64Array(buf.buffer, buf.byteOffset, elements);
}

function bytesOf(a: FloatArray | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Marks a promise as handled (its rejection is awaited later, or not needed after another error). */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** Reads an .npy header from the source: exactly the header's bytes, nothing of the data. */
async function readNpyHeader(source: Source): Promise<ReturnType<typeof parseNpyHeader>> {
  try {
    return await readNpyHeaderOf(source);
  } catch (err) {
    if (err instanceof NpyError && !err.message.includes(source.name)) throw new NpyError(`${source.name}: ${err.message}`);
    throw err;
  }
}

async function readNpyHeaderOf(source: Source): Promise<ReturnType<typeof parseNpyHeader>> {
  const pre = new Uint8Array(NPY_PREAMBLE);
  let have = await source.read(pre, 0, 10);
  if (have === 0) throw new NpyError(`${source.name} is empty, not a .npy file`);
  // versions 2.0/3.0 have a 4-byte header length
  if (have === 10 && (pre[6] === 2 || pre[6] === 3)) have += await source.read(pre, have, NPY_PREAMBLE - have);
  const len = npyHeaderLength(pre.subarray(0, have));
  if (len < have + 2) throw new NpyError(`corrupt .npy header: its declared length (${len} bytes) is too small`);
  const header = new Uint8Array(len);
  header.set(pre.subarray(0, have));
  const got = await source.read(header, have, len - have);
  if (got < len - have) {
    throw new NpyError(`truncated .npy header: it declares ${len} bytes, ${source.name} ends after ${have + got}`);
  }
  return parseNpyHeader(header);
}

interface Plan {
  dtype: DType;
  inFormat: InFormat;
  outFormat: OutFormat;
  /** Elements in the input; undefined when the input is a raw stream of unknown length. */
  count: number | undefined;
  /** Row length (the last axis, or --cols); undefined for sigmoid over raw data without --cols. */
  cols: number | undefined;
  /** Number of rows, when known. */
  rows: number | undefined;
  /** Output .npy shape; rows unknown → computed at the end (the header is then patched). */
  outShape: (rows: number) => number[];
}

export async function runOp(o: RunOptions, sx: Sigmax): Promise<Summary> {
  const started = performance.now();
  const inFormat: InFormat | undefined = o.format ?? (o.input === '-' ? 'npy' : (extFormat(o.input) as InFormat | undefined));
  if (inFormat === undefined || (inFormat as OutFormat) === 'csv') {
    throw new UsageError(`cannot tell the format of '${o.input}' from its extension: name it .npy, .f32 or .f64, or give --format npy|f32|f64`);
  }
  const source = openSource(o.input);
  let sink: Sink | undefined;
  try {
    // 1. What is in the input?
    let dtype: DType;
    let count: number | undefined;
    let inShape: number[] | undefined;
    if (inFormat === 'npy') {
      const h = await readNpyHeader(source);
      dtype = h.dtype;
      count = h.count;
      inShape = h.shape;
      const dataBytes = h.count * ITEM_SIZE[h.dtype];
      if (source.size !== undefined && source.size - h.dataOffset !== dataBytes) {
        const has = source.size - h.dataOffset;
        throw new NpyError(
          has < dataBytes
            ? `${source.name} is truncated: its header describes ${shapeText(h.shape)} ${DTYPE_NAME[h.dtype]} = ${dataBytes} data bytes, the file has ${has}`
            : `${source.name} has ${has - dataBytes} bytes after the ${dataBytes} data bytes its header describes (${shapeText(h.shape)} ${DTYPE_NAME[h.dtype]}): corrupt or not a single array`,
        );
      }
    } else {
      dtype = inFormat;
      if (source.size !== undefined) {
        if (source.size % ITEM_SIZE[dtype] !== 0) {
          throw new CliError(`${source.name} has ${source.size} bytes, not a whole number of ${DTYPE_NAME[dtype]} values (${ITEM_SIZE[dtype]} bytes each)`);
        }
        count = source.size / ITEM_SIZE[dtype];
      }
    }
    const plan = makePlan(o, inFormat, dtype, count, inShape, source.name);
    const binaryOut = plan.outFormat !== 'csv';

    // 2. Open the output (a temporary file until the end) and write its header.
    sink = openSink(o.output, binaryOut);
    activeSink = sink;
    if (plan.outFormat === 'npy' && plan.rows === undefined && !sink.seekable) {
      throw new UsageError(
        `a .npy output needs its shape up front, and raw ${source.name} of unknown length does not tell it: write to a file (-o out.npy) or use --out-format ${dtype}`,
      );
    }
    const outDtype = outDtypeOf(o, dtype);
    const targets = o.op === 'cross-entropy' ? readTargets(o, plan.cols!, plan.rows) : undefined;
    // A shape known only at the end: reserve room for the largest row count and patch it then.
    let reserved = 0;
    if (plan.outFormat === 'npy') {
      const header =
        plan.rows !== undefined ? npyHeader(outDtype, plan.outShape(plan.rows)) : npyHeader(outDtype, plan.outShape(Number.MAX_SAFE_INTEGER));
      reserved = header.length;
      await sink.write(header);
    } else if (plan.outFormat === 'csv' && o.topK !== undefined) {
      await sink.write(Buffer.from(TOPK_CSV_HEADER));
    }

    // 3. Stream.
    const progressWanted = !o.quiet && (o.progress || (process.stderr.isTTY === true && (count ?? Infinity) * ITEM_SIZE[dtype] > 8e6));
    const progress = progressWanted ? new Progress(o.op, count !== undefined ? count * ITEM_SIZE[dtype] : undefined) : undefined;
    const { rows, bytes } = await stream(o, sx, plan, source, sink, progress, targets);
    progress?.done();
    if (targets !== undefined && targets.length !== rows) {
      throw new CliError(`${o.targets} has ${plural(targets.length, 'label')}, the input ${plural(rows, 'row')}: one label per row`);
    }

    // 4. Finish: no trailing bytes on a stream, the real shape in a reserved header, rename into place.
    if (inFormat === 'npy' && source.size === undefined) {
      const extra = await source.read(new Uint8Array(1), 0, 1);
      if (extra > 0) {
        throw new NpyError(`${source.name} has more bytes after the ${bytes} data bytes its .npy header describes: corrupt or not a single array`);
      }
    }
    if (plan.outFormat === 'npy' && plan.rows === undefined) {
      await sink.writeAt(npyHeader(outDtype, plan.outShape(rows), reserved), 0);
    }
    await sink.commit();
    activeSink = undefined;
    const elements = bytes / ITEM_SIZE[dtype];
    return { rows, cols: plan.cols, elements, bytes, seconds: (performance.now() - started) / 1000, dtype };
  } catch (err) {
    sink?.abort();
    activeSink = undefined;
    throw err;
  } finally {
    source.close();
  }
}

function makePlan(o: RunOptions, inFormat: InFormat, dtype: DType, count: number | undefined, inShape: number[] | undefined, name: string): Plan {
  const rowOp = ROW_OPS.includes(o.op);
  const lastDim = inShape ? (inShape.length > 0 ? inShape[inShape.length - 1]! : 1) : undefined;
  let cols = o.cols ?? lastDim;
  if (cols === undefined && rowOp) {
    throw new UsageError(`${o.op} of raw ${dtype} input needs --cols (the row length): the file has no shape`);
  }
  if (o.cols !== undefined && count !== undefined && count % o.cols !== 0) {
    throw new UsageError(`--cols ${o.cols} does not divide the ${plural(count, 'element')} of ${name}`);
  }
  let rows: number | undefined;
  if (count !== undefined) {
    if (cols === 0) rows = product(inShape!.slice(0, -1));
    else rows = cols === undefined ? count : count / cols;
  }
  if (cols === 0 && (o.op === 'argmax' || o.op === 'cross-entropy') && rows !== 0) {
    throw new CliError(`${o.op} needs rows of at least one value; ${name} has rows of none`);
  }
  if (o.topK !== undefined && o.topK > cols!) {
    throw new UsageError(`--top-k ${o.topK} is larger than the row length ${cols}`);
  }
  const outFormat: OutFormat =
    o.outFormat ?? (o.output !== '-' ? extFormat(o.output) : undefined) ?? (o.topK !== undefined ? 'npy' : inFormat);
  if (outFormat === 'f32' || outFormat === 'f64') {
    const outDtype = outDtypeOf(o, dtype);
    if (outFormat !== outDtype) {
      throw new UsageError(
        o.op === 'argmax'
          ? `argmax writes int32 indices: use a .npy or .csv output, not ${outFormat}`
          : o.topK !== undefined
          ? `--top-k writes float64 (index, probability) pairs: use a .npy, .f64 or .csv output, not ${outFormat}`
          : `the output keeps the input's dtype (${DTYPE_NAME[dtype]}): use a .npy, .${dtype} or .csv output, not ${outFormat}`,
      );
    }
  }
  // Leading axes of the input (npy, rows = the last axis) or [rows].
  const sameRows = inShape !== undefined && (o.cols === undefined || o.cols === lastDim);
  const leading = (r: number) => (sameRows ? inShape!.slice(0, -1) : [r]);
  let outShape: (r: number) => number[];
  if (o.topK !== undefined) outShape = (r) => [...leading(r), o.topK!, 2];
  else if (perRow(o.op)) outShape = leading;
  else if (inShape !== undefined) outShape = () => inShape;
  else if (o.cols !== undefined) outShape = (r) => [r, o.cols!];
  else outShape = (r) => [r];
  return { dtype, inFormat, outFormat, count, cols, rows, outShape };
}

/** The ops that write one value per row. */
function perRow(op: Op): boolean {
  return op === 'logsumexp' || op === 'argmax' || op === 'cross-entropy';
}

/** The output's element type: the input's, int32 indices (argmax), float64 pairs (--top-k). */
function outDtypeOf(o: RunOptions, dtype: DType): DType | IndexDType {
  return o.op === 'argmax' ? 'i32' : o.topK !== undefined ? 'f64' : dtype;
}

/**
 * cross-entropy's labels, read whole (one int32 per row): each in [0, cols) unless it is the ignore
 * index, and as many as the rows when those are known.
 */
function readTargets(o: RunOptions, cols: number, rows: number | undefined): Int32Array {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(o.targets!);
  } catch (err) {
    throw new CliError(describeFsError(err, o.targets!));
  }
  const targets = readIndexNpy(bytes, o.targets!);
  if (rows !== undefined && targets.length !== rows) {
    throw new CliError(`${o.targets} has ${plural(targets.length, 'label')}, the input ${plural(rows, 'row')}: one label per row`);
  }
  for (let r = 0; r < targets.length; r++) {
    const t = targets[r]!;
    if ((t < 0 || t >= cols) && t !== o.ignoreIndex) {
      throw new CliError(`${o.targets}: label ${t} of row ${r} is not a class index in [0, ${cols})${o.ignoreIndex !== undefined ? ` nor --ignore-index ${o.ignoreIndex}` : ''}`);
    }
  }
  return targets;
}

/** Row length of the chunking unit: sigmoid needs no rows, except to lay out CSV lines. */
function unitElements(o: RunOptions, plan: Plan): number {
  if (o.op === 'sigmoid' && plan.outFormat !== 'csv') return 1;
  return plan.cols ?? 1;
}

async function stream(
  o: RunOptions,
  sx: Sigmax,
  plan: Plan,
  source: Source,
  sink: Sink,
  progress: Progress | undefined,
  targets: Int32Array | undefined,
): Promise<{ rows: number; bytes: number }> {
  const { dtype } = plan;
  const item = ITEM_SIZE[dtype];
  const cols = plan.cols;
  const topk = o.topK;
  const f32 = dtype === 'f32';

  // Rows of zero elements (shape (..., 0)): nothing to read; logsumexp of an empty row is -inf.
  if (cols === 0) {
    const rows = plan.rows!;
    if (o.op === 'logsumexp' && rows > 0) {
      const per = Math.min(rows, Math.max(1, Math.floor(o.chunkSize / item)));
      const fill = view(dtype, new Uint8Array(per * item), per).fill(-Infinity);
      for (let done = 0; done < rows; done += per) {
        const n = Math.min(per, rows - done);
        const part = fill.subarray(0, n);
        await sink.write(plan.outFormat === 'csv' ? Buffer.from(arrayCsv(part, 1)) : bytesOf(part));
      }
    }
    return { rows, bytes: 0 };
  }

  const unit = unitElements(o, plan);
  const unitBytes = unit * item;
  if (unitBytes > 2 ** 31) throw new CliError(`a row of ${unit} ${DTYPE_NAME[dtype]} values (${unitBytes} bytes) is too long to hold in memory`);
  const unitsPerChunk = Math.max(1, Math.floor(o.chunkSize / unitBytes));
  const chunkBytes = unitsPerChunk * unitBytes;
  // Three buffers let a read, a computation and a write overlap; a single row larger than the chunk
  // size gets one buffer (memory stays one row).
  const ring = unitBytes > o.chunkSize ? 1 : 3;
  const bufs = Array.from({ length: ring }, () => new Uint8Array(source.wantsShared ? new SharedArrayBuffer(chunkBytes) : new ArrayBuffer(chunkBytes)));
  const rowsPerChunk = cols ? (unitsPerChunk * unit) / cols : 0;
  const outBufs =
    o.op === 'argmax'
      ? Array.from({ length: ring }, () => new Int32Array(rowsPerChunk))
      : perRow(o.op)
      ? Array.from({ length: ring }, () => view(dtype, new Uint8Array(rowsPerChunk * item), rowsPerChunk))
      : topk !== undefined
        ? Array.from({ length: ring }, () => new Float64Array(rowsPerChunk * topk * 2))
        : undefined;

  // --threads: each chunk through the async API on that many threads; else the sync API on this thread.
  const useAsync = o.threads !== undefined;
  const temperature = o.temperature;
  const compute = async (x: FloatArray, out: FloatArray | undefined): Promise<void> => {
    const threads = o.threads;
    switch (o.op) {
      case 'sigmoid':
        if (useAsync) await sx.sigmoidAsync(x, x, { threads });
        else sx.sigmoid(x, x);
        return;
      case 'softmax':
      case 'log-softmax': {
        const opts = temperature !== undefined ? { cols: cols!, out: x, temperature } : { cols: cols!, out: x };
        if (useAsync && o.op === 'softmax') await sx.softmaxAsync(x, { ...opts, threads });
        else if (useAsync) await sx.logSoftmaxAsync(x, { ...opts, threads });
        else if (o.op === 'softmax') sx.softmax(x, opts);
        else sx.logSoftmax(x, opts);
        return;
      }
      case 'logsumexp':
        if (useAsync) await sx.logSumExpAsync(x, { cols: cols!, out: out!, threads });
        else sx.logSumExp(x, { cols: cols!, out: out! });
        return;
    }
  };

  const total = plan.count !== undefined ? plan.count * item : undefined;
  let remaining = total;
  const startRead = (i: number): Promise<{ want: number; got: number }> => {
    const want = remaining === undefined ? chunkBytes : Math.min(chunkBytes, remaining);
    if (remaining !== undefined) remaining -= want;
    return handled(want === 0 ? Promise.resolve({ want, got: 0 }) : source.read(bufs[i % ring]!, 0, want).then((got) => ({ want, got })));
  };
  const writes: (Promise<void> | undefined)[] = new Array(ring).fill(undefined);
  let chain: Promise<void> = Promise.resolve();
  const pending: Promise<unknown>[] = [];
  let bytesDone = 0;
  let rowsDone = 0;
  let read = startRead(0);
  try {
    for (let i = 0; ; i++) {
      pending.length = 0;
      const { want, got } = await read;
      if (got < want && total !== undefined) {
        throw new NpyError(`${source.name} is truncated: it ended after ${bytesDone + got} of the ${total} data bytes its .npy header describes`);
      }
      if (got === 0) break;
      if (got % unitBytes !== 0) {
        const what = unit === 1 ? `a whole number of ${DTYPE_NAME[dtype]} values` : `a whole number of rows of ${cols} ${DTYPE_NAME[dtype]} values`;
        throw new CliError(`${source.name} ended after ${bytesDone + got} bytes, not ${what}`);
      }
      const last = total !== undefined ? remaining === 0 : got < want;
      if (!last && ring > 1) {
        const w = writes[(i + 1) % ring];
        if (w) await w; // chunk i+1-ring's write must be done before its buffer is read into again
        read = startRead(i + 1);
        pending.push(read);
      }
      const buf = bufs[i % ring]!;
      const elements = got / item;
      const x = view(dtype, buf, elements);
      const rows = cols ? elements / cols : elements;
      let out: Uint8Array;
      if (o.op === 'argmax') {
        const best = (outBufs as Int32Array[])[i % ring]!.subarray(0, rows);
        if (useAsync) await sx.argmaxAsync(x, { cols: cols!, out: best, threads: o.threads });
        else sx.argmax(x, { cols: cols!, out: best });
        out = plan.outFormat === 'csv' ? Buffer.from(best.length ? `${best.join('\n')}\n` : '') : new Uint8Array(best.buffer, best.byteOffset, best.byteLength);
      } else if (o.op === 'cross-entropy') {
        if (rowsDone + rows > targets!.length) {
          throw new CliError(`${o.targets} has ${plural(targets!.length, 'label')}, the input more rows: one label per row`);
        }
        const loss = (outBufs as FloatArray[])[i % ring]!.subarray(0, rows);
        const options = { cols: cols!, out: loss, ...(temperature !== undefined ? { temperature } : {}), ...(o.ignoreIndex !== undefined ? { ignoreIndex: o.ignoreIndex } : {}) };
        const labels = targets!.subarray(rowsDone, rowsDone + rows);
        if (useAsync) await sx.crossEntropyAsync(x, labels, { ...options, threads: o.threads });
        else sx.crossEntropy(x, labels, options);
        out = plan.outFormat === 'csv' ? Buffer.from(arrayCsv(loss, 1)) : bytesOf(loss);
      } else if (o.op === 'logsumexp') {
        const lse = (outBufs as FloatArray[])[i % ring]!.subarray(0, rows);
        await compute(x, lse);
        out = plan.outFormat === 'csv' ? Buffer.from(arrayCsv(lse, 1)) : bytesOf(lse);
      } else if (topk !== undefined) {
        // sigmax's topK: the k largest logits of each row with softmax(x/t) there, no softmax row formed
        const pairs = (outBufs as Float64Array[])[i % ring]!.subarray(0, rows * topk * 2);
        const options = { cols: cols!, ...(temperature !== undefined ? { temperature } : {}) };
        const best = useAsync ? await sx.topKAsync(x, topk, { ...options, threads: o.threads }) : sx.topK(x, topk, options);
        for (let j = 0; j < rows * topk; j++) (pairs[2 * j] = best.indices[j]!), (pairs[2 * j + 1] = best.values[j]!);
        out = plan.outFormat === 'csv' ? Buffer.from(topKCsv(pairs, rows, topk, rowsDone, f32)) : bytesOf(pairs);
      } else {
        await compute(x, undefined);
        out = plan.outFormat === 'csv' ? Buffer.from(arrayCsv(x, unit)) : buf.subarray(0, got);
      }
      chain = handled(chain.then(() => sink.write(out)));
      writes[i % ring] = chain;
      pending.push(chain);
      bytesDone += got;
      rowsDone += rows;
      progress?.update(bytesDone, last);
      if (last) break;
      if (ring === 1) {
        await chain;
        read = startRead(i + 1);
        pending.push(read);
      }
    }
    await chain;
  } catch (err) {
    // Let reads and writes in flight settle before the caller closes their files.
    await Promise.allSettled([...pending, chain]);
    throw err;
  }
  // rows: for sigmoid without a row length, one row per element (the output shape is then 1-D)
  return { rows: cols ? bytesDone / item / cols : bytesDone / item, bytes: bytesDone };
}
