#!/usr/bin/env bash
# The CLI on a large file: memory stays bounded, throughput near the copy speed.
#   bash scripts/cli-large-file.sh [GiB=4] [COLS=1024] [DIR=/tmp]
# Writes a (rows, COLS) float32 .npy of GiB GiB with a streaming writer, then runs, each under
# /usr/bin/time -v: `cp` of the file (the read+write baseline), sigmax softmax, sigmoid, logsumexp,
# softmax --top-k 5 file to file, softmax to /dev/null (read + compute, no disk writes; also with
# --threads 2), and softmax stdin | stdout through pipes next to a `cat | cat` baseline.
# Before each run: `sync` (no dirty pages of the previous run throttle this one) and a read of the
# input (served from the page cache when memory allows, the same for every run).
# Prints wall time, GB/s (input bytes / wall time) and max RSS for each; checks a sample of the
# softmax output against NumPy when python3 has it; deletes every file it made (also on Ctrl-C).
# Needs `npm run build:ts` first; /usr/bin/time (Debian package `time`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GIB=${1:-4}
COLS=${2:-1024}
DIR=${3:-/tmp}
WORK=$(mktemp -d "$DIR/sigmax-large-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
IN="$WORK/in.npy"
ROWS=$(( GIB * 1024 * 1024 * 1024 / 4 / COLS ))
SIGMAX=(node bin/sigmax.js)

echo "sigmax large-file run: $(date -u +%Y-%m-%dT%H:%MZ), node $(node --version), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "backend: $("${SIGMAX[@]}" info --json)"
node scripts/make-large-npy.mjs "$IN" "$ROWS" "$COLS"
BYTES=$(stat -c %s "$IN")
df -h "$WORK" | tail -1 | awk '{print "disk: " $1 ", " $4 " free"}'

# run NAME CMD...: one timed run; prints "NAME  wall s  GB/s  max RSS MB".
run() {
  local name=$1; shift
  local log="$WORK/time.log"
  rm -f "$WORK/out.npy" "$WORK/copy.npy"
  sync
  cat "$IN" > /dev/null
  /usr/bin/time -v -o "$log" "$@" 2> "$WORK/stderr.log"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  printf '%-40s %7.2f s  %5.2f GB/s  max RSS %6.1f MB\n' "$name" "$wall" "$(echo "$BYTES / $wall / 1000000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  grep -h '^sigmax ' "$WORK/stderr.log" | sed 's/^/    /' || true
}

run "cp (read + write baseline)" cp "$IN" "$WORK/copy.npy"
run "sigmax softmax file -> file" "${SIGMAX[@]}" softmax "$IN" -o "$WORK/out.npy"
if python3 -c 'import numpy' 2>/dev/null; then
  python3 - "$IN" "$WORK/out.npy" <<'PY'
import sys, numpy as np
x = np.load(sys.argv[1], mmap_mode='r'); y = np.load(sys.argv[2], mmap_mode='r')
assert x.shape == y.shape and y.dtype == np.float32, (x.shape, y.shape, y.dtype)
worst = 0.0
for r in list(range(0, 50)) + list(range(x.shape[0] - 50, x.shape[0])) + list(range(0, x.shape[0], x.shape[0] // 97)):
    z = x[r].astype(np.float64); e = np.exp(z - z.max()); p = e / e.sum()
    worst = max(worst, float(np.max(np.abs(y[r] - p) / np.maximum(p, 1e-30))))
print(f'    numpy check of {x.shape[0]} rows (sampled 200): max rel. error {worst:.2e}')
assert worst < 1e-5
PY
fi
run "sigmax sigmoid file -> file" "${SIGMAX[@]}" sigmoid "$IN" -o "$WORK/out.npy"
run "sigmax logsumexp file -> file" "${SIGMAX[@]}" logsumexp "$IN" -o "$WORK/out.npy"
run "sigmax softmax --top-k 5 file -> file" "${SIGMAX[@]}" softmax "$IN" --top-k 5 -o "$WORK/out.npy"
run "sigmax softmax file -> /dev/null" "${SIGMAX[@]}" softmax "$IN" -o /dev/null
run "sigmax softmax --threads 2 -> /dev/null" "${SIGMAX[@]}" softmax "$IN" --threads 2 -o /dev/null
run "cat | cat > /dev/null (pipe baseline)" bash -c "cat '$IN' | cat > /dev/null"
run "cat | sigmax softmax - | cat >/dev/null" bash -c "cat '$IN' | node bin/sigmax.js softmax - | cat > /dev/null"
