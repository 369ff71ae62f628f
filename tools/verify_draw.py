#!/usr/bin/env python3
"""Re-run a 公租房 draw from its published files (Python 3.8+, standard library only).

  python3 verify_draw.py 名单.csv                                  # 按规则排序 plans
  python3 verify_draw.py 名单.csv --seed 种子 --public-value 公开值   # 摇号 plans

Prints project_code,unit_type,顺序号,registration_number, one line each, in order.
Order within each (project, unit type): 摇号 — 优先 before 普通, then ascending
SHA-256(seed|public value|registration number); 按规则排序 — filing year, 优先 before
普通, registration time, registration number.
"""
import argparse
import csv
import hashlib
import sys

HEADER = ["registration_number", "project_code", "unit_type", "tier", "filing_year", "registered_at"]

p = argparse.ArgumentParser()
p.add_argument("list_file")
p.add_argument("--seed")
p.add_argument("--public-value")
a = p.parse_args()
if (a.seed is None) != (a.public_value is None):
    sys.exit("give both --seed and --public-value (摇号), or neither (按规则排序)")
with open(a.list_file, encoding="utf-8", newline="") as f:
    rows = list(csv.reader(f))
if rows[0] != HEADER:
    sys.exit("not a registrant list: the first line must be " + ",".join(HEADER))
if a.seed is not None:
    print("seed SHA-256 (compare with the published commitment):",
          hashlib.sha256(a.seed.encode()).hexdigest(), file=sys.stderr)


def rank(r):
    number, _, _, tier, year, at = r
    tier = 0 if tier == "优先" else 1
    if a.seed is not None:
        key = hashlib.sha256(f"{a.seed}|{a.public_value}|{number}".encode()).hexdigest()
        return (tier, key, number)
    return (int(year), tier, at, number)


groups = {}
for r in rows[1:]:
    if r:
        groups.setdefault((r[1], r[2]), []).append(r)
for key in sorted(groups):
    for i, r in enumerate(sorted(groups[key], key=rank), start=1):
        print(f"{key[0]},{key[1]},{i},{r[0]}")
