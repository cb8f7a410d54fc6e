// The text of `sigmax --help` and `sigmax <command> --help`.
import type { Op } from './args.js';

const COMMON = `
Input and output
  INPUT            a .npy file (float32 or float64, little-endian, C order), a raw .f32/.f64 file of
                   little-endian values, or - for stdin. The last axis of a .npy array is the row.
  -o, --output P   where to write (default: - = stdout). The temporary file P.sigmax-*.tmp in P's
                   directory is renamed to P on success and deleted on failure: never a partial file.
  --format F       input format npy|f32|f64 (default: from INPUT's extension; npy for stdin)
  --out-format F   output format npy|f32|f64|csv (default: from P's extension, else as the input;
                   npy for --top-k). The output keeps the input's dtype; .npy keeps its shape.
  --cols N         row length: needed for raw input to the row-wise commands (a .npy has its shape);
                   with a .npy it reinterprets the data as rows of N (N must divide the element count)

Execution
  --backend B      js|native: force the pure-TypeScript or the native backend (SIGMAX_BACKEND)
  --isa I          cap the native instruction set: scalar|sse2|avx2|avx512|neon (SIGMAX_ISA)
  --threads N      compute each chunk on N threads (the async API; default: 1, the synchronous API on
                   this thread); helps when the data comes from memory, not when I/O-bound
  --chunk-size S   bytes read per chunk, rounded down to whole rows (default 4M; a larger row is
                   read whole). Memory use is about 3 × S, whatever the file size.
  -q, --quiet      no progress bar, no summary line
  --progress       show progress even when stderr is not a terminal (one line a second)
  -h, --help       this help

A progress bar appears on stderr when it is a terminal and the input is over 8 MB. Unless --quiet, a
summary line follows on stderr: rows, elements, seconds, GB/s (input bytes), backend.
Errors print one line on stderr; exit status 1 for a bad input or I/O error, 2 for a usage error.`;

const OP_HELP: Record<Op, string> = {
  sigmoid: `sigmax sigmoid INPUT [-o OUTPUT] [options]

Element-wise logistic sigmoid, y = 1 / (1 + e^-x), within 2 ulp. The output has the input's shape
and dtype. Rows do not matter (--cols only shapes CSV lines and raw-to-.npy output).

Examples
  sigmax sigmoid logits.npy -o probs.npy
  sigmax sigmoid scores.f32 -o probs.f32
  cat scores.f64 | sigmax sigmoid - --format f64 > probs.f64`,

  softmax: `sigmax softmax INPUT [-o OUTPUT] [--temperature T] [--top-k K] [options]

Row-wise softmax over the last axis (or rows of --cols values): y_i = e^(x_i/T - m) / sum_j e^(x_j/T - m),
stable for any finite input. The output has the input's shape and dtype.

  -t, --temperature T   divide the logits by T > 0 first (default 1; < 1 sharpens, > 1 flattens)
  -k, --top-k K         instead of the full rows, write the K most probable classes of each row, best
                        first (ties: lower index first; a NaN logit ranks last). The full rows are
                        never formed. As .npy: float64 array of shape
                        (...rows, K, 2) where [..., j, 0] is the class index and [..., j, 1] its
                        probability. As CSV (-o out.csv): lines row,rank,index,probability with
                        rank 1..K and row the flat row number from 0.

Examples
  sigmax softmax logits.npy -o probs.npy
  sigmax softmax logits.npy --top-k 5 -o top5.csv
  sigmax softmax logits.f32 --cols 1000 --temperature 0.7 -o probs.f32
  python3 -c 'import numpy as np, sys; np.save(sys.stdout.buffer, np.random.randn(4, 10))' | sigmax softmax - --top-k 3 --out-format csv`,

  'log-softmax': `sigmax log-softmax INPUT [-o OUTPUT] [--temperature T] [options]

Row-wise log-softmax over the last axis (or rows of --cols values): y_i = (x_i/T - m) - log sum_j e^(x_j/T - m).
The output has the input's shape and dtype.

  -t, --temperature T   divide the logits by T > 0 first (default 1)

Examples
  sigmax log-softmax logits.npy -o logprobs.npy
  sigmax log-softmax logits.f64 --cols 50000 -o logprobs.f64`,

  logsumexp: `sigmax logsumexp INPUT [-o OUTPUT] [options]

One value per row: m + log sum_j e^(x_j - m). A .npy output drops the last axis: (a, b, c) gives (a, b);
raw output has one value per row.

Examples
  sigmax logsumexp logits.npy -o lse.npy
  sigmax logsumexp logits.f32 --cols 1000 --out-format csv`,

  argmax: `sigmax argmax INPUT [-o OUTPUT] [options]

One index per row: the position of the row's largest value (ties: the lowest index; a row holding a NaN:
its first NaN). Written as int32: a .npy output drops the last axis, CSV has one index a line.

Examples
  sigmax argmax logits.npy -o predicted.npy
  sigmax argmax logits.f32 --cols 10 --out-format csv`,

  'cross-entropy': `sigmax cross-entropy INPUT --targets LABELS.npy [-o OUTPUT] [--ignore-index I] [--temperature T] [options]

One loss per row: -log softmax(x/T)[label] = logsumexp(x/T) - x[label]/T, without forming the softmax rows.
The output has the input's dtype; a .npy output drops the last axis.

  --targets LABELS.npy  the labels, int32 or int64 .npy, one per row (any shape with that many elements),
                        each in [0, row length) unless it equals --ignore-index
  --ignore-index I      rows labelled I give 0 (e.g. -100)
  -t, --temperature T   divide the logits by T > 0 first (default 1)

Examples
  sigmax cross-entropy logits.npy --targets labels.npy -o loss.npy
  sigmax cross-entropy logits.npy --targets labels.npy --ignore-index -100 --out-format csv`,
};

export function mainHelp(version: string): string {
  return `sigmax ${version}: fast, accurate sigmoid and softmax over NumPy .npy and raw float files, streamed.

Usage
  sigmax <command> INPUT [-o OUTPUT] [options]
  sigmax info [--json]         backend, instruction sets, threads, version
  sigmax <command> --help      the options and examples of one command
  sigmax --version

Commands
  sigmoid       element-wise 1 / (1 + e^-x)
  softmax       row-wise softmax (--temperature, --top-k K)
  log-softmax   row-wise log-softmax (--temperature)
  logsumexp     one log-sum-exp per row
  argmax        one index per row: the largest value's
  cross-entropy one loss per row against --targets LABELS.npy
${COMMON}

Examples
  sigmax softmax logits.npy -o probs.npy              # (rows, classes) float32 -> same shape
  sigmax softmax logits.npy --top-k 5 -o top5.csv     # row,rank,index,probability
  sigmax logsumexp logits.f32 --cols 1000 -o lse.f32  # raw float32, rows of 1000
  cat logits.npy | sigmax log-softmax - > out.npy     # stdin to stdout
  sigmax info
`;
}

export function opHelp(op: Op): string {
  return `${OP_HELP[op]}\n${COMMON}\n`;
}

export const INFO_HELP = `sigmax info [--json] [--backend js|native] [--isa I]

Prints the version, the backend that runs (native or js) with its instruction set, the instruction
sets this CPU and build offer, the threads available, where the native addon was loaded from
(a prebuilt binary or a local build), and Node's version. --json prints the same as one JSON object.
`;
