#!/usr/bin/env bash
# A throw-away PostgreSQL server for the test suite: tools/pg.sh start|stop|url
# Installs Debian's postgresql if missing; runs as the 'postgres' user when
# started by root (PostgreSQL refuses to run as root); listens on 127.0.0.1 only.
set -euo pipefail
PORT="${QA_TEST_PG_PORT:-55432}"
DATA="${QA_TEST_PG_DATA:-/tmp/callqa-pg-$PORT}"
URL="postgresql://qa@127.0.0.1:$PORT/postgres"

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  url) echo "$URL" ;;
  start)
    if [ -z "$(bindir)" ]; then
      echo "installing PostgreSQL (Debian package postgresql)..." >&2
      if [ "$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || true
      else (sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || true; fi
    fi
    BIN="$(bindir)"
    [ -n "$BIN" ] || { echo "PostgreSQL is not installed and could not be installed" >&2; exit 1; }
    if [ "$(id -u)" = 0 ]; then mkdir -p "$DATA"; chown postgres "$DATA"; fi
    if [ ! -f "$DATA/PG_VERSION" ]; then as_pg "$BIN/initdb" -D "$DATA" -U qa -A trust -E UTF8 >/dev/null; fi
    if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
        -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    fi
    echo "PostgreSQL running: $URL" >&2 ;;
  stop)
    BIN="$(bindir)"; [ -n "$BIN" ] && as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
