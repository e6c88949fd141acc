#!/usr/bin/env bash
# Installs (Debian's `pgbouncer`) and starts PgBouncer in transaction mode in front of the test
# PostgreSQL, on a free loopback port, and prints the one line the test suite reads:
#
#   export FBI_TEST_PGBOUNCER_URL="$(.ci/pgbouncer.sh)"
#
# Idempotent: a second run finds the running instance (its pid file and port) and prints the same
# URL. Runs as root (CI and the development machine are root); PgBouncer itself refuses to run as
# root, so it is started with `-u postgres`. Every setting is PgBouncer's default except those a
# test needs, each said below. `.ci/pgbouncer.sh stop` stops it.
set -euo pipefail
# A command that fails under set -e ends the script without a word: say which line and how.
trap 'echo "pgbouncer.sh: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR

DIR="${FBI_PGBOUNCER_DIR:-/tmp/fbi-pgbouncer}"
UPSTREAM="${FBI_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
RUN_AS="${FBI_PGBOUNCER_USER:-postgres}"

log() { echo "pgbouncer.sh: $*" >&2; }

running_pid() {
  [ -f "$DIR/pgbouncer.pid" ] || return 1
  local pid
  pid="$(cat "$DIR/pgbouncer.pid")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

if [ "${1:-}" = "stop" ]; then
  if pid="$(running_pid)"; then kill "$pid"; log "stopped $pid"; fi
  exit 0
fi

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  log "installing pgbouncer (apt-get)"
  # Debian's package also installs a system service; it is not used (policy-rc.d may keep it from
  # starting, and it would listen on 6432 with no database anyway).
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pgbouncer >&2
fi
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"

url_for() {
  # The upstream URL with the pooler's host and port: same user, same database name.
  node -e '
    const u = new URL(process.argv[1]); u.hostname = "127.0.0.1"; u.port = process.argv[2]
    process.stdout.write(u.toString())
  ' "$UPSTREAM" "$1"
}

if pid="$(running_pid)" && [ -f "$DIR/port" ]; then
  url_for "$(cat "$DIR/port")"
  echo
  exit 0
fi

mkdir -p "$DIR"
read -r HOST PORT USER_NAME < <(node -e '
  const u = new URL(process.argv[1])
  console.log(u.hostname || "127.0.0.1", u.port || "5432", decodeURIComponent(u.username) || "postgres")
' "$UPSTREAM")
LISTEN_PORT="$(node -e '
  const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })
')"

# auth_type trust still wants the user named in auth_file.
printf '"%s" ""\n' "$USER_NAME" >"$DIR/userlist.txt"
cat >"$DIR/pgbouncer.ini" <<EOF
[databases]
; A fallback entry: every database name the tests create (one per test) gets its own pool on the
; upstream server, so the pooler needs no edit per test.
* = host=$HOST port=$PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $LISTEN_PORT
; No Unix socket: two instances (CI's and a developer's) must not fight over /tmp/.s.PGSQL.6432.
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
; 10 server connections per database/user pair (PgBouncer's default is 20): the scaling test
; checks that 4 app instances share this many.
default_pool_size = 10
; The tests read SHOW POOLS / SHOW SERVERS on the admin console.
admin_users = $USER_NAME
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
EOF
chown -R "$RUN_AS" "$DIR"
echo "$LISTEN_PORT" >"$DIR/port"

"$PGBOUNCER" -d -u "$RUN_AS" "$DIR/pgbouncer.ini" >&2
for _ in $(seq 1 50); do
  if node -e '
    const s = require("node:net").connect(Number(process.argv[1]), "127.0.0.1")
    s.on("connect", () => process.exit(0)).on("error", () => process.exit(1))
  ' "$LISTEN_PORT"; then
    log "PgBouncer $("$PGBOUNCER" --version | sed -n 1p | cut -d' ' -f2) (transaction mode) on 127.0.0.1:$LISTEN_PORT -> $HOST:$PORT"
    url_for "$LISTEN_PORT"
    echo
    exit 0
  fi
  sleep 0.1
done
log "PgBouncer did not start; its log:"
cat "$DIR/pgbouncer.log" >&2 || true
exit 1
