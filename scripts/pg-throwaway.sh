#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, built from Debian's server binaries.
#
#   url=$(scripts/pg-throwaway.sh start DIR)   # initdb in DIR, start on a free loopback port,
#                                              # create database "aegle", print its SQLAlchemy URL
#   scripts/pg-throwaway.sh stop DIR           # stop the server and delete DIR
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user (made by
# Debian's postgresql package) or, failing that, to a system user created here. Only 127.0.0.1
# is listened on, with trust authentication: nothing outside this machine can reach it.
set -euo pipefail

die() { echo "pg-throwaway: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 start|stop DIR"
action=$1
dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  die "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)"
fi

owner=""
as_owner() {
  if [ -n "$owner" ]; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

if [ "$(id -u)" -eq 0 ]; then
  if id -u postgres >/dev/null 2>&1; then
    owner=postgres
  else
    owner=aegle-pg
    id -u "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
  fi
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$action" in
  start)
    mkdir -p "$dir"
    if [ -n "$owner" ]; then chown "$owner" "$dir"; fi
    chmod 700 "$dir"
    as_owner "$bindir/initdb" --pgdata="$dir/data" --username=aegle --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    port=$(free_port)
    # Durability is pointless for a cluster that lives for one test run.
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" \
      --options="$opts" --wait --timeout=60 start >/dev/null \
      || { cat "$dir/server.log" >&2; die "server did not start"; }
    echo "$port" >"$dir/port"
    as_owner "$bindir/createdb" --host=127.0.0.1 --port="$port" --username=aegle aegle \
      || die "createdb failed"
    echo "postgresql+psycopg://aegle@127.0.0.1:$port/aegle"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop >/dev/null 2>&1 \
        || echo "pg-throwaway: stop failed; see $dir/server.log" >&2
    fi
    rm -rf -- "$dir"
    ;;
  *)
    die "unknown action $action (start|stop)"
    ;;
esac
