#!/usr/bin/env bash
# Install the Debian packages plant-twin needs, or say exactly which are missing.
# Safe to re-run: it only calls apt-get when something is absent.
set -euo pipefail

missing=()
pg_major() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1; }

python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
[ -n "$(pg_major)" ] || missing+=(postgresql)
command -v ogrinfo >/dev/null || missing+=(gdal-bin)
command -v psql >/dev/null || missing+=(postgresql-client)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || missing+=(mosquitto)
# The map's libraries come from the npm registry (viewer/package-lock.json).
command -v npm >/dev/null || missing+=(nodejs npm)
# Headless browser for the map's PNG snapshots and the browser tests, and a CJK font so
# Chinese renders in them.
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK || missing+=(fonts-noto-cjk)

install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "plant-twin needs these Debian packages: $*" >&2
    echo "install them with:  sudo apt-get install -y $*" >&2
    exit 1
  fi
  echo "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

[ ${#missing[@]} -eq 0 ] || install "${missing[@]}"

# PostGIS must match the server's major version, known only once the server is there.
major=$(pg_major)
if [ ! -f "/usr/share/postgresql/${major}/extension/postgis.control" ]; then
  install "postgresql-${major}-postgis-3"
fi
# pgRouting is the peer bench/bench_routing.py measures the twin's routing against.
if [ ! -f "/usr/share/postgresql/${major}/extension/pgrouting.control" ]; then
  install "postgresql-${major}-pgrouting"
fi
echo "system packages ok (PostgreSQL ${major} with PostGIS and pgRouting, GDAL $(ogrinfo --version | cut -d' ' -f2 | tr -d ,), Mosquitto, Node $(node --version), Chromium)"
