#!/usr/bin/env bash
# Builds a Debian package of altnet with dpkg-deb:
#
#   scripts/package-deb.sh [--from BINDIR] [--version VERSION] [--output DIR] [--fast]
#
# Contents (through scripts/install.sh --prefix /usr --sysconfdir /etc): the programs in
# /usr/bin, man pages in /usr/share/man/man1 (gzipped), docs and the Grafana dashboard in
# /usr/share/doc/altnet, the systemd units in /lib/systemd/system, and /etc/altnet/altnet.conf
# (a conffile: the sample, every line commented out). postinst creates the system user `altnet`
# (home /var/lib/altnet, mode 0700) and does not start anything; postrm purge removes the user
# and /var/lib/altnet. No systemctl is called by the scripts when systemd is not running.
#
# --from     executables already built (default: build in release mode, see install.sh)
# --version  package version (default: 0.1.0+git<short commit>)
# --output   where the .deb goes (default: .build/deb); its path is printed last
# --fast     gzip -1 instead of dpkg-deb's xz (debug binaries are ~400 MB: xz takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

from=""
version=""
output=".build/deb"
compress=()
while [ $# -gt 0 ]; do
  case "$1" in
    --from) from="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --fast) compress=(-Zgzip -z1); shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package-deb.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$version" ]; then
  version="0.1.0+git$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
fi
arch="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

install_args=(--prefix /usr --sysconfdir /etc --destdir "$stage")
[ -n "$from" ] && install_args+=(--from "$from")
bash scripts/install.sh "${install_args[@]}" >/dev/null

# Debian layout: units under /lib/systemd/system, gzipped man pages, one conffile.
mkdir -p "$stage/lib/systemd"
mv "$stage/usr/lib/systemd/system" "$stage/lib/systemd/system"
rmdir "$stage/usr/lib/systemd" "$stage/usr/lib" 2>/dev/null || true
gzip -9n "$stage"/usr/share/man/man1/*.1
sed -e 's/^\([^#[:space:]]\)/#\1/' docs/altnet.conf.sample > "$stage/etc/altnet/altnet.conf"
chmod 0644 "$stage/etc/altnet/altnet.conf"

mkdir -p "$stage/DEBIAN"
size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: altnet
Version: $version
Architecture: $arch
Maintainer: altnet developers <altnet@localhost>
Installed-Size: $size
Depends: libsecp256k1-1, libzmq5, libsqlite3-0, passwd
Section: net
Priority: optional
Homepage: https://github.com/altnet/altnet
Description: watchdog and alternative transports beside bitcoind
 altnetd watches an unmodified bitcoind (v26 or later) over ZMQ and RPC and, when its view of
 the chain looks wrong, fetches headers and blocks over other transports (BIP324 P2P, Lightning
 custom messages, bitcoind's getblockfrompeer), validates them and hands them to bitcoind.
 Includes altnet-cli (with doctor), sendemergencytx, the drivers and a systemd unit.
CONTROL
echo "/etc/altnet/altnet.conf" > "$stage/DEBIAN/conffiles"
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd altnet >/dev/null; then
    useradd --system --home-dir /var/lib/altnet --no-create-home --shell /usr/sbin/nologin \
      --user-group --comment "altnet daemon" altnet
  fi
  install -d -m 0700 -o altnet -g altnet /var/lib/altnet
  if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
fi
POSTINST
cat > "$stage/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl stop altnetd.service altnet-rpc-proxy.service >/dev/null 2>&1 || true
fi
PRERM
cat > "$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -rf /var/lib/altnet
  if getent passwd altnet >/dev/null; then userdel altnet >/dev/null 2>&1 || true; fi
  if getent group altnet >/dev/null; then groupdel altnet >/dev/null 2>&1 || true; fi
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"

mkdir -p "$output"
deb="$output/altnet_${version}_${arch}.deb"
dpkg-deb --root-owner-group "${compress[@]}" --build "$stage" "$deb" >/dev/null
echo "$deb"
