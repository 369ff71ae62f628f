"""The opening-rush benchmark (`python -m bench.rush`) and its floor endpoints (BENCH_FLOOR=1)."""
