#!/usr/bin/env bash
# Differential test of the C++ kernel tables without Node: builds native/test/kernel_test.cc with every
# kernel table this machine can run and runs it (every kernel of every table against kScalarKernels and
# a long double reference; see the comment at the top of kernel_test.cc).
#
# x86-64: scalar, sse2, avx2 (each ISA file compiled with its own flags, as binding.gyp does), and
# avx512: on a CPU with AVX-512F the real thing ("hardware"); otherwise kernels_avx512.cc is compiled,
# unchanged and without -mavx512f, against SIMDe's portable AVX-512 ("emulated via SIMDe") through the
# stand-in <immintrin.h> in native/test/simde/ (which documents where SIMDe differs from the hardware
# and how the stand-in corrects it). Installs Debian's libsimde-dev when /usr/include/simde is missing.
# arm64: scalar and neon.
#
# Usage: scripts/test-kernels.sh [kernel_test options, e.g. --quick, --tables=avx512, --seed=N]
# Env:   CXX (default g++); SIGMAX_AVX512=emulated to use SIMDe even on an AVX-512 CPU, =hardware to build
#        the real AVX-512 object regardless (kernel_test then skips it on a CPU without AVX-512F);
#        KERNEL_TEST_OUT=DIR to build into (and keep) DIR instead of a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
CXX=${CXX:-g++}
source scripts/lib/kernel-test.sh
kernel_test_out
# As binding.gyp, at -O2: no fused contraction, so the scalar reference rounds the same everywhere.
common=(-std=c++17 -O2 -ffp-contract=off -fno-strict-aliasing -Wall -Wextra)
cpu_has() { grep -qw "$1" /proc/cpuinfo 2>/dev/null; }

pids=()
compile() {  # compile OBJ SRC FLAGS...
  local obj=$1 src=$2
  shift 2
  echo "test-kernels: $CXX $* -c $src"
  "$CXX" "$@" -c "$src" -o "$out/$obj" &
  pids+=($!)
}
wait_all() {
  local failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  pids=()
  [ "$failed" -eq 0 ] || { echo "test-kernels: compilation failed"; exit 1; }
}

defines=()
objs=("$out/kernels_scalar.o")
compile kernels_scalar.o native/kernels_scalar.cc "${common[@]}" -Inative
case "$(uname -m)" in
  x86_64|amd64)
    compile kernels_sse2.o native/kernels_sse2.cc "${common[@]}" -Inative
    compile kernels_avx2.o native/kernels_avx2.cc "${common[@]}" -Inative -mavx2 -mfma
    objs+=("$out/kernels_sse2.o" "$out/kernels_avx2.o")
    defines+=(-DSIGMAX_TEST_SSE2 -DSIGMAX_TEST_AVX2 -DSIGMAX_TEST_AVX512)
    if [ "${SIGMAX_AVX512:-}" = hardware ] || { cpu_has avx512f && [ "${SIGMAX_AVX512:-}" != emulated ]; }; then
      avx512_mode=hardware
      # binding.gyp's flags for this file (GCC 12 PR105593: false alarms in its own headers).
      avx512_flags=("${common[@]}" -Inative -mavx512f -Wno-uninitialized -Wno-maybe-uninitialized)
    else
      avx512_mode="emulated via SIMDe"
      if [ ! -f /usr/include/simde/x86/avx512.h ]; then
        echo "test-kernels: installing libsimde-dev (SIMDe headers) to emulate AVX-512"
        source scripts/lib/apt.sh
        apt_install libsimde-dev
      fi
      # The stand-in <immintrin.h> must come first on the include path. No -mavx512f. Every AVX-512 CPU
      # also has AVX2 and FMA: when this one does too, SIMDe computes each 512-bit operation as two
      # native 256-bit ones (faster, and the hardware's own max/min/round/compare semantics).
      avx512_flags=("${common[@]}" -Inative/test/simde -Inative -Wno-psabi -Wno-uninitialized -Wno-maybe-uninitialized)
      if cpu_has avx2 && cpu_has fma; then avx512_flags+=(-mavx2 -mfma); fi
      defines+=(-DSIGMAX_TEST_SIMDE_SELFCHECK)
      objs+=("$out/simde_selfcheck.o")
      compile simde_selfcheck.o native/test/simde_selfcheck.cc "${avx512_flags[@]}"
    fi
    if [ "$avx512_mode" = hardware ]; then  # the same primitive facts, checked on the real instructions
      defines+=(-DSIGMAX_TEST_SIMDE_SELFCHECK)
      objs+=("$out/simde_selfcheck.o")
      compile simde_selfcheck.o native/test/simde_selfcheck.cc "${avx512_flags[@]}"
    fi
    compile kernels_avx512.o native/kernels_avx512.cc "${avx512_flags[@]}"
    objs+=("$out/kernels_avx512.o")
    defines+=("-DSIGMAX_TEST_AVX512_MODE=\"$avx512_mode\"")
    echo "test-kernels: avx512 kernels: $avx512_mode"
    ;;
  aarch64|arm64)
    compile kernels_neon.o native/kernels_neon.cc "${common[@]}" -Inative
    objs+=("$out/kernels_neon.o")
    defines+=(-DSIGMAX_TEST_NEON)
    ;;
esac
compile kernel_test.o native/test/kernel_test.cc "${common[@]}" -Inative "${defines[@]}"
wait_all
"$CXX" -pthread "$out/kernel_test.o" "${objs[@]}" -o "$out/kernel_test"
echo "test-kernels: built kernel_test in $(( $(date +%s) - start )) s"

status=0
"$out/kernel_test" "$@" || status=$?
if [ "${avx512_mode:-}" = hardware ] && ! cpu_has avx512f; then
  echo "test-kernels: avx512: built for hardware, NOT run (this CPU lacks AVX-512F)"
elif [ -n "${avx512_mode:-}" ]; then
  echo "test-kernels: avx512 ran $avx512_mode"
fi
echo "test-kernels: total $(( $(date +%s) - start )) s"
exit "$status"
