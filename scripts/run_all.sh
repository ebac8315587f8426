#!/usr/bin/env bash
# Run the web server, a Celery worker and Celery beat together; Ctrl+C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
PY=.venv/bin/python
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

$PY -m celery -A crm worker --loglevel=INFO --pool=solo --without-gossip --without-mingle >var/worker.log 2>&1 &
pids+=($!)
$PY -m celery -A crm beat --loglevel=INFO >var/beat.log 2>&1 &
pids+=($!)

cat <<MSG

  CRM is running at http://127.0.0.1:8000/
  Demo logins (demo only, password "demo"):
    admin     administrator
    head      sales head, region A
    manager   sales manager, region A
    manager2  sales manager, region B
    engineer  service engineer
  Worker and beat log to var/worker.log and var/beat.log. Ctrl+C stops everything.

MSG
$PY manage.py runserver 127.0.0.1:8000 --noreload &
pids+=($!)
wait -n "${pids[@]}"
