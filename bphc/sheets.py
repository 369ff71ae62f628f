"""Reading the operators' spreadsheets (.xlsx, .csv), the same way for every importer.

What a file really is (an .xlsx renamed .csv, a UTF-16 text, a broken download), its
encoding, streaming its rows, matching its headers and turning a cell into text live here;
each importer keeps only the checks of its own fields.
"""

import codecs
import csv
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ENCODING_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "utf8": "utf-8"}
# Control characters mean nothing in a cell, and PostgreSQL refuses NUL in text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# How Excel writes a long number into a CSV: the digits past the fifteenth are already gone.
EXCEL_EXPONENT = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)
# Excel keeps 15 significant digits: a whole number below this is exactly what was typed.
EXACT_BELOW = 10**15

ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
SAVE_AS_CSV = "请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后再导入"
SAVE_AS_XLSX = "请在 Excel 中打开后“另存为”“Excel 工作簿（.xlsx）”再导入"


class ImportRefused(Exception):
    """A file refused whole; `problems` are lines such as '第3行：未知的备案区「朝阳」'."""

    def __init__(self, problems: list[str], file_name: str = "") -> None:
        self.problems = problems
        self.file_name = file_name
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.file_name:
            return "\n".join(self.problems)
        head = f"文件 {self.file_name} 未导入，未写入任何数据。问题共 {len(self.problems)} 处："
        return "\n".join([head, *self.problems])


class NotText(ValueError):
    """A number cell where the column needs text: Excel may already have rounded it."""


# --- what the file is ----------------------------------------------------------------


def _what_it_is(head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head[:64]:
        return "utf-16"
    return "text"


def _misnamed(kind: str, actual: str, kinds: Sequence[str]) -> str:
    """What to tell an operator whose file is not what its name says, or "" when it is."""
    if kind == ".csv" and actual == "xlsx":
        fix = "请把扩展名改为 .xlsx 后导入" if ".xlsx" in kinds else SAVE_AS_CSV
        return f"该文件实际是 Excel 工作簿（.xlsx），扩展名却是 .csv：{fix}。"
    if actual == "xls":
        return f"该文件是旧版 Excel 工作簿（.xls），本系统不能读取：{SAVE_AS_XLSX}。"
    if kind == ".csv" and actual == "utf-16":
        return f"该文件是 UTF-16 编码的文本（Excel 的“Unicode 文本”格式），不是 CSV UTF-8 或 GB18030：{SAVE_AS_CSV}。"
    if kind == ".xlsx" and actual in ("text", "utf-16"):
        fix = "若它是 CSV 文件，请把扩展名改为 .csv 后导入" if ".csv" in kinds else SAVE_AS_XLSX
        return f"无法读取 Excel 文件：该文件不是 Excel 工作簿（内容是文本），扩展名却是 .xlsx：{fix}。"
    return ""


# --- opening and streaming -----------------------------------------------------------


class Spreadsheet:
    """An .xlsx or .csv that can be streamed more than once, sheet by sheet; use it in a `with`."""

    def __init__(
        self, source: str | Path | IO[bytes], *, kinds: Sequence[str] = (".xlsx", ".csv"),
        encoding: str | None = None, name: str = "", unsupported: str = "",
    ) -> None:
        self.source = source
        self.name = name or (Path(source).name if isinstance(source, str | Path) else getattr(source, "name", ""))
        self.kind = Path(self.name).suffix.lower() if isinstance(source, str | Path) else ".xlsx"
        self._book = None
        unsupported = unsupported or "不支持的文件格式：请使用 " + " 或 ".join(kinds) + " 文件（.xls 请先另存为 .xlsx）"
        if isinstance(source, str | Path):
            path = Path(source)
            if self.kind not in kinds:
                # An .xlsx renamed .csv gets its own words even where .csv is not accepted.
                head = path.read_bytes()[:512] if self.kind == ".csv" and path.is_file() else b""
                raise self.refused(head and _misnamed(self.kind, _what_it_is(head), kinds) or unsupported)
            if not path.is_file():
                raise self.refused(f"找不到文件：{path}")
            with path.open("rb") as f:
                head = f.read(512)
        else:
            head = source.read(512)
            source.seek(0)
        if not head:
            raise self.refused("文件是空的：第1行应为表头")
        if problem := _misnamed(self.kind, _what_it_is(head), kinds):
            raise self.refused(problem)
        self.encoding = self._csv_encoding(encoding) if self.kind == ".csv" else None

    def refused(self, problem: str) -> ImportRefused:
        return ImportRefused([problem], self.name)

    def __enter__(self) -> "Spreadsheet":
        return self

    def __exit__(self, *exc) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None

    def _csv_encoding(self, given: str | None) -> str:
        with Path(self.source).open("rb") as f:
            has_bom = f.read(3) == codecs.BOM_UTF8
            if given:
                name = ENCODING_ALIASES.get(given.lower().replace("_", "-"), given.lower())
                try:
                    name = codecs.lookup(name).name
                except LookupError:
                    raise self.refused(f"未知的编码：{given}") from None
                return "utf-8-sig" if name == "utf-8" and has_bom else name
            if has_bom:
                return "utf-8-sig"
            # Valid UTF-8 is almost never GB18030 text by accident, while GB18030 decodes
            # nearly any bytes, so try the strict one first, chunk by chunk.
            f.seek(0)
            decoder = codecs.getincrementaldecoder("utf-8")()
            try:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return "gb18030"
            return "utf-8"

    def _workbook(self):
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        if self._book is None:
            if not isinstance(self.source, str | Path):
                self.source.seek(0)
            try:
                self._book = openpyxl.load_workbook(self.source, read_only=True, data_only=True)
            except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError):
                raise self.refused(
                    "无法读取 Excel 文件：文件已损坏或不完整（例如没有下载或复制完）。"
                    f"{SAVE_AS_XLSX}，或重新导出该文件。"
                ) from None
        return self._book

    def sheet_names(self) -> list[str]:
        """The workbook's sheets; a CSV has one, named ""."""
        return self._workbook().sheetnames if self.kind == ".xlsx" else [""]

    def rows(self, sheet: str = "") -> Iterator[tuple[int, tuple]]:
        """(spreadsheet row number, raw cells) of one sheet (the first when not named); row 1 first."""
        try:
            if self.kind == ".csv":
                with Path(self.source).open(encoding=self.encoding, newline="") as f:
                    for number, row in enumerate(csv.reader(f), start=1):
                        yield number, tuple(row)
                return
            book = self._workbook()
            worksheet = book[sheet] if sheet else book.worksheets[0]
            # Some writers record a wrong sheet size; without it openpyxl reads every cell there is.
            worksheet.reset_dimensions()
            yield from enumerate(worksheet.iter_rows(values_only=True), start=1)
        except UnicodeDecodeError:
            raise self.refused(
                f"文件无法按 {self.encoding} 编码读取，请确认编码或用 --encoding 指定（{SAVE_AS_CSV}）"
            ) from None
        except csv.Error as exc:
            raise self.refused(f"CSV 格式错误：{exc}") from None


# --- headers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column an importer reads: its key, its Chinese header (the contract) and other names."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = True


def header_key(cell: object) -> str:
    """A header as compared: NFKC, no spaces, no required-marks (`*`, `＊`), lower case, `-` as `_`."""
    text = unicodedata.normalize("NFKC", str(cell or "")).replace("\ufeff", "")
    return re.sub(r"[\s*]", "", text).lower().replace("-", "_")


@dataclass
class Header:
    row: int = 0
    index: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # labels of required columns not found
    repeated: list[str] = field(default_factory=list)  # labels found twice

    @property
    def found(self) -> bool:
        return self.row > 0


def blank(cells: Iterable) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def read_table(
    rows: Iterable[tuple[int, tuple]], columns: Sequence[Column],
) -> tuple[Header, Iterator[tuple[int, dict]]]:
    """The header (the first non-blank row) matched to `columns`, and the data rows as {key: raw cell}.

    Extra columns (备注 …) are ignored; blank rows are skipped.
    """
    names = {header_key(name): c for c in columns for name in (c.label, c.key, *c.aliases)}
    rows = iter(rows)
    header = Header()
    for number, cells in rows:
        if blank(cells):
            continue
        header.row = number
        for position, cell in enumerate(cells):
            column = names.get(header_key(cell))
            if column is None:
                continue
            if column.key in header.index and column.label not in header.repeated:
                header.repeated.append(column.label)
            header.index[column.key] = position
        header.missing = [c.label for c in columns if c.required and c.key not in header.index]
        break

    def records() -> Iterator[tuple[int, dict]]:
        for number, cells in rows:
            if not blank(cells):
                yield number, {key: cells[i] if i < len(cells) else None for key, i in header.index.items()}

    return header, records()


# --- cells ---------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def cell_text(value: object, *, multiline: bool = False, numbers: str = "refuse") -> str:
    """A cell as clean text: no control characters, trimmed, inner spaces collapsed unless `multiline`.

    `numbers` says what a number cell may be: "refuse" (identifiers: raise NotText, never read a
    float's digits as a person's number), "whole" (labels such as 楼号 or 房号: an exact whole
    number reads as its digits) or "any" (counts and amounts).
    """
    if value is None:
        return ""
    if _is_number(value):
        exact_whole = float(value).is_integer() and abs(value) < EXACT_BELOW
        if numbers == "refuse" or (numbers == "whole" and not exact_whole):
            raise NotText(str(value))
        value = int(value) if exact_whole else value
    text = CONTROL.sub("", str(value).replace("\ufeff", "")).replace("\r\n", "\n").strip()
    if numbers == "refuse" and EXCEL_EXPONENT.match(text):
        raise NotText(text)
    return text if multiline else " ".join(text.split())


def as_text_problem(label: str) -> str:
    """The refusal for a number cell in a text column."""
    return f"{label}请以文本格式填写（该单元格是数字，Excel 可能已改动其末几位：请把该列设为“文本”后重新录入）"


# Characters a spreadsheet reads as the start of a formula, half- and full-width, and the
# tab and CR that some programs strip before they look.
FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r")


def formula_problem(label: str, text: str) -> str:
    """Why a name must not start as it does, or "" (a name is shown in exports opened by operators)."""
    if str(text).startswith(FORMULA_START):
        return f"{label}不能以 = + - @ 或制表符开头（打开导出文件时会被当作公式）"
    return ""
