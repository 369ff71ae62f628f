# The two commands of the README: `make run` and `make test`. Everything else serves them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install sysdeps migrate seed serve worker bench chaos lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

sysdeps:
	bash scripts/sysdeps.sh

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# The web server and one notification worker (and the reminder clock); Ctrl-C stops them all.
run: sysdeps seed
	@echo "公租房登记: http://$(HOST):$(PORT)/  (SMS codes and notices: http://$(HOST):$(PORT)/dev/sms/)"
	@bash scripts/run.sh $(BIN) $(HOST):$(PORT)

test: sysdeps install
	mkdir -p var
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production: DATABASE_URL, CACHE_URL, SECRET_KEY, ALLOWED_HOSTS and SMS_BACKEND come from
# the environment (see README, "Running in production"); gunicorn reads bphc/gunicorn.conf.py.
# `make serve` is the web tier only: run `make worker` on each worker machine (as many as you
# like, same environment) and `manage.py notifications_due` from cron every minute on one.
serve: install
	DEBUG=0 $(BIN)/python manage.py check --deploy
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 exec $(BIN)/gunicorn -c bphc/gunicorn.conf.py bphc.wsgi

worker: install
	DEBUG=0 exec $(BIN)/python manage.py db_worker --no-reload --interval 1

# The opening-rush benchmark on local PostgreSQL and Redis (bench/README.md); BENCH_ARGS="--help".
# With the SMS queue measured: BENCH_ARGS="--sms-latency 0,300 --kill-worker".
bench: sysdeps install
	$(BIN)/python -m bench.rush $(BENCH_ARGS)

# Faults mid-rush (bench/README.md, "The rush when things break"): its own PostgreSQL
# and Redis (free ports), nginx on 8860; exit 0 only if nothing was lost. CHAOS_ARGS="--help".
chaos: sysdeps install
	$(BIN)/python -m bench.faults $(CHAOS_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var/staticfiles test-artifacts
