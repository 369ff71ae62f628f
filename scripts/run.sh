#!/usr/bin/env bash
# `make run`: the development server, one notification worker and the reminder clock, in one
# terminal. Ctrl-C reaches all three (one process group); the trap stops whatever is left.
set -u
BIN=$1 ADDR=$2
"$BIN/python" manage.py db_worker --no-reload --interval 1 &
worker=$!
# Opening reminders and lost jobs, as cron does in production (README, "Workers").
"$BIN/python" manage.py notifications_due --every 30 --verbosity 0 &
clock=$!
trap 'kill -TERM $worker $clock 2>/dev/null; wait $worker $clock 2>/dev/null' EXIT INT TERM
"$BIN/python" manage.py runserver "$ADDR"
