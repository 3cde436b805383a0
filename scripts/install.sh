#!/usr/bin/env bash
# Builds altnet in release mode and installs it:
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--from BINDIR] [--sysconfdir DIR]
#
#   PREFIX/bin/                 altnetd, altnet-cli, sendemergencytx, altnet-harness and the drivers
#                               (altnetd runs altnet-driver-* from its own directory)
#   PREFIX/share/man/man1/      one page per program, generated from its argument parser
#                               (scripts/manpages.py over --experimental-dump-help)
#   PREFIX/share/doc/altnet/    altnet.conf.sample, altnetd.md, the Grafana dashboard
#   PREFIX/share/altnet/schemas/ the driver protocol's JSON Schemas (altnet-harness check-driver)
#   PREFIX/lib/systemd/system/  altnetd.service and altnet-rpc-proxy.service, ExecStart in PREFIX/bin
#   SYSCONFDIR/altnet/          altnet.conf.sample (default SYSCONFDIR: PREFIX/etc, /etc for /usr)
#
# --prefix   default /usr/local
# --destdir  stage everything under DIR (as `make install DESTDIR=`), for packaging
# --from     install the executables already built in BINDIR (e.g. .build/debug) instead of
#            building in release mode
# Needs python3 (man pages) and, without --from, the Swift toolchain and scripts/install-deps.sh's
# libraries. Installs nothing outside DESTDIR+PREFIX and DESTDIR+SYSCONFDIR; creates no user
# (scripts/package-deb.sh's package does, for /var/lib/altnet).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
destdir=""
from=""
sysconfdir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --destdir) destdir="$2"; shift 2 ;;
    --destdir=*) destdir="${1#*=}"; shift ;;
    --from) from="$2"; shift 2 ;;
    --from=*) from="${1#*=}"; shift ;;
    --sysconfdir) sysconfdir="$2"; shift 2 ;;
    --sysconfdir=*) sysconfdir="${1#*=}"; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
if [ -z "$sysconfdir" ]; then
  if [ "$prefix" = /usr ]; then sysconfdir=/etc; else sysconfdir="$prefix/etc"; fi
fi

programs=(altnetd altnet-cli sendemergencytx altnet-harness altnet-driver-bip324 altnet-driver-lightning altnet-driver-rpc altnet-driver-esplora altnet-driver-cln altnet-cln-plugin)

if [ -z "$from" ]; then
  # The Swift runtime and Foundation are linked in, so the programs run where no toolchain is
  # installed (only Debian's libsecp256k1, libzmq and libsqlite3 are needed).
  for p in "${programs[@]}"; do
    echo "install.sh: swift build -c release --static-swift-stdlib --product $p"
    swift build -c release --static-swift-stdlib --product "$p"
  done
  from="$(swift build -c release --static-swift-stdlib --show-bin-path)"
  strip_flag=(-s)   # release binaries carry debug info: strip it (altnetd 136 MB -> 76 MB)
else
  strip_flag=()
fi
for p in "${programs[@]}"; do
  [ -x "$from/$p" ] || { echo "install.sh: $from/$p is not built" >&2; exit 1; }
done

root="$destdir$prefix"
install -d -m 0755 "$root/bin" "$root/share/man/man1" "$root/share/doc/altnet" "$root/lib/systemd/system" \
  "$root/share/altnet/schemas" "$destdir$sysconfdir/altnet"
for p in "${programs[@]}"; do
  install "${strip_flag[@]}" -m 0755 "$from/$p" "$root/bin/$p"
done

python3 scripts/manpages.py "$root/bin" "$root/share/man/man1" "${programs[@]}" >/dev/null

install -m 0644 docs/altnet.conf.sample docs/altnetd.md "$root/share/doc/altnet/"
install -m 0644 docs/grafana/altnet-dashboard.json "$root/share/doc/altnet/"
install -m 0644 docs/schemas/*.json "$root/share/altnet/schemas/"
install -m 0644 docs/altnet.conf.sample "$destdir$sysconfdir/altnet/altnet.conf.sample"
for unit in docs/systemd/*.service; do
  sed -e "s|/usr/local/bin/|$prefix/bin/|g" -e "s|/etc/altnet/|$sysconfdir/altnet/|g" "$unit" \
    > "$root/lib/systemd/system/$(basename "$unit")"
  chmod 0644 "$root/lib/systemd/system/$(basename "$unit")"
done
echo "install.sh: installed ${#programs[@]} programs, their man pages, the sample configuration and the systemd units under $root"
