#!/usr/bin/env bash
# Installs the system packages sidewall's tests and demo run for real: Debian's nginx (the
# nginx that the drop-in files target), redis-server (the shared rate-limit backend, also
# run as a cluster and as Sentinels) and redis-tools (redis-cli makes the cluster), wrk
# (the bench suite's load generator), systemd for systemd-analyze (the tests verify
# nginx/sidewall.service with it; nothing is started), and what a cgo build links: libre2-dev (the WAF's @rx matches with RE2; see
# waf/internal/re2) and g++ to compile its C++ shim. Does nothing when they are there.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have nginx || need+=(nginx)
have redis-server || need+=(redis-server)
have redis-cli || need+=(redis-tools) # redis-cli --cluster create, for the Cluster tests
have wrk || need+=(wrk) # the bench suite's load generator; its smoke test runs in make test
have systemd-analyze || need+=(systemd) # TestSystemdUnitVerifies
dpkg -s libre2-dev >/dev/null 2>&1 || need+=(libre2-dev)
have g++ || need+=(g++)
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${need[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: apt-get not found; install these packages yourself: ${need[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-deps: run as root, or install these packages yourself: ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Debian starts the services it installs where it can; sidewall's tests start their own
# instances on free loopback ports, so keep the packaged ones from starting (policy-rc.d).
created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
trap '[ -n "$created_policy" ] && $sudo rm -f /usr/sbin/policy-rc.d' EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "install-deps: done" >&2
