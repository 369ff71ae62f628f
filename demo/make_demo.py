"""Write demo/filings.csv, the demo filings `seed_demo` imports: `python -m demo.make_demo`.

The first two rows are bound by `filings.demo` to the demo accounts 张伟 and 王芳; the rest
stay free so anyone can walk the verification by hand (the README lists their codes).
"""

# ruff: noqa: E501  (the data tables read best one filing per line)

import csv
import sys
from pathlib import Path

from bphc.validators import id_check_char

HEADER = ["备案编号", "验证码", "申请人姓名", "身份证号", "手机号", "备案区", "家庭人数", "类别", "可选套型", "状态", "有效期至"]

# filing_no, code, name, first 17 ID digits, phone, district, size, category, unit types, status, valid until
FILINGS = [
    ("GLH2026000001", "K7M2Q9", "张伟", "11010519850312001", "13800000001", "朝阳区", 3, "普通", "一居室;二居室", "有效", "2027-12-31"),
    ("GLH2026000002", "P4X8R3", "王芳", "11010819790721002", "13800000003", "海淀区", 4, "优先", "二居室;三居室", "有效", "2028-06-30"),
    ("GLH2026000003", "T6W3N5", "李娜", "11010619901105002", "", "丰台区", 2, "普通", "一居室", "有效", "2027-12-31"),
    ("GLH2026000004", "H9C5V2", "刘洋", "11011219820228001", "13800000004", "通州区", 5, "优先", "一居室;二居室;三居室", "有效", "2028-12-31"),
    ("GLH2026000005", "B3F7Y6", "孙丽", "11010519950909002", "", "朝阳区", 1, "普通", "一居室", "有效", "2027-06-30"),
    ("GLH2026000006", "D8J4L7", "周杰", "11010219750416001", "13700000006", "西城区", 3, "普通", "二居室", "失效", "2027-12-31"),
    ("GLH2026000007", "R2S6U4", "吴敏", "11011419881201002", "", "昌平区", 4, "优先", "三居室", "有效", "2028-03-31"),
    ("GLH2026000008", "M5Z9E3", "郑磊", "11010719920618001", "13700000008", "石景山区", 2, "普通", "一居室;二居室", "有效", "2027-09-30"),
    ("GLH2026000009", "W4G8K2", "冯涛", "11011519870314001", "", "大兴区", 3, "普通", "二居室", "有效", "2028-09-30"),
]


def rows() -> list[list]:
    return [
        [no, code, name, first17 + id_check_char(first17), phone, district, size, category, types, status, until]
        for no, code, name, first17, phone, district, size, category, types, status, until in FILINGS
    ]


def main() -> None:
    path = Path(__file__).with_name("filings.csv")
    # With a BOM, Excel on a Chinese Windows opens the file without garbling it.
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows())
    print(f"wrote {len(FILINGS)} demo filings to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
