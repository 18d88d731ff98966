#!/usr/bin/env bash
# Prints the URL of a PostgreSQL server the tests can create databases on.
# Uses DAIYUN_TEST_PG if set, else the server on 127.0.0.1:5432 when it
# answers, else starts a throwaway server (installing PostgreSQL from the
# distribution's packages if needed) in .tmp/pg on port 54329, which
# `scripts/pg-stop.sh` or a reboot ends.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${DAIYUN_TEST_PG:-}" ]; then echo "$DAIYUN_TEST_PG"; exit 0; fi

answers() { pg_isready -q -h 127.0.0.1 -p "$1" >/dev/null 2>&1 || (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

if [ -z "${DAIYUN_PG_THROWAWAY:-}" ] && answers 5432 && psql -h 127.0.0.1 -p 5432 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; then
  echo "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"; exit 0
fi

port=54329
url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
if answers $port; then echo "$url"; exit 0; fi

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "pg-ensure: installing PostgreSQL from the distribution's packages" >&2
  $sudo apt-get update -qq >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

dir="$PWD/.tmp/pg"
rm -rf "$dir"; mkdir -p "$dir"
# PostgreSQL refuses to run as root; run it as the postgres system user then.
run=(); if [ "$(id -u)" -eq 0 ]; then id postgres >/dev/null 2>&1 || useradd -r postgres; chown -R postgres "$dir"; run=(runuser -u postgres --); fi
"${run[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
"${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
echo "pg-ensure: started a throwaway PostgreSQL on 127.0.0.1:$port (data in $dir)" >&2
echo "$url"
