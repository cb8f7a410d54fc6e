#!/usr/bin/env bash
# npm run fuzz -- [libFuzzer options, e.g. -max_total_time=300]
#
# Differential fuzzing of the C++ kernels (native/test/fuzz_kernels.cc, a libFuzzer target): every kernel
# of every table this machine can run (as scripts/test-kernels.sh builds them: scalar, sse2, avx2 and
# avx512 — through SIMDe on a CPU without AVX-512F — on x86-64; scalar and neon on arm64) against the
# scalar table within the SPEC bounds, with sentinels around every buffer, built with clang's
# -fsanitize=fuzzer,address,undefined (UB aborts). Each ISA file gets its own ISA flags only.
#
# Installs Debian's clang and libclang-rt-dev (libFuzzer and the sanitizer runtimes) when
# `clang++ -fsanitize=fuzzer,address,undefined` does not work, and libsimde-dev when the AVX-512 file
# must be emulated. Builds into build-fuzz/ (rebuilt when a source or a flag changed), runs with the
# corpus build-fuzz/corpus/ (kept between runs) and the seeds build-fuzz/seeds/ (written by the target
# itself, so they always match its input layout: no binary files in git). Crashes go to
# build-fuzz/artifacts/; rerun one with `bash scripts/fuzz-kernels.sh build-fuzz/artifacts/crash-…`.
# Arguments are passed to libFuzzer (later ones override the defaults here). Prints last
# `N passed, M failed` (N: differential checks run, M: 1 on a crash or mismatch).
# Env: CLANGXX (default clang++); SIGMAX_AVX512=emulated|hardware as in scripts/test-kernels.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
CLANGXX=${CLANGXX:-clang++}
out=build-fuzz
mkdir -p "$out/obj" "$out/corpus" "$out/seeds" "$out/artifacts"
source scripts/lib/apt.sh
cpu_has() { grep -qw "$1" /proc/cpuinfo 2>/dev/null; }

sanitizers_work() {
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$out/probe.cc"
  "$CLANGXX" -fsanitize=fuzzer,address,undefined "$out/probe.cc" -o "$out/probe" >/dev/null 2>&1
}
if ! sanitizers_work; then
  echo "fuzz-kernels: installing clang and libclang-rt-dev (Debian packages: clang, libFuzzer, sanitizer runtimes)"
  t0=$(date +%s)
  apt_install clang libclang-rt-dev
  sanitizers_work || { echo "fuzz-kernels: $CLANGXX -fsanitize=fuzzer,address,undefined still fails"; echo "0 passed, 1 failed"; exit 1; }
  echo "fuzz-kernels: installed in $(( $(date +%s) - t0 )) s"
fi
rm -f "$out/probe.cc" "$out/probe"

# As test-kernels.sh (binding.gyp's -O2 and no fused contraction), plus the sanitizers; the kernel objects
# get the coverage instrumentation without libFuzzer's main.
common=(-std=c++17 -O2 -g -ffp-contract=off -fno-strict-aliasing -Wall -Wextra -fno-omit-frame-pointer
        -fsanitize=address,undefined -fno-sanitize-recover=undefined)
kobj=(-fsanitize=fuzzer-no-link)
defines=()
units=("kernels_scalar native/kernels_scalar.cc -Inative")
case "$(uname -m)" in
  x86_64|amd64)
    units+=("kernels_sse2 native/kernels_sse2.cc -Inative" "kernels_avx2 native/kernels_avx2.cc -Inative -mavx2 -mfma")
    defines+=(-DSIGMAX_TEST_SSE2 -DSIGMAX_TEST_AVX2 -DSIGMAX_TEST_AVX512)
    if [ "${SIGMAX_AVX512:-}" = hardware ] || { cpu_has avx512f && [ "${SIGMAX_AVX512:-}" != emulated ]; }; then
      avx512_mode=hardware
      units+=("kernels_avx512 native/kernels_avx512.cc -Inative -mavx512f")
    else
      avx512_mode="emulated via SIMDe"
      if [ ! -f /usr/include/simde/x86/avx512.h ]; then
        echo "fuzz-kernels: installing libsimde-dev (SIMDe headers) to emulate AVX-512"
        apt_install libsimde-dev
      fi
      # The stand-in <immintrin.h> first on the include path, no -mavx512f (see test-kernels.sh).
      simd=""
      if cpu_has avx2 && cpu_has fma; then simd="-mavx2 -mfma"; fi
      units+=("kernels_avx512 native/kernels_avx512.cc -Inative/test/simde -Inative -Wno-psabi $simd")
    fi
    defines+=("-DSIGMAX_TEST_AVX512_MODE=\"$avx512_mode\"")
    ;;
  aarch64|arm64)
    units+=("kernels_neon native/kernels_neon.cc -Inative")
    defines+=(-DSIGMAX_TEST_NEON)
    ;;
esac

# Rebuild only when a source, a header or a flag changed.
stamp=$( { "$CLANGXX" --version; printf '%s\n' "${common[@]}" "${units[@]}" "${defines[@]}";
           cat native/*.cc native/*.h native/*.inc native/test/*.h native/test/fuzz_kernels.cc native/test/simde/*; } | sha256sum | cut -c1-16)
bin=$out/fuzz_kernels
if [ -x "$bin" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "fuzz-kernels: $bin is up to date"
else
  rm -f "$out/stamp"
  pids=()
  objs=()
  for u in "${units[@]}"; do
    read -r name src flags <<<"$u"
    # shellcheck disable=SC2086  # flags: words
    "$CLANGXX" "${common[@]}" "${kobj[@]}" $flags -c "$src" -o "$out/obj/$name.o" &
    pids+=($!)
    objs+=("$out/obj/$name.o")
  done
  "$CLANGXX" "${common[@]}" -fsanitize=fuzzer -Inative "${defines[@]}" -c native/test/fuzz_kernels.cc -o "$out/obj/fuzz_kernels.o" &
  pids+=($!)
  failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  [ "$failed" -eq 0 ] || { echo "fuzz-kernels: compilation failed"; echo "0 passed, 1 failed"; exit 1; }
  "$CLANGXX" "${common[@]}" -fsanitize=fuzzer "$out/obj/fuzz_kernels.o" "${objs[@]}" -o "$bin"
  echo "$stamp" >"$out/stamp"
  echo "fuzz-kernels: built $bin in $(( $(date +%s) - start )) s (avx512: ${avx512_mode:-n/a})"
fi

rm -f "$out"/seeds/*
FUZZ_KERNELS_WRITE_SEEDS=$out/seeds "$bin"
# Corpus directories unless the arguments name inputs to rerun (libFuzzer runs files one by one).
dirs=("$out/corpus" "$out/seeds")
for a in "$@"; do [[ "$a" == -* ]] || dirs=(); done
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$out/last-run.log
status=0
"$bin" -artifact_prefix="$out/artifacts/" -max_len=4096 -timeout=60 -print_final_stats=1 "${dirs[@]}" "$@" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
summary=$(grep -E '^fuzz_kernels: [0-9]+ executions' "$log" | tail -1 || true)
passed=0
failed=0
if [[ "$summary" =~ ([0-9]+)\ checks\ passed,\ ([0-9]+)\ failed ]]; then passed=${BASH_REMATCH[1]}; failed=${BASH_REMATCH[2]}; fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
rate=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
echo "fuzz-kernels: exit status $status; ${execs:-?} executions, ${rate:-?} exec/s; corpus $(find "$out/corpus" -type f | wc -l) files;" \
  "$(find "$out/artifacts" -type f | wc -l) artifact(s) in $out/artifacts/; total $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
exit "$status"
