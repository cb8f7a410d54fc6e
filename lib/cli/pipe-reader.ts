// The pipe reader's thread (a worker_threads Worker started by lib/cli/io.ts): a pipe delivers at most
// its buffer (64 KiB) per read(), so filling a 4 MiB chunk takes dozens of reads; as thread-pool round
// trips from the JavaScript thread they would stall whenever it computes. This thread runs the blocking
// read loop instead, straight into the chunk's shared memory, in parallel.
// Messages in: { buf, off, len } (buf on a SharedArrayBuffer); out: { got } or { got, code, message }.
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { transferAll } from './transfer.js';

export interface ReadRequest {
  buf: Uint8Array;
  off: number;
  len: number;
}

export interface ReadResult {
  got: number;
  code?: string;
  message?: string;
}

const fd = (workerData as { fd: number }).fd;
const pause = new Int32Array(new SharedArrayBuffer(4));
/** 128 KiB requests: a pipe's reads are faster in cache-sized pieces than in one big request. */
const READ_BYTES = 128 * 1024;

parentPort!.on('message', ({ buf, off, len }: ReadRequest) => {
  let got = 0;
  const step = (done: number): number => {
    got = done;
    return fs.readSync(fd, buf, off + done, Math.min(len - done, READ_BYTES), null);
  };
  // The steps are synchronous, and so is the pause: this thread only ever waits for the pipe.
  transferAll(len, step, (ms) => Atomics.wait(pause, 0, 0, ms)).then(
    (done) => parentPort!.postMessage({ got: done } satisfies ReadResult),
    (err: NodeJS.ErrnoException) => parentPort!.postMessage({ got, code: err.code, message: err.message } satisfies ReadResult),
  );
});
