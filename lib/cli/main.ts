// The `sigmax` command line. bin/sigmax.js calls main(argv); the exit code comes back as a number.
// The backend options are turned into SIGMAX_BACKEND/SIGMAX_ISA before sigmax itself is loaded
// (it reads them once, at load), which is why `../index.js` is required lazily here.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Command, parseArgs, UsageError } from './args.js';
import { INFO_HELP, mainHelp, opHelp } from './help.js';
import { BrokenPipe, CliError } from './io.js';
import { NpyError } from './npy.js';
import { activeSink, runOp, type Sigmax, type Summary } from './run.js';

/** The package root: dist/cjs/cli/ sits three levels below it. */
const packageRoot = path.join(__dirname, '..', '..', '..');

export function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Where the CLI's own text goes: help/info on `out`, messages and the summary on `err`. */
export interface CliIo {
  out(text: string): void;
  err(line: string): void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** One line, whatever the error carried (node-gyp-build's messages span lines). */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim();
}

function loadSigmax(backend?: string, isa?: string): Sigmax {
  if (backend !== undefined) process.env.SIGMAX_BACKEND = backend;
  if (isa !== undefined) process.env.SIGMAX_ISA = isa;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../index.js') as Sigmax;
  } catch (err) {
    throw new CliError(`cannot load the ${backend ?? 'requested'} backend: ${oneLine((err as Error).message).replace(/^sigmax: /, '')}`);
  }
}

function backendText(sx: Sigmax): string {
  return sx.backend.kind === 'native' ? `native ${sx.backend.isa}` : 'js';
}

function addonPath(sx: Sigmax): string | undefined {
  if (sx.backend.kind !== 'native') return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const resolve = (require('node-gyp-build') as { resolve(dir: string): string }).resolve;
    return resolve(packageRoot);
  } catch {
    return undefined;
  }
}

function info(cmd: Extract<Command, { kind: 'info' }>, io: CliIo): void {
  const sx = loadSigmax(cmd.backend, cmd.isa);
  const addon = addonPath(sx);
  const source = addon === undefined ? undefined : /[\\/]prebuilds[\\/]/.test(addon) ? 'prebuilt binary' : 'local build';
  const threads = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const data = {
    version: version(),
    backend: sx.backend.kind,
    isa: sx.backend.isa,
    isas: [...sx.backend.isas],
    threads,
    addon: addon ?? null,
    addonSource: source ?? null,
    node: process.version,
    napi: process.versions.napi,
    platform: `${process.platform}-${process.arch}`,
  };
  if (cmd.json) {
    io.out(`${JSON.stringify(data)}\n`);
    return;
  }
  const lines = [
    `sigmax ${data.version}`,
    `backend:  ${data.backend}${data.backend === 'native' ? ` (${data.isa})` : ''}`,
    `isas:     ${data.isas.length ? data.isas.join(', ') : 'none (the native addon is not loaded)'}`,
    `threads:  ${threads} available; --threads uses the async API`,
    `addon:    ${addon ? `${addon} (${source})` : 'not loaded: the pure-TypeScript backend runs'}`,
    `node:     ${data.node} (N-API ${data.napi}), ${data.platform}`,
  ];
  io.out(`${lines.join('\n')}\n`);
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function summaryLine(op: string, s: Summary, sx: Sigmax, threads: number): string {
  const rate = s.seconds > 0 ? s.bytes / s.seconds / 1e9 : 0;
  const shape = s.cols !== undefined ? `${s.rows} rows × ${s.cols}, ` : '';
  return (
    `sigmax ${op}: ${shape}${s.elements} elements (${formatBytes(s.bytes)} ${s.dtype === 'f32' ? 'float32' : 'float64'}) ` +
    `in ${s.seconds.toFixed(3)} s, ${rate.toFixed(2)} GB/s, ${backendText(sx)}, ${threads} thread${threads === 1 ? '' : 's'}`
  );
}

let signalsInstalled = false;

/**
 * Ctrl-C or kill: delete the temporary output file, then die of the same signal (the default action,
 * re-raised), so the exit status says so and a reader thread blocked on a pipe cannot delay it.
 */
function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      activeSink?.abort();
      processIo.err(`sigmax: interrupted (${sig}); no output file written`);
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/** Runs the command line; resolves to the exit code. Never throws. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const say = io.err;
  try {
    const cmd = parseArgs(argv);
    switch (cmd.kind) {
      case 'help':
        if (cmd.topic === 'info') io.out(INFO_HELP);
        else if (cmd.topic) io.out(opHelp(cmd.topic));
        else io.out(mainHelp(version()));
        return 0;
      case 'version':
        io.out(`${version()}\n`);
        return 0;
      case 'info':
        info(cmd, io);
        return 0;
      case 'run': {
        const o = cmd.options;
        const sx = loadSigmax(o.backend, o.isa);
        installSignalHandlers();
        const summary = await runOp(o, sx);
        const threads = o.threads ?? 1;
        if (!o.quiet) say(summaryLine(o.op, summary, sx, threads));
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof BrokenPipe) return 141; // the reader went away (| head): quiet, like SIGPIPE
    if (err instanceof UsageError) {
      say(`sigmax: ${err.message}`);
      return 2;
    }
    if (err instanceof CliError) {
      say(`sigmax: ${err.message}`);
      return err.exitCode;
    }
    if (err instanceof NpyError) {
      say(`sigmax: ${err.message}`);
      return 1;
    }
    if (err instanceof RangeError && /Array buffer allocation failed|Invalid typed array length/.test(err.message)) {
      say('sigmax: out of memory for the chunk buffers: try a smaller --chunk-size');
      return 1;
    }
    // Anything else is a bug in sigmax: still one line, the stack only on request.
    const e = err as Error;
    say(`sigmax: internal error: ${oneLine(e?.message ?? String(err))}${process.env.SIGMAX_DEBUG ? `\n${e?.stack}` : ' (set SIGMAX_DEBUG=1 for details)'}`);
    return 70;
  }
}
