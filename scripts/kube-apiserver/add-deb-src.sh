#!/usr/bin/env bash
# Adds a deb-src entry for bookworm main on the Debian mirror this machine already
# uses (read from its apt sources), so `apt-get source` works. Idempotent.
set -euo pipefail

target=/etc/apt/sources.list.d/kcanary-deb-src.sources
if [ -f "$target" ]; then
  exit 0
fi

mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  # deb822: the first URIs line of a stanza whose Suites mention bookworm.
  mirror=$(awk '
    /^URIs:/ { uri = $2 }
    /^Suites:/ && /bookworm([ ]|$)/ && uri ~ /debian\/?$/ { print uri; exit }
  ' "$f")
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

cat >"$target" <<EOF
Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
