"""Write the three fixture files that hold the same filings: `python -m tests.filings.data.make_data`.

Each imitates a real source: a GB18030 CSV as a Chinese Excel saves it (CRLF, 2027/12/31
dates, empty phone cells), a UTF-8 CSV with BOM, and an .xlsx with real date and
number cells. Row 3 holds 䶮, a character GBK lacks, so GBK would not be enough.
"""

# ruff: noqa: E501  (the data tables read best one filing per line)

import csv
import datetime as dt
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent

HEADER = ["备案编号", "验证码", "申请人姓名", "身份证号", "手机号", "备案区", "家庭人数", "类别", "可选套型", "状态", "有效期至"]
ROWS = [
    ["TST2026000001", "QW12ER", "陈静", "110105198001010016", "13612345678", "朝阳区", 3, "普通", "一居室;二居室", "有效", dt.date(2027, 12, 31)],
    ["TST2026000002", "AS34DF", "刘䶮", "110108197907210027", "", "海淀区", 4, "优先", "二居室、三居室", "有效", dt.date(2028, 6, 30)],
    ["TST2026000003", "ZX56CV", "王建国", "110106199011050020", "13700001111", "丰台区", 2, "普通", "一居室", "失效", dt.date(2027, 1, 15)],
    ["TST2026000004", "PO98IU", "赵晓燕", "110112198202280016", "", "通州区", 5, "优先", "一居室;二居室;三居室", "有效", dt.date(2029, 3, 1)],
]


def _csv(name: str, encoding: str, date_format: str, line_end: str) -> None:
    with (HERE / name).open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator=line_end)
        writer.writerow(HEADER)
        for row in ROWS:
            writer.writerow([*row[:-1], row[-1].strftime(date_format)])


def _xlsx(name: str) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "备案"
    sheet.append(HEADER)
    for row in ROWS:
        # Identifiers in text cells (a number cell is refused: Excel rounds long numbers),
        # sizes as numbers and dates as date cells, the way a clerk's Excel holds them.
        sheet.append([*row[:4], row[4] or None, *row[5:]])
        for column in (1, 2, 4, 5):
            sheet.cell(row=sheet.max_row, column=column).number_format = "@"
        sheet.cell(row=sheet.max_row, column=11).number_format = "yyyy-mm-dd"
    book.save(HERE / name)


def main() -> None:
    _csv("filings_gb18030.csv", "gb18030", "%Y/%m/%d", "\r\n")
    _csv("filings_utf8_bom.csv", "utf-8-sig", "%Y-%m-%d", "\n")
    _xlsx("filings.xlsx")


if __name__ == "__main__":
    main()
