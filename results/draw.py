"""The registrant list and the order it yields, as pure functions.

tools/verify_draw.py is this module's standalone twin (standard library only, for
citizens); tests/results/test_draw.py holds both to the same checked-in vectors.

The list file (名单文件) is UTF-8 CSV without BOM, "\\n" line ends, this header and one
line per active registration, sorted by registration number:

    registration_number,project_code,unit_type,tier,filing_year,registered_at
    GZF-2026-KS03-000001,KS03-01,一居室,优先,2025,2026-11-02 09:00:01.000000

`tier` is 优先 or 普通; `registered_at` is Beijing time, fixed width, so text order is
time order.
"""

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass

HEADER = ("registration_number", "project_code", "unit_type", "tier", "filing_year", "registered_at")
PRIORITY, ORDINARY = "优先", "普通"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class Entry:
    number: str
    project: str
    unit_type: str
    tier: str
    filing_year: int
    registered_at: str

    @property
    def group(self) -> tuple[str, str]:
        return self.project, self.unit_type


def tier_of(category: str) -> str:
    """A filing's tier: 优先 families come before 普通 ones (any other category is 普通)."""
    return PRIORITY if category == PRIORITY else ORDINARY


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def list_text(entries: list[Entry]) -> str:
    """The list file; the same registrations give the same bytes whatever order they come in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for e in sorted(entries, key=lambda e: e.number):
        writer.writerow((e.number, e.project, e.unit_type, e.tier, e.filing_year, e.registered_at))
    return out.getvalue()


def parse_list(text: str) -> list[Entry]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != HEADER:
        raise ValueError("list file header is not " + ",".join(HEADER))
    return [Entry(r[0], r[1], r[2], r[3], int(r[4]), r[5]) for r in rows[1:] if r]


def lottery_key(seed: str, public_value: str, number: str) -> str:
    return sha256_hex(f"{seed}|{public_value}|{number}")


def order(entries: list[Entry], *, lottery: bool, seed: str = "", public_value: str = "") -> dict:
    """{(project, unit type): [Entry, ...] in 顺序号 order}, groups sorted by their key."""
    def rank(e: Entry) -> tuple:
        tier = 0 if e.tier == PRIORITY else 1
        if lottery:  # filing year is not a tier of a lottery
            return tier, lottery_key(seed, public_value, e.number), e.number
        return e.filing_year, tier, e.registered_at, e.number

    groups = defaultdict(list)
    for e in entries:
        groups[e.group].append(e)
    return {key: sorted(groups[key], key=rank) for key in sorted(groups)}


def order_text(groups: dict) -> str:
    """The order as verify_draw.py prints it: project_code,unit_type,position,registration_number."""
    lines = [f"{p},{t},{i},{e.number}" for (p, t), rows in groups.items() for i, e in enumerate(rows, start=1)]
    return "".join(line + "\n" for line in lines)
