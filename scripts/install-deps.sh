#!/usr/bin/env bash
# Installs what altnet's build and tests need on Debian (bookworm) with the Swift toolchain:
#   apt: libsecp256k1-dev (0.2.0), libzmq3-dev, libsqlite3-dev (GRDB), pkg-config
#   pip: verystable (Bitcoin Core's functional-test framework, BIP324), pyln-proto (Core
#        Lightning's BOLT 8), pyzmq (ZeroMQ publisher as bitcoind frames it), jsonschema,
#        dnslib (the loopback DNS seed of the discovery tests, integration/dns_seed.py).
#   --chromium: also Debian's chromium, for the status-page test that renders altnetd's page
#        headless (scripts/test.sh passes it; the demo does not need it).
#   --packaging: also man-db (man -l of the generated pages) and dpkg-dev (package-deb.sh).
# Idempotent: skips what is already there. Uses sudo for apt when not run as root.
set -euo pipefail

apt_packages=(libsecp256k1-dev libzmq3-dev libsqlite3-dev pkg-config)
for arg in "$@"; do
  case "$arg" in
    --chromium) apt_packages+=(chromium) ;;
    --packaging) apt_packages+=(man-db dpkg-dev) ;;
    *) echo "install-deps: unknown option $arg (--chromium, --packaging)" >&2; exit 2 ;;
  esac
done
pip_packages=(verystable pyln-proto pyzmq jsonschema dnslib)
pip_modules=(verystable pyln.proto zmq jsonschema dnslib)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
need_pip=0
for m in "${pip_modules[@]}"; do
  "$python" -c "import $m" >/dev/null 2>&1 || need_pip=1
done
if [ "$need_pip" -eq 1 ]; then
  echo "install-deps: pip install ${pip_packages[*]}"
  "$python" -m pip install -q --disable-pip-version-check "${pip_packages[@]}" 2>/dev/null \
    || "$python" -m pip install -q --disable-pip-version-check --user --break-system-packages "${pip_packages[@]}"
fi
for m in "${pip_modules[@]}"; do
  "$python" -c "import $m" || { echo "install-deps: python module $m still missing" >&2; exit 1; }
done
