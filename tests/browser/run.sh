#!/usr/bin/env bash
# Browser journey: build the app, serve it on a fresh database and a free port, then drive the
# system Chromium through sign-up, workspace creation and the roadmap with Playwright, checking
# every page with axe-core. Screenshots go to a new folder under ${TMPDIR:-/tmp}.
#
#   DATABASE_URL   a PostgreSQL server to create the throwaway database on
#                  (default postgres://postgres@127.0.0.1:5432/postgres)
#   CHROMIUM       the browser to drive (default /usr/bin/chromium)
#   AIMS_SKIP_BUILD=1  use the existing target/debug/aims instead of running cargo build
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

server_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# Split off a ?query so the database name can be swapped while keeping connection options.
case "$server_url" in
  *\?*) url_query="?${server_url#*\?}"; url_path="${server_url%%\?*}" ;;
  *) url_query=""; url_path="$server_url" ;;
esac
db_name="aims_browser_$(date +%s)_${RANDOM}${RANDOM}"
db_url="${url_path%/*}/${db_name}${url_query}"
admin_url="${url_path%/*}/postgres${url_query}"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"

stamp="$(date +%Y%m%d-%H%M%S)"
screenshot_dir="${TMPDIR:-/tmp}/aims-screenshots-${stamp}-$$"
work_dir="$(mktemp -d "${TMPDIR:-/tmp}/aims-browser-XXXXXX")"
server_log="$work_dir/server.log"
server_pid=""
db_created=""

cleanup() {
  local status=$?
  set +e
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if [ "$status" -ne 0 ] && [ -s "$server_log" ]; then
    echo "-- last lines of the server log ($server_log):" >&2
    tail -n 40 "$server_log" >&2
  fi
  if [ -n "$db_created" ]; then
    psql "$admin_url" -qX -v ON_ERROR_STOP=1 -c "drop database if exists \"$db_name\" with (force)" >/dev/null 2>&1 ||
      psql "$admin_url" -qX -c "drop database if exists \"$db_name\"" >/dev/null ||
      echo "warning: could not drop database $db_name" >&2
  fi
  # Keep the server log next to the screenshots when something failed; drop the rest.
  if [ "$status" -ne 0 ] && [ -s "$server_log" ] && [ -d "$screenshot_dir" ]; then
    cp "$server_log" "$screenshot_dir/server.log"
  fi
  rm -rf "$work_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v node >/dev/null || { echo "node is required (Node 20 or later)" >&2; exit 1; }
command -v psql >/dev/null || { echo "psql is required" >&2; exit 1; }
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || { echo "Chromium not found at $chromium (set CHROMIUM or apt-get install chromium)" >&2; exit 1; }

echo "== creating database $db_name"
psql "$admin_url" -qX -v ON_ERROR_STOP=1 -c "create database \"$db_name\"" >/dev/null
db_created=1
# The application role is cluster-wide; migrations create it too, doing it first avoids races
# with test suites migrating other databases at the same time.
psql "$admin_url" -qX -c \
  "do \$\$ begin create role aims_app nologin; exception when duplicate_object or unique_violation then null; end \$\$;" >/dev/null

target_dir="${CARGO_TARGET_DIR:-$root/target}"
binary="$target_dir/debug/aims"
if [ "${AIMS_SKIP_BUILD:-}" = "1" ]; then
  echo "== skipping cargo build (AIMS_SKIP_BUILD=1)"
else
  echo "== cargo build -p aims-web"
  cargo build -p aims-web
fi
[ -x "$binary" ] || { echo "no binary at $binary" >&2; exit 1; }

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return
  fi
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
port="$(free_port)"
base_url="http://127.0.0.1:$port"

echo "== starting the server on $base_url"
DATABASE_URL="$db_url" \
  AIMS_BIND="127.0.0.1:$port" \
  AIMS_BASE_URL="$base_url" \
  AIMS_SECURE_COOKIES=false \
  AIMS_DATA_DIR="$work_dir/data" \
  AIMS_STATIC_DIR="$root/static" \
  NO_COLOR=1 \
  "$binary" serve >"$server_log" 2>&1 &
server_pid=$!

ready() {
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$base_url/readyz" 2>/dev/null)" = "200" ]
  else
    node -e 'fetch(process.argv[1]).then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$base_url/readyz"
  fi
}
deadline=$((SECONDS + 60))
until ready; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited before it was ready" >&2
    server_pid=""
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "the server did not answer GET /readyz with 200 within 60 s" >&2
    exit 1
  fi
  sleep 0.25
done
echo "   ready"

if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  echo "== npm ci"
  (cd "$here" && npm ci --silent --no-audit --no-fund)
fi

mkdir -p "$screenshot_dir"
echo "== browser journey"
journey_status=0
(cd "$here" && BASE_URL="$base_url" SCREENSHOT_DIR="$screenshot_dir" CHROMIUM="$chromium" node journey.js) || journey_status=$?

echo "Screenshots: $screenshot_dir"
exit "$journey_status"
