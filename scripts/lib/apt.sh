# Sourced by the scripts that install Debian packages they need (run from the repository root).
# apt_install PKG...: installs quietly, without recommends, as root or through sudo; runs apt-get update
# only when the first attempt fails (a fresh machine's empty package lists).
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}
