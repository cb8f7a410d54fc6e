// The one loop behind every read and write of the CLI: repeat a step until all bytes are moved, and
// wait with back-off (1 ms, doubling to 50 ms) while a non-blocking pipe inherited from the parent says
// EAGAIN instead of spinning on it.

/**
 * Calls `step(done)` (bytes moved by that call; 0 at the end of the data) until `length` bytes are
 * done; on EAGAIN calls `pause(ms)` and tries again. Returns the bytes done; other errors propagate.
 */
export async function transferAll(
  length: number,
  step: (done: number) => number | Promise<number>,
  pause: (ms: number) => unknown,
): Promise<number> {
  let done = 0;
  let backoff = 1;
  while (done < length) {
    let n: number;
    try {
      n = await step(done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await pause(backoff);
      backoff = Math.min(backoff * 2, 50);
      continue;
    }
    backoff = 1;
    if (n === 0) break;
    done += n;
  }
  return done;
}
