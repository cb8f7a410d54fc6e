# Sourced by the scripts that build native/test/kernel_test.cc (run from the repository root):
# scripts/test-kernels.sh and scripts/test-neon.sh.
# kernel_test_out: sets `out` to the directory to build into: $KERNEL_TEST_OUT (created if missing, and
# kept), else a new temporary directory, removed when the script exits. Not under build/: `node-gyp
# rebuild` deletes that directory, possibly while the script runs.
kernel_test_out() {
  if [ -n "${KERNEL_TEST_OUT:-}" ]; then
    out=$KERNEL_TEST_OUT
    mkdir -p "$out"
  else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
  fi
}
