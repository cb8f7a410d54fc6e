#!/usr/bin/env bash
# npm run test:asan — builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (CMakeLists.txt,
# -DSIGMAX_SANITIZE=ON, through cmake-js, offline) into build-asan/, then runs the whole vitest suite
# against it once per path (every ISA the addon offers here, and the pure-TS path) with test/run-all.mjs,
# and fails on any test failure or any sanitizer report.
#
# How the sanitized addon gets loaded: node itself is not instrumented, so the sanitizer runtimes are
# preloaded into every node process (LD_PRELOAD=libasan.so:libubsan.so — ASan's must come first), and
# SIGMAX_PREBUILD=build-asan makes node-gyp-build (which lib/native.ts calls with the package root) look
# for build-asan/build/Release/*.node instead of build/Release. Both are inherited by the processes the
# tests spawn (CLI, child-process checks).
#
# ASAN_OPTIONS=detect_leaks=0: LeakSanitizer would report memory V8 and Node deliberately never free at
#   exit (isolate, snapshot, code space), thousands of "leaks" unrelated to the addon; leaks are the soak
#   test's job (RSS over 10^6 calls). Out-of-bounds, use-after-free, double free and UB still abort.
# Reports go to build-asan/logs/ (log_path), one file per process that reported, so a report in a child
# process whose stderr a test swallows still counts. The C++ `kernels` path is skipped (it is its own
# g++ build, not the addon); pass SIGMAX_TEST_PATHS to choose paths, extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/build-asan
logs=$out/logs

if [[ "$(uname -s)" != Linux ]]; then echo "test-asan: Linux only (LD_PRELOAD of GCC's sanitizer runtimes)" >&2; exit 1; fi
started=$SECONDS

echo "== building the sanitized addon into build-asan/ (cmake-js, -DSIGMAX_SANITIZE=ON)"
node node_modules/cmake-js/bin/cmake-js build --out "$out/build" --CDSIGMAX_SANITIZE=ON --log-level warn
addon=$out/build/Release/sigmax.node
[[ -f $addon ]] || { echo "test-asan: $addon was not built" >&2; exit 1; }

echo "== building the TypeScript"
npm run --silent build:ts

asan_rt=$(g++ -print-file-name=libasan.so)
ubsan_rt=$(g++ -print-file-name=libubsan.so)
for rt in "$asan_rt" "$ubsan_rt"; do
  [[ -e $rt ]] || { echo "test-asan: sanitizer runtime $rt not found (install GCC's libasan/libubsan)" >&2; exit 1; }
done

rm -rf "$logs"; mkdir -p "$logs"
export LD_PRELOAD="$asan_rt:$ubsan_rt${LD_PRELOAD:+:$LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:log_path=$logs/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export SIGMAX_PREBUILD=$out

# The loader must pick the sanitized binary; ask it, with the same environment the tests get.
loaded=$(node -e "process.stdout.write(require('node-gyp-build').path(process.argv[1]))" "$root")
echo "== node-gyp-build resolves: $loaded"
[[ $loaded == "$addon" ]] || { echo "test-asan: the loader picked $loaded, not $addon" >&2; exit 1; }
isas=$(node -e "process.stdout.write(require('sigmax').backend.isas.join(','))")
[[ -n $isas ]] || { echo "test-asan: the sanitized addon did not load" >&2; exit 1; }
export SIGMAX_TEST_PATHS=${SIGMAX_TEST_PATHS:-$isas,js}
echo "== paths: $SIGMAX_TEST_PATHS"

status=0
node test/run-all.mjs "$@" || status=$?

reports=$(find "$logs" -type f | wc -l)
if (( reports > 0 )); then
  echo "== sanitizer reports: $reports" >&2
  for f in "$logs"/*; do echo "---- $f" >&2; cat "$f" >&2; done
  status=1
fi
echo "== test:asan: tests exit status $status, sanitizer reports $reports, $((SECONDS - started))s"
exit $status
