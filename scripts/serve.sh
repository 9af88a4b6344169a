#!/usr/bin/env bash
# Serve the site and run the task worker beside it; stopping one (Ctrl-C) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
PORT=${PORT:-8000}

"$PY" manage.py db_worker --queue-name "*" &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM

echo "PhysioFit on http://127.0.0.1:${PORT}/  (staff sign-in: http://127.0.0.1:${PORT}/admin/)"
"$PY" manage.py runserver "127.0.0.1:${PORT}"
