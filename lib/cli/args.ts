// Command-line parsing for `sigmax`: no dependencies, strict (an unknown option or a bad value is a
// usage error naming the option), GNU-style `--name value`, `--name=value`, `-o value`, `--`.

/** A usage error: exit code 2, one line on stderr. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const OPS = ['sigmoid', 'softmax', 'log-softmax', 'logsumexp', 'argmax', 'cross-entropy'] as const;
export type Op = (typeof OPS)[number];
export const ROW_OPS: readonly Op[] = ['softmax', 'log-softmax', 'logsumexp', 'argmax', 'cross-entropy'];

export type InFormat = 'npy' | 'f32' | 'f64';
export type OutFormat = InFormat | 'csv';

export interface RunOptions {
  op: Op;
  input: string;
  output: string; // '-' for stdout
  format?: InFormat;
  outFormat?: OutFormat;
  cols?: number;
  temperature?: number;
  topK?: number;
  /** cross-entropy: the .npy file of int32/int64 labels, one per row */
  targets?: string;
  ignoreIndex?: number;
  threads?: number;
  backend?: 'js' | 'native';
  isa?: string;
  chunkSize: number;
  quiet: boolean;
  progress: boolean;
}

export type Command =
  | { kind: 'help'; topic?: Op | 'info' }
  | { kind: 'version' }
  | { kind: 'info'; json: boolean; backend?: 'js' | 'native'; isa?: string }
  | { kind: 'run'; options: RunOptions };

export const DEFAULT_CHUNK = 4 << 20;

interface Spec {
  name: string;
  short?: string;
  takesValue: boolean;
}

const RUN_SPECS: Spec[] = [
  { name: 'output', short: 'o', takesValue: true },
  { name: 'format', takesValue: true },
  { name: 'out-format', takesValue: true },
  { name: 'cols', takesValue: true },
  { name: 'temperature', short: 't', takesValue: true },
  { name: 'top-k', short: 'k', takesValue: true },
  { name: 'targets', takesValue: true },
  { name: 'ignore-index', takesValue: true },
  { name: 'threads', takesValue: true },
  { name: 'backend', takesValue: true },
  { name: 'isa', takesValue: true },
  { name: 'chunk-size', takesValue: true },
  { name: 'quiet', short: 'q', takesValue: false },
  { name: 'progress', takesValue: false },
  { name: 'help', short: 'h', takesValue: false },
];
const INFO_SPECS: Spec[] = [
  { name: 'json', takesValue: false },
  { name: 'backend', takesValue: true },
  { name: 'isa', takesValue: true },
  { name: 'help', short: 'h', takesValue: false },
];

/** Splits argv into options (last one wins) and positionals, against `specs`. */
function scan(argv: string[], specs: Spec[], context: string): { opts: Map<string, string>; positionals: string[] } {
  const opts = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-') || /^-\d|^-\.\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    let spec: Spec | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = specs.find((s) => s.name === name);
    } else {
      name = arg.slice(1, 2);
      inline = arg.length > 2 ? arg.slice(2).replace(/^=/, '') : undefined;
      spec = specs.find((s) => s.short === name);
    }
    if (!spec) {
      throw new UsageError(`unknown option '${arg.replace(/=.*$/, '')}' for ${context} (see sigmax ${context === 'sigmax' ? '' : `${context} `}--help)`.replace('  ', ' '));
    }
    if (spec.takesValue) {
      let value = inline;
      if (value === undefined) {
        const next = argv[i + 1];
        // The next word is a value unless it looks like another option ('-' and negative numbers are values).
        if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-[\d.]/.test(next))) {
          throw new UsageError(`option --${spec.name} needs a value`);
        }
        value = argv[++i]!;
      }
      opts.set(spec.name, value);
    } else {
      if (inline !== undefined) throw new UsageError(`option --${spec.name} takes no value`);
      opts.set(spec.name, '');
    }
  }
  return { opts, positionals };
}

function positiveInt(name: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${name} must be a positive integer, got '${text}'`);
  const v = Number(text);
  if (v < 1) throw new UsageError(`--${name} must be a positive integer, got '${text}'`);
  if (v > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}, got '${text}'`);
  return v;
}

/** `4M`, `64k`, `1048576`, `1G` → bytes. */
function byteSize(name: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?$/.exec(text.trim());
  if (!m) throw new UsageError(`--${name} must be a size in bytes such as 4M, 512k or 1048576, got '${text}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const v = Math.floor(Number(m[1]) * mult);
  if (v < 1 || v > 2 ** 31) throw new UsageError(`--${name} must be between 1 byte and 2G, got '${text}'`);
  return v;
}

function oneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${text}'`);
  }
  return text as T;
}

const ISAS = ['scalar', 'sse2', 'avx2', 'avx512', 'neon'] as const;

export function parseArgs(argv: string[]): Command {
  const first = argv[0];
  if (first === undefined) return { kind: 'help' };
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = argv[1];
    if (topic === undefined) return { kind: 'help' };
    if ((OPS as readonly string[]).includes(topic) || topic === 'info') return { kind: 'help', topic: topic as Op | 'info' };
    throw new UsageError(`no help for '${topic}': the commands are ${OPS.join(', ')}, info`);
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    if (argv.length > 1) throw new UsageError(`${first} takes no arguments`);
    return { kind: 'version' };
  }
  if (first === 'info') {
    const { opts, positionals } = scan(argv.slice(1), INFO_SPECS, 'info');
    if (opts.has('help')) return { kind: 'help', topic: 'info' };
    if (positionals.length > 0) throw new UsageError(`info takes no arguments, got '${positionals[0]}'`);
    const backend = opts.has('backend') ? oneOf('backend', opts.get('backend')!, ['js', 'native'] as const) : undefined;
    const isa = opts.has('isa') ? oneOf('isa', opts.get('isa')!, ISAS) : undefined;
    return { kind: 'info', json: opts.has('json'), backend, isa };
  }
  if (!(OPS as readonly string[]).includes(first)) {
    const hint = first.startsWith('-') ? 'a command comes first' : `unknown command '${first}'`;
    throw new UsageError(`${hint}: use one of ${OPS.join(', ')}, info (see sigmax --help)`);
  }
  const op = first as Op;
  const { opts, positionals } = scan(argv.slice(1), RUN_SPECS, op);
  if (opts.has('help')) return { kind: 'help', topic: op };
  if (positionals.length === 0) throw new UsageError(`${op} needs an input file (or - for stdin): sigmax ${op} INPUT [-o OUTPUT]`);
  if (positionals.length > 1) {
    throw new UsageError(`${op} takes one input, got ${positionals.length} ('${positionals.join("', '")}'); write the output with -o`);
  }
  const options: RunOptions = {
    op,
    input: positionals[0]!,
    output: opts.get('output') ?? '-',
    chunkSize: opts.has('chunk-size') ? byteSize('chunk-size', opts.get('chunk-size')!) : DEFAULT_CHUNK,
    quiet: opts.has('quiet'),
    progress: opts.has('progress'),
  };
  if (options.output === '') throw new UsageError('--output must not be empty (use - for stdout)');
  if (opts.has('format')) options.format = oneOf('format', opts.get('format')!, ['npy', 'f32', 'f64'] as const);
  if (opts.has('out-format')) options.outFormat = oneOf('out-format', opts.get('out-format')!, ['npy', 'f32', 'f64', 'csv'] as const);
  if (opts.has('cols')) options.cols = positiveInt('cols', opts.get('cols')!);
  if (opts.has('threads')) options.threads = positiveInt('threads', opts.get('threads')!, 1024);
  if (opts.has('backend')) options.backend = oneOf('backend', opts.get('backend')!, ['js', 'native'] as const);
  if (opts.has('isa')) options.isa = oneOf('isa', opts.get('isa')!, ISAS);
  if (opts.has('temperature')) {
    const text = opts.get('temperature')!;
    const t = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(t) || t <= 0) throw new UsageError(`--temperature must be a finite number > 0, got '${text}'`);
    if (op !== 'softmax' && op !== 'log-softmax' && op !== 'cross-entropy') {
      throw new UsageError(`--temperature applies to softmax, log-softmax and cross-entropy, not ${op}`);
    }
    options.temperature = t;
  }
  if (opts.has('top-k')) {
    if (op !== 'softmax') throw new UsageError(`--top-k applies to softmax only, not ${op}`);
    options.topK = positiveInt('top-k', opts.get('top-k')!);
  }
  if (opts.has('targets') !== (op === 'cross-entropy')) {
    throw new UsageError(op === 'cross-entropy' ? 'cross-entropy needs --targets LABELS.npy (int32 or int64, one label per row)' : `--targets applies to cross-entropy only, not ${op}`);
  }
  if (opts.has('targets')) options.targets = opts.get('targets')!;
  if (opts.has('ignore-index')) {
    const text = opts.get('ignore-index')!;
    if (op !== 'cross-entropy') throw new UsageError(`--ignore-index applies to cross-entropy only, not ${op}`);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) throw new UsageError(`--ignore-index must be an integer, got '${text}'`);
    options.ignoreIndex = Number(text);
  }
  if (options.quiet && options.progress) throw new UsageError('--quiet and --progress contradict each other');
  return { kind: 'run', options };
}
