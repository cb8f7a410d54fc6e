#!/usr/bin/env bash
# Compiles the arm64 kernels (NEON, scalar, dispatch) with Debian's aarch64 cross g++, so a mistake in
# the NEON file cannot hide until an arm64 user installs. Installs the cross compiler when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=aarch64-linux-gnu-g++
if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "check:neon: installing $CXX (Debian package g++-aarch64-linux-gnu)"
  source scripts/lib/apt.sh
  apt_install g++-aarch64-linux-gnu
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-std=c++17 -O2 -fPIC -ffp-contract=off -Wall -Wextra -Werror -Inative)
for src in native/kernels_neon.cc native/kernels_scalar.cc native/dispatch.cc; do
  "$CXX" "${flags[@]}" -c "$src" -o "$out/$(basename "$src" .cc).o"
  echo "check:neon: compiled $src for aarch64"
done
# The arm64 dispatch must reference the NEON and scalar tables, and no x86 table.
"$CXX" "${flags[@]}" -shared -fPIC "$out"/*.o -o "$out/kernels.so"
aarch64-linux-gnu-nm -C "$out/kernels.so" | grep -q "kNeonKernels" || { echo "check:neon: kNeonKernels missing"; exit 1; }
if aarch64-linux-gnu-nm -C "$out/kernels.so" | grep -qE "kAvx|kSse"; then echo "check:neon: x86 tables in an arm64 build"; exit 1; fi
echo "check:neon: OK"
