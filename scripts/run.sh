#!/usr/bin/env bash
# `make run`: the development server, one notification worker, the reminder clock and the waiting
# room's turn texts, in one terminal. Ctrl-C reaches all four (one process group); the trap
# stops whatever is left.
set -u
BIN=$1 ADDR=$2
"$BIN/python" manage.py db_worker --no-reload --interval 1 &
worker=$!
# Opening reminders and lost jobs, as cron does in production (README, "Workers").
"$BIN/python" manage.py notifications_due --every 30 --verbosity 0 &
clock=$!
# The waiting room's 轮到我时短信通知我 texts (README, "排队"), as cron or a service does in production.
"$BIN/python" manage.py room_notify --every 5 --verbosity 0 &
room=$!
trap 'kill -TERM $worker $clock $room 2>/dev/null; wait $worker $clock $room 2>/dev/null' EXIT INT TERM
"$BIN/python" manage.py runserver "$ADDR"
