#!/usr/bin/env bash
# Stops the throwaway PostgreSQL that pg-ensure.sh started, if any.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$PWD/.tmp/pg"
[ -d "$dir/data" ] || exit 0
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
run=(); [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
"${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
