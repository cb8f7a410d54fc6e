// Byte sources and sinks for the CLI: regular files, pipes, stdin/stdout. Reads and writes go through
// libuv's thread pool (fs.read/fs.write), so they overlap the computation on the JavaScript thread.
// An output file is written to a temporary file in the same directory and renamed over the target
// only on success; on failure (or Ctrl-C) the temporary file is removed, so no partial output stays.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { Worker } from 'node:worker_threads';
import type { ReadRequest, ReadResult } from './pipe-reader.js';
import { transferAll } from './transfer.js';

/** A problem the user can fix (a file, a format, a value): exit code 1, one line on stderr. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** One line for an fs error, naming the file and the cause without errno noise. */
export function describeFsError(err: unknown, what: string): string {
  const e = err as NodeJS.ErrnoException;
  const causes: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    ENOTDIR: 'a parent path is not a directory',
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'file too large',
    EIO: 'input/output error',
    EMFILE: 'too many open files',
    ENAMETOOLONG: 'file name too long',
    ELOOP: 'too many symbolic links',
    EEXIST: 'file exists',
    EINVAL: 'invalid argument',
    EPIPE: 'broken pipe',
    EBADF: 'not open',
  };
  const cause = (e && e.code && causes[e.code]) ?? (e && e.message) ?? String(err);
  return `${what}: ${cause}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readAsync(fd: number, buf: Uint8Array, off: number, len: number, pos: number | null): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

function writeAsync(fd: number, buf: Uint8Array, off: number, len: number, pos: number | null): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, buf, off, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

// ---------------------------------------------------------------------------------------------
// Sources

export interface Source {
  /** What to call it in messages. */
  readonly name: string;
  /** Bytes from the current position to the end, when known (regular files); undefined for pipes. */
  readonly size: number | undefined;
  /** Reads are fastest into memory on a SharedArrayBuffer (the pipe reader's thread writes it directly). */
  readonly wantsShared: boolean;
  /** Fills buf[off, off + len) as far as the data goes; returns the bytes read (fewer only at the end). */
  read(buf: Uint8Array, off: number, len: number): Promise<number>;
  close(): void;
}

class FdSource implements Source {
  readonly wantsShared = false;
  private pos: number | null;
  constructor(
    readonly name: string,
    private readonly fd: number,
    readonly size: number | undefined,
    seekable: boolean,
    private readonly owned: boolean,
  ) {
    this.pos = seekable ? 0 : null;
  }

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    const step = async (done: number): Promise<number> => {
      const n = await readAsync(this.fd, buf, off + done, len - done, this.pos);
      if (this.pos !== null) this.pos += n;
      return n;
    };
    try {
      return await transferAll(len, step, sleep);
    } catch (err) {
      throw new CliError(describeFsError(err, `cannot read ${this.name}`));
    }
  }

  close(): void {
    if (this.owned) fs.closeSync(this.fd);
  }
}

class PipeSource implements Source {
  readonly size = undefined;
  readonly wantsShared = true;
  private readonly worker: Worker;
  private waiting: ((m: ReadResult) => void) | undefined;
  private failed: Error | undefined;
  private scratch = new Uint8Array(new SharedArrayBuffer(64 * 1024));

  constructor(
    readonly name: string,
    fd: number,
    private readonly ownedFd: number | undefined,
  ) {
    // A pipe is read on its own thread: see lib/cli/pipe-reader.ts.
    this.worker = new Worker(path.join(__dirname, 'pipe-reader.js'), { workerData: { fd } });
    this.worker.unref(); // referenced only while a read is pending
    this.worker.on('message', (m) => {
      this.worker.unref();
      const w = this.waiting;
      this.waiting = undefined;
      w?.(m);
    });
    this.worker.on('error', (err) => {
      this.failed = err;
      const w = this.waiting;
      this.waiting = undefined;
      w?.({ got: 0, message: err.message });
    });
  }

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    if (len === 0) return 0;
    const shared = buf.buffer instanceof SharedArrayBuffer;
    if (!shared && this.scratch.length < len) this.scratch = new Uint8Array(new SharedArrayBuffer(len));
    const target = shared ? buf : this.scratch;
    const m = await new Promise<ReadResult>((resolve) => {
      if (this.failed) return resolve({ got: 0, message: this.failed.message });
      this.waiting = resolve;
      this.worker.ref();
      this.worker.postMessage({ buf: target, off: shared ? off : 0, len } satisfies ReadRequest);
    });
    if (m.message !== undefined) {
      throw new CliError(describeFsError(Object.assign(new Error(m.message), { code: m.code }), `cannot read ${this.name}`));
    }
    if (!shared) buf.set(this.scratch.subarray(0, m.got), off);
    return m.got;
  }

  close(): void {
    void this.worker.terminate();
    if (this.ownedFd !== undefined) fs.closeSync(this.ownedFd);
  }
}

/** Opens the input: a path, or '-' for stdin. Refuses a directory and a terminal. */
export function openSource(input: string): Source {
  if (input === '-') {
    // tty.isatty, not process.stdin: creating that stream would make a pipe non-blocking.
    if (tty.isatty(0)) throw new CliError('refusing to read binary data from a terminal: pipe or redirect a file into stdin, or name the input file', 2);
    // A file redirected into stdin: sequential reads from its current position. A pipe: the reader thread.
    let st: fs.Stats;
    try {
      st = fs.fstatSync(0);
    } catch (err) {
      throw new CliError(describeFsError(err, 'cannot read stdin'));
    }
    if (st.isFile()) return new FdSource('stdin', 0, undefined, false, false);
    return new PipeSource('stdin', 0, undefined);
  }
  let fd: number;
  try {
    fd = fs.openSync(input, 'r');
  } catch (err) {
    throw new CliError(describeFsError(err, `cannot open input '${input}'`));
  }
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) {
    fs.closeSync(fd);
    throw new CliError(`cannot read input '${input}': is a directory`);
  }
  if (!st.isFile()) return new PipeSource(`'${input}'`, fd, fd); // a FIFO or a character device
  return new FdSource(`'${input}'`, fd, st.size, true, true);
}

// ---------------------------------------------------------------------------------------------
// Sinks

export interface Sink {
  readonly name: string;
  /** Whether writeAt works (a regular file we own). */
  readonly seekable: boolean;
  /** Writes all of `data`; resolves once the bytes are handed to the OS (data may be reused then). */
  write(data: Uint8Array): Promise<void>;
  /** Overwrites bytes at `position` (seekable sinks only). */
  writeAt(data: Uint8Array, position: number): Promise<void>;
  /** Finishes: close, and rename the temporary file over the target. */
  commit(): Promise<void>;
  /** Gives up: close and delete the temporary file. Synchronous, safe to call twice and from signal handlers. */
  abort(): void;
}

class FdSink implements Sink {
  private pos = 0;
  private closed = false;
  constructor(
    readonly name: string,
    private readonly fd: number,
    readonly seekable: boolean,
    private readonly temp: string | undefined,
    private readonly target: string | undefined,
  ) {}

  async write(data: Uint8Array): Promise<void> {
    const step = async (done: number): Promise<number> => {
      const n = await writeAsync(this.fd, data, done, data.length - done, this.seekable ? this.pos : null);
      this.pos += n;
      return n;
    };
    await this.transfer(data.length, step);
  }

  async writeAt(data: Uint8Array, position: number): Promise<void> {
    if (!this.seekable) throw new Error('writeAt on a stream');
    await this.transfer(data.length, (done) => writeAsync(this.fd, data, done, data.length - done, position + done));
  }

  private async transfer(length: number, step: (done: number) => Promise<number>): Promise<void> {
    try {
      await transferAll(length, step, sleep);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') throw new BrokenPipe();
      throw new CliError(describeFsError(err, `cannot write ${this.name}`));
    }
  }

  async commit(): Promise<void> {
    if (this.temp === undefined) return;
    try {
      fs.closeSync(this.fd);
      this.closed = true;
      fs.renameSync(this.temp, this.target!);
    } catch (err) {
      this.abort();
      throw new CliError(describeFsError(err, `cannot write ${this.name}`));
    }
  }

  abort(): void {
    if (this.temp === undefined) return;
    if (!this.closed) {
      this.closed = true;
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    try {
      fs.unlinkSync(this.temp);
    } catch {
      // already gone
    }
  }
}

/** stdout closed by the reader (`| head`): stop quietly, like a program killed by SIGPIPE. */
export class BrokenPipe extends Error {
  override name = 'BrokenPipe';
}

/**
 * Opens the output: '-' for stdout, a regular file (through a temporary file renamed on commit), or
 * an existing non-regular file such as /dev/null or a FIFO (written directly).
 */
export function openSink(output: string, binary: boolean): Sink {
  if (output === '-') {
    if (binary && tty.isatty(1)) {
      throw new CliError('refusing to write binary data to a terminal: give -o FILE, pipe the output, or use --out-format csv', 2);
    }
    return new FdSink('stdout', 1, false, undefined, undefined);
  }
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(output);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) throw new CliError(`cannot write output '${output}': is a directory`);
  if (existing && !existing.isFile()) {
    let fd: number;
    try {
      fd = fs.openSync(output, 'w');
    } catch (err) {
      throw new CliError(describeFsError(err, `cannot open output '${output}'`));
    }
    return new FdSink(`'${output}'`, fd, false, undefined, undefined);
  }
  const dir = path.dirname(path.resolve(output));
  const temp = path.join(dir, `.${path.basename(output)}.sigmax-${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(temp, 'wx', existing ? existing.mode & 0o777 : 0o666);
  } catch (err) {
    throw new CliError(describeFsError(err, `cannot write output '${output}'`));
  }
  return new FdSink(`'${output}'`, fd, true, temp, output);
}
