// A one-line progress bar on stderr (no dependency): bar, percent, bytes, rate and time left; redrawn
// at most 10 times a second; erased when done. With an unknown total it shows bytes and rate only.
// On a stream that is not a terminal (--progress into a log) it prints a plain line per second instead.

export class Progress {
  private last = 0;
  private drawn = false;
  private readonly started = performance.now();
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  update(done: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.last < (this.tty ? 100 : 1000)) return;
    this.last = now;
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const width = Math.max(40, Math.min(this.stream.columns || 80, 120));
    let right = `${gb(done)}${this.total !== undefined ? `/${gb(this.total)}` : ''} GB  ${(rate / 1e9).toFixed(2)} GB/s`;
    let line: string;
    if (this.total !== undefined && this.total > 0) {
      const frac = Math.min(1, done / this.total);
      const eta = rate > 0 ? (this.total - done) / rate : 0;
      right = `${(frac * 100).toFixed(0).padStart(3)}%  ${right}  ETA ${eta.toFixed(0)}s`;
      const barWidth = Math.max(10, width - this.label.length - right.length - 6);
      const full = Math.round(frac * barWidth);
      line = `${this.label} [${'#'.repeat(full)}${'-'.repeat(barWidth - full)}] ${right}`;
    } else {
      line = `${this.label} ${right}`;
    }
    if (this.tty) {
      this.stream.write(`\r${line.slice(0, width - 1)}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Erases the bar (the summary line follows on a clean line). */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(2);
}
