#!/usr/bin/env bash
# Serve Totonou locally: the production server (gunicorn) and the background worker, together.
# Used by `make run`; stops both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
LOCALE=${LOCALE:-ja}

"$BIN/totonou" migrate --noinput >/dev/null
"$BIN/totonou" seed --size demo --locale "$LOCALE" --if-empty

"$BIN/totonou" worker --no-startup-delay &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Totonou is running at http://$HOST:$PORT/
  Demo logins (password: demo): manager, rep1 … rep6, admin
  API docs: http://$HOST:$PORT/api/v1/docs   ·   Stop with Ctrl-C

MSG
"$BIN/gunicorn" totonou.config.wsgi:application \
  --bind "$HOST:$PORT" --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" \
  --access-logfile - --log-level warning
