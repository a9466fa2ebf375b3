#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15: initdb in a temporary
# folder, a free port on 127.0.0.1, the unix socket in that folder, run as
# the postgres user when started as root. Exports DANGKE_TEST_PG (the URL
# of an empty database "dangke" that the tests make schemas or databases
# in) and stops the server at the end, whatever happens.
#
#   scripts/test-postgres.sh                      # go test ./store/... and the replica tests
#   scripts/test-postgres.sh go test -race ./...  # any command
#
# DANGKE_PG_OPTS adds server options, e.g. to see what each statement costs:
#   DANGKE_PG_OPTS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in initdb pg_ctl postgres; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    # Debian keeps the server tools out of PATH.
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$bin" ] && [ -x "$bin/$tool" ]; then
      PATH="$bin:$PATH"
    else
      echo "test-postgres: $tool not found; install PostgreSQL (Debian: apt-get install postgresql)" >&2
      exit 1
    fi
  fi
done

dir=$(mktemp -d /tmp/dangke-pg.XXXXXX)
chmod 755 "$dir"
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as_pg() { runuser -u postgres -- "$@"; }
fi
user=$(as_pg id -un)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))

stop() {
  as_pg pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_pg initdb -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
  as_pg initdb -D "$dir/data" -U "$user" --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# synchronous_commit stays on (the default): the benchmarks measure what a deployment gets.
as_pg pg_ctl -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200 -c fsync=on ${DANGKE_PG_OPTS:-}" start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }
as_pg psql -h "$dir" -p "$port" -U "$user" -d postgres -qAt -c "CREATE DATABASE dangke" >/dev/null

export DANGKE_TEST_PG="postgres://$user@127.0.0.1:$port/dangke?sslmode=disable"
echo "test-postgres: PostgreSQL $(as_pg postgres --version | awk '{print $3}') at $DANGKE_TEST_PG"
if [ $# -eq 0 ]; then
  go test ./store/...
  go test -run 'TestReplicas|TestPollingFailover|TestPromptAnsweredByAnotherReplica|TestMigrateDB' ./bot/dingtalk ./bot/telegram ./commands ./cmd/dangke
else
  "$@"
fi
