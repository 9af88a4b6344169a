#!/usr/bin/env bash
# Do what a newcomer does: clone the repository into a new folder (no var/, no .venv), `make run`,
# use the site, stop it with Ctrl-C; then `make run` again and check an edit survived.
#   .ci/first-run.sh                      SQLite (the default)
#   .ci/first-run.sh postgres://…/name    PostgreSQL: the database is dropped and created first
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
database_url=${1:-}
work=$(mktemp -d)
clone="$work/physiofit"
git clone --quiet "$repo" "$clone"
cd "$clone"
test ! -e var && test ! -e .venv

if [ -n "$database_url" ]; then
  name=${database_url##*/}
  server=${database_url%/*}
  psql "$server/postgres" -q -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\""
  export DATABASE_URL="$database_url"
fi
export PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$PORT"
token="ci$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
runner=""

fail() {
  echo "FAIL: $*" >&2
  echo "--- last lines of make run ---" >&2
  tail -40 "$work/run.log" >&2 || true
  [ -n "$runner" ] && kill -TERM -- "-$runner" 2>/dev/null || true
  exit 1
}

start() {
  # Its own process group, like a terminal's foreground job, so Ctrl-C can be sent to all of it.
  setsid make run >"$work/run.log" 2>&1 &
  runner=$!
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$base/" 2>/dev/null; then return 0; fi
    kill -0 "$runner" 2>/dev/null || fail "make run exited before serving"
    sleep 1
  done
  fail "make run did not serve $base/ within 10 minutes"
}

stop() {
  kill -INT -- "-$runner"
  for _ in $(seq 1 30); do
    if ! pgrep -g "$runner" >/dev/null; then
      runner=""
      curl -fsS -o /dev/null "$base/" 2>/dev/null && fail "something still answers on port $PORT after Ctrl-C"
      return 0
    fi
    sleep 1
  done
  fail "make run did not stop within 30 s of Ctrl-C"
}

echo "== first make run in a fresh clone (${DATABASE_URL:-SQLite}) =="
started=$(date +%s)
start
echo "  serving after $(( $(date +%s) - started )) s"
python3 "$repo/.ci/probe.py" "$base" --token "$token" || fail "the site does not work as a newcomer expects"
grep -q "physiofit.request GET booking:reschedule 404" "$work/run.log" || fail "requests are not logged by route"
grep -qF "$token" "$work/run.log" && fail "a link's token reached the log"
# A task worker that dies (it does when the database goes away) is started again.
pkill -KILL -g "$runner" -f "manage.py db_worker" || fail "no task worker is running"
for _ in $(seq 1 30); do pgrep -g "$runner" -f "manage.py db_worker" >/dev/null && break; sleep 1; done
pgrep -g "$runner" -f "manage.py db_worker" >/dev/null || fail "the task worker was not started again"
stop

echo "== an edit, then make run again: the data stays =="
DJANGO_SETTINGS_MODULE=physiofit.settings.standalone .venv/bin/python manage.py shell --no-imports -c "
from wagtail.models import Site
from physiofit.core.models import ClinicSettings
clinic = ClinicSettings.for_site(Site.objects.get(is_default_site=True))
clinic.tagline = 'Edited before the second run'
clinic.save()
"
start
python3 "$repo/.ci/probe.py" "$base" --marker "Edited before the second run" || fail "the second run lost data or broke"
# The task worker beside the site works through the queue (the demo's emails and page indexing).
for _ in $(seq 1 120); do
  curl -fsS "$base/healthz" | grep -q '"queued": 0,' && break
  sleep 1
done
curl -fsS "$base/healthz" | grep -q '"queued": 0,' || fail "the task worker did not empty the queue in 2 minutes"
echo "  the task worker emptied the queue"
stop
rm -rf "$work"
echo "first run OK"
