#!/usr/bin/env bash
# `make run-prod`: the production profile on one machine ("Running at scale" in the README).
#
#   PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), both required; WEB_WORKERS backend
#   worker processes (default 2 x CPU cores + 1) on BACKEND_PORT; the background worker as
#   its own process (`python -m portal_app worker`); and Caddy (deploy/Caddyfile.scale)
#   serving the static frontend on PORT and passing the backend paths to the backend.
#
# It migrates and loads the demo landlord (first run only), as `make run` does, builds the
# frontend for PORTAL_BASE_URL, and stops everything it started when one of them stops
# or on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
REFLEX=${REFLEX:-.venv/bin/reflex}
CADDY=${CADDY_PATH:-/usr/bin/caddy}
PORT=${PORT:-3000}
BACKEND_PORT=${BACKEND_PORT:-8000}
export PORTAL_BASE_URL=${PORTAL_BASE_URL:-http://localhost:$PORT}

case "${DATABASE_URL:-}" in
  postgresql*) ;;
  *) echo "make run-prod needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://user@host:5432/db" \
          "(now: ${DATABASE_URL:-unset, which is SQLite}; several processes cannot share SQLite)." >&2; exit 2 ;;
esac
if [ -z "${REDIS_URL:-}" ]; then
  echo "make run-prod needs Redis: set REDIS_URL=redis://host:6379/0 (the backend workers share the pages' state there)." >&2
  exit 2
fi
if ! "$PY" -c "import redis, os, sys; redis.Redis.from_url(os.environ['REDIS_URL'], socket_timeout=3).ping()" 2>/dev/null; then
  echo "make run-prod: Redis does not answer at REDIS_URL=$REDIS_URL." >&2
  exit 2
fi
if [ ! -x "$CADDY" ]; then
  echo "make run-prod needs Caddy ($CADDY): \`make caddy\` installs Debian's." >&2
  exit 2
fi
# The web workers run no background loop: the worker below does that work, once.
export WORKER_IN_WEB=false
# Caddy is the one proxy in front of the backends.
export REFLEX_TRUSTED_PROXY_HOPS=${REFLEX_TRUSTED_PROXY_HOPS:-1}
WEB_WORKERS=$("$PY" -c "from portal_app.settings import get_settings; print(get_settings().web_workers)")

"$PY" -m portal_app migrate
"$PY" -m portal_app seed-demo
"$PY" -m portal_app check-schema

# The frontend, built for the address residents use (its websocket goes there).
REFLEX_API_URL=${REFLEX_API_URL:-$PORTAL_BASE_URL} "$REFLEX" export --frontend-only --no-zip --env prod
FRONTEND=${FRONTEND_DIR:-data/frontend}
rm -rf "$FRONTEND.new" && cp -r .web/build/client "$FRONTEND.new" && rm -rf "$FRONTEND" && mv "$FRONTEND.new" "$FRONTEND"
set -a
eval "$("$PY" deploy/front_end_env.py "$FRONTEND" | sed "s/'/'\\\\''/g; s/=\(.*\)$/='\1'/")"
set +a
export DOORSTEP_SITE=${DOORSTEP_SITE:-http://:$PORT}
export DOORSTEP_BACKENDS=${DOORSTEP_BACKENDS:-127.0.0.1:$BACKEND_PORT}

pids=()
stop_all() { trap - EXIT INT TERM; for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done; wait; }
trap stop_all EXIT INT TERM

echo "Backend: $WEB_WORKERS worker processes on 127.0.0.1:$BACKEND_PORT"
GRANIAN_WORKERS=$WEB_WORKERS setsid "$REFLEX" run --env prod --backend-only \
  --backend-host 127.0.0.1 --backend-port "$BACKEND_PORT" & pids+=($!)
echo "Background worker: python -m portal_app worker"
setsid "$PY" -m portal_app worker & pids+=($!)
echo "Front end: Caddy on port $PORT ($PORTAL_BASE_URL)"
setsid "$CADDY" run --config deploy/Caddyfile.scale --adapter caddyfile & pids+=($!)

# When any one of them stops, stop the others (a supervisor restarts the lot).
wait -n
echo "run-prod: a process stopped; stopping the others." >&2
