#!/usr/bin/env bash
# Serve the site with the task worker beside it; stopping either (Ctrl-C, SIGTERM) stops both.
#   serve.sh        gunicorn, as production serves (make run)
#   serve.sh --dev  Django's autoreloading development server (make dev)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

if ! "$PY" - "$HOST" "$PORT" <<'PYTHON'
import socket, sys
with socket.socket() as probe:
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((sys.argv[1], int(sys.argv[2])))
    except OSError:
        sys.exit(1)
PYTHON
then
  echo "Port ${PORT} on ${HOST} is already in use. Stop what uses it, or choose another: PORT=8001 make run" >&2
  exit 1
fi

# The task worker exits when it loses the database (django-tasks-db re-raises any database
# error): start it again, after queueing what it was running when it died. -v0: its own
# per-task lines would repeat physiofit.tasks' one line per task.
run_worker() {
  trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' INT TERM
  local id="serve-$$-$(hostname | cut -c1-40)"
  while true; do
    "$PY" manage.py requeue_abandoned_tasks --worker-id "$id" || true
    "$PY" manage.py db_worker --queue-name "*" --verbosity 0 --worker-id "$id" &
    child=$!
    code=0
    wait "$child" || code=$?
    if [ "$code" -eq 0 ]; then exit 0; fi
    echo "The task worker stopped (exit ${code}); starting it again in 5 s." >&2
    sleep 5
  done
}
run_worker &
worker=$!

# What cron does in production (docs/operations.md): every ten minutes, run again what a worker
# could not finish, and send any reminder a stopped worker missed.
safety_net() {
  trap 'kill "$pause" 2>/dev/null; exit 0' INT TERM
  while true; do
    sleep 600 &
    pause=$!
    wait "$pause"
    "$PY" manage.py requeue_abandoned_tasks || true
    "$PY" manage.py send_reminders >/dev/null || true
    "$PY" manage.py send_exercise_reminders >/dev/null || true
  done
}
safety_net &
nets=$!
if [ "${1:-}" = "--dev" ]; then
  "$PY" manage.py runserver "${HOST}:${PORT}" &
else
  # Threads let a slow request (a PDF, an email) not hold up the others; no access log:
  # physiofit.request writes one line per request without the path (it can be a credential).
  # Should an access log be switched on anyway (GUNICORN_CMD_ARGS, a gunicorn.conf.py), this
  # format, which the command line makes win over both, holds no path, query or referrer.
  "$PY" -m gunicorn physiofit.wsgi:application --bind "${HOST}:${PORT}" \
    --workers "${WEB_WORKERS:-3}" --threads "${WEB_THREADS:-4}" --backlog 2048 \
    --timeout 30 --graceful-timeout 10 --no-control-socket \
    --access-logformat '%(t)s %(m)s %(s)s %(B)s %(M)sms' &
fi
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" "$nets" 2>/dev/null || true
  wait "$web" "$worker" "$nets" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

echo "PhysioFit on http://${HOST}:${PORT}/  (staff sign-in: http://${HOST}:${PORT}/admin/)  Ctrl-C stops it."
set +e
wait -n "$web" "$worker"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "A PhysioFit process stopped (exit ${status}); stopping the other." >&2
fi
exit "$status"
