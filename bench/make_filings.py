"""Write an N-row filings CSV for load tests: `python -m bench.make_filings var/bench-filings.csv -n 100000`.

Rows are valid (GB 11643 check characters, known districts and unit types) and the same
for the same seed, so re-importing a regenerated file reports every row unchanged.
"""

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

from bphc.validators import id_check_char

HEADER = [
    "备案编号", "验证码", "申请人姓名", "身份证号", "手机号", "备案区",
    "家庭人数", "类别", "可选套型", "状态", "有效期至",
]
# Area codes matching the districts, so the ID numbers look like Beijing residents'.
DISTRICTS = {
    "东城区": "110101", "西城区": "110102", "朝阳区": "110105", "丰台区": "110106", "石景山区": "110107",
    "海淀区": "110108", "门头沟区": "110109", "房山区": "110111", "通州区": "110112", "顺义区": "110113",
    "昌平区": "110114", "大兴区": "110115", "怀柔区": "110116", "平谷区": "110117", "密云区": "110118",
    "延庆区": "110119",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
UNIT_CHOICES = ["一居室", "二居室", "一居室;二居室", "二居室;三居室", "一居室;二居室;三居室", "开间;一居室"]
CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def row(n: int, rng: random.Random) -> list:
    district = rng.choice(list(DISTRICTS))
    # Birth date and serial from the row number: one person per row, as the importer requires
    # (random ones repeat about 20 times in 100,000 rows).
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=n // 1000)
    first17 = f"{DISTRICTS[district]}{birth:%Y%m%d}{n % 1000:03d}"
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else ""
    return [
        f"BENCH{n:08d}",
        "".join(rng.choice(CODE_CHARS) for _ in range(6)),
        rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        first17 + id_check_char(first17),
        phone,
        district,
        rng.randint(1, 6),
        "优先" if rng.random() < 0.2 else "普通",
        rng.choice(UNIT_CHOICES),
        "失效" if rng.random() < 0.05 else "有效",
        (dt.date(2027, 1, 1) + dt.timedelta(days=rng.randrange(1500))).isoformat(),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?", default=Path("var/bench-filings.csv"))
    parser.add_argument("-n", "--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.path.parent.mkdir(parents=True, exist_ok=True)
    with args.path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for n in range(1, args.rows + 1):
            writer.writerow(row(n, rng))
    print(f"wrote {args.rows} filings to {args.path}")


if __name__ == "__main__":
    main()
