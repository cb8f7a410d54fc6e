#!/usr/bin/env bash
# npm run test:neon [-- kernel_test options]
#
# The arm64 path proven, not only compiled: cross-compiles the C++ differential test
# (native/test/kernel_test.cc with the scalar and neon tables, as scripts/test-kernels.sh builds it on
# arm64) with Debian's aarch64 cross g++, statically linked (no aarch64 sysroot needed to run it), and
# runs it under qemu-user (qemu-aarch64-static). Installs g++-aarch64-linux-gnu and qemu-user-static
# when missing (Debian packages). Runs on any Linux host; on an arm64 host it runs natively.
#
# Under qemu, long double (IEEE quad on aarch64, done in software) makes the reference slow, so the
# default options are a reduced run (about a minute): the case matrix of --quick (every kernel, three
# input kinds, shapes of up to 4099 elements: --max-n=4099 leaves out the 10^5-element row, which alone
# takes ~7 minutes under qemu; offsets, in place, sentinels) and sigmoid sweeps of 2^20 f32 inputs
# (every 4096th bit pattern) and 2^16 f64 samples. Options given replace those defaults, e.g.
# `npm run test:neon -- --sweep-step=64` for the full f32 sweep. Prints last `N passed, M failed`.
# Env: KERNEL_TEST_OUT=DIR to build into (and keep) DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
CXX=aarch64-linux-gnu-g++
source scripts/lib/apt.sh
source scripts/lib/kernel-test.sh
native=0
case "$(uname -m)" in aarch64|arm64) native=1; CXX=${CXX_NATIVE:-g++} ;; esac
if [ "$native" -eq 0 ] && ! command -v "$CXX" >/dev/null 2>&1; then
  echo "test:neon: installing $CXX (Debian package g++-aarch64-linux-gnu)"
  t0=$(date +%s); apt_install g++-aarch64-linux-gnu; echo "test:neon: installed in $(( $(date +%s) - t0 )) s"
fi
if [ "$native" -eq 0 ] && ! command -v qemu-aarch64-static >/dev/null 2>&1; then
  echo "test:neon: installing qemu-aarch64-static (Debian package qemu-user-static)"
  t0=$(date +%s); apt_install qemu-user-static; echo "test:neon: installed in $(( $(date +%s) - t0 )) s"
fi

kernel_test_out
# As test-kernels.sh (binding.gyp's flags, no fused contraction); NEON is baseline on aarch64.
common=(-std=c++17 -O2 -ffp-contract=off -fno-strict-aliasing -Wall -Wextra -Inative)
pids=()
for u in "kernels_scalar native/kernels_scalar.cc" "kernels_neon native/kernels_neon.cc" \
         "kernel_test native/test/kernel_test.cc -DSIGMAX_TEST_NEON"; do
  read -r name src defs <<<"$u"
  echo "test:neon: $CXX ${defs:-} -c $src"
  # shellcheck disable=SC2086
  "$CXX" "${common[@]}" ${defs:-} -c "$src" -o "$out/$name.o" &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ "$failed" -eq 0 ] || { echo "test:neon: compilation failed"; echo "0 passed, 1 failed"; exit 1; }
"$CXX" -static -pthread "$out/kernel_test.o" "$out/kernels_scalar.o" "$out/kernels_neon.o" -o "$out/kernel_test"
echo "test:neon: built an aarch64 kernel_test in $(( $(date +%s) - start )) s"

args=("$@")
[ "${#args[@]}" -gt 0 ] || args=(--quick --max-n=4099 --sweep-step=4096 --f64-samples=65536)
run=()
[ "$native" -eq 1 ] || run=(qemu-aarch64-static)
echo "test:neon: ${run[*]:-(native)} kernel_test ${args[*]}"
status=0
"${run[@]}" "$out/kernel_test" "${args[@]}" || status=$?
echo "test:neon: total $(( $(date +%s) - start )) s"
exit "$status"
