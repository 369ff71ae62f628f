"""Load the authority's filing spreadsheets (.xlsx, .csv): check the whole file, then upsert it.

The file is read twice, streaming both times: a first pass validates every row and keeps
only the 备案编号 seen (for duplicates); a second pass, inside one transaction, writes in
batches. Nothing else of the file is held in memory, so 100,000 rows cost what 1,000 do.
"""

import codecs
import csv
import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, reset_queries, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from bphc.crypto import id_digest
from bphc.validators import PHONE_RE, id_number_problem, normalise_id_number, normalise_phone
from rentals.vocab import DISTRICTS, UNIT_TYPE_ORDER, split_words

from .models import FILING_NO_RE, Filing, normalise_code, normalise_filing_no

BATCH_SIZE = 500
PROGRESS_EVERY = 10_000
AUDIT_ACTION = "导入备案"

# Field → accepted headers. Headers are compared after NFKC, lower-casing and dropping
# spaces, so "备案编号 ", "Filing No" and "filing_no" all match.
COLUMNS: dict[str, tuple[str, ...]] = {
    "filing_no": ("备案编号", "filing_no", "filingno", "filing_number"),
    "code": ("验证码", "code", "verification_code"),
    "applicant_name": ("申请人姓名", "申请人", "姓名", "name", "applicant_name", "applicant"),
    "id_number": ("身份证号", "身份证号码", "id_number", "id_no", "id_card"),
    "phone": ("手机号", "手机号码", "phone", "mobile"),
    "district": ("备案区", "district"),
    "family_size": ("家庭人数", "family_size"),
    "category": ("类别", "category"),
    "unit_types": ("可选套型", "unit_types"),
    "status": ("状态", "status"),
    "valid_until": ("有效期至", "valid_until"),
    "filing_year": ("备案年份", "filing_year"),
}
LABELS = {field: names[0] for field, names in COLUMNS.items()}
# A phone is optional on the filing, so a file without that column is still complete.
# Without 备案年份 the year the filing was created stands in (Filing.year).
OPTIONAL_COLUMNS = {"phone", "filing_year"}
COMPARED = (
    "code_hash", "applicant_name", "id_number", "id_digest", "phone", "district", "family_size",
    "category", "unit_types", "status", "valid_until", "filing_year",
)
ENCODING_ALIASES = {"gbk": "gb18030", "gb2312": "gb18030", "cp936": "gb18030", "utf8": "utf-8"}
STATUSES = frozenset(Filing.Status.values)
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class ImportRefused(Exception):
    """The file was refused whole; `problems` are lines such as '第3行: 未知的备案区「朝阳」'."""

    def __init__(self, file_name: str, problems: list[str]) -> None:
        self.file_name = file_name
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"文件 {self.file_name} 未导入，未写入任何数据。问题共 {len(self.problems)} 处："
        return "\n".join([head, *self.problems])


@dataclass
class ImportResult:
    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        counts = f"新建 {self.created}，更新 {self.updated}，未变 {self.unchanged}"
        if self.dry_run:
            return f"校验通过（试运行，未写入）：{self.file_name} 共 {self.rows} 行；若导入将{counts}。"
        return f"备案导入完成：{self.file_name} 共 {self.rows} 行；{counts}。"


Progress = Callable[[str], object]


def import_filings(
    path: str | Path,
    *,
    encoding: str | None = None,
    dry_run: bool = False,
    actor: User | None = None,
    actor_label: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Validate the whole file, then upsert its filings in one transaction; raise ImportRefused if any row is bad."""
    path = Path(path)
    source = _Source(path, encoding)
    say = progress or (lambda message: None)

    rows = _validate(source, say)
    result = ImportResult(file_name=path.name, rows=rows, dry_run=dry_run)
    try:
        with transaction.atomic():
            _write(source, result, say)
            if dry_run:
                return result
            if result.created or result.updated:
                # A file that changes nothing writes nothing, not even this row, so that
                # loading the same file twice really leaves the database as it was.
                audit_record(
                    actor=actor, actor_label=actor_label, action=AUDIT_ACTION,
                    reason=f"导入备案文件 {path.name}",
                    details={
                        "file": path.name, "encoding": source.encoding or "xlsx", "rows": rows,
                        "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                    },
                )
    except IntegrityError as exc:
        # Only a concurrent import of the same numbers can get here: the file itself was checked.
        raise ImportRefused(path.name, [f"写入时与其他导入冲突，请稍后重新导入（{exc.__class__.__name__}）"]) from exc
    return result


# --- reading -------------------------------------------------------------------------


class _Source:
    """A file that can be streamed more than once, as rows of raw cell values."""

    def __init__(self, path: Path, encoding: str | None) -> None:
        self.path = path
        self.kind = path.suffix.lower()
        if not path.is_file():
            raise ImportRefused(path.name, [f"找不到文件：{path}"])
        if self.kind not in (".csv", ".xlsx"):
            raise ImportRefused(path.name, ["不支持的文件格式：请使用 .xlsx 或 .csv 文件（.xls 请先另存为 .xlsx）"])
        self.encoding = self._csv_encoding(encoding) if self.kind == ".csv" else None

    def _csv_encoding(self, given: str | None) -> str:
        with self.path.open("rb") as f:
            has_bom = f.read(3) == codecs.BOM_UTF8
            if given:
                name = ENCODING_ALIASES.get(given.lower().replace("_", "-"), given.lower())
                try:
                    name = codecs.lookup(name).name
                except LookupError:
                    raise ImportRefused(self.path.name, [f"未知的编码：{given}"]) from None
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

    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(spreadsheet row number, cells); the header is row 1."""
        try:
            if self.kind == ".csv":
                yield from self._csv_rows()
            else:
                yield from self._xlsx_rows()
        except UnicodeDecodeError:
            raise ImportRefused(
                self.path.name, [f"文件无法按 {self.encoding} 编码读取，请确认编码或用 --encoding 指定"]
            ) from None
        except csv.Error as exc:
            raise ImportRefused(self.path.name, [f"CSV 格式错误：{exc}"]) from None

    def _csv_rows(self) -> Iterator[tuple[int, tuple]]:
        with self.path.open(encoding=self.encoding, newline="") as f:
            for number, row in enumerate(csv.reader(f), start=1):
                yield number, tuple(row)

    def _xlsx_rows(self) -> Iterator[tuple[int, tuple]]:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise ImportRefused(self.path.name, [f"无法读取 Excel 文件：{exc.__class__.__name__}"]) from None
        try:
            sheet = book.worksheets[0]
            # Some writers record a wrong sheet size; without it openpyxl reads every cell there is.
            sheet.reset_dimensions()
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        finally:
            book.close()


def _blank(cells: tuple) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _records(source: _Source) -> Iterator[tuple[int, dict]]:
    """Data rows as {field: raw value}, after the header has been matched to the fields."""
    rows = source.rows()
    columns: dict[str, int] | None = None
    for number, cells in rows:
        if columns is None:
            if _blank(cells):
                continue
            columns = _columns(source.path.name, number, cells)
            continue
        if _blank(cells):
            continue
        yield number, {field: cells[i] if i < len(cells) else None for field, i in columns.items()}
    if columns is None:
        raise ImportRefused(source.path.name, ["文件是空的：第1行应为表头（备案编号、验证码、申请人姓名……）"])


def _header_key(cell: object) -> str:
    text = unicodedata.normalize("NFKC", str(cell or "")).replace("\ufeff", "")
    return re.sub(r"[\s*＊]", "", text).lower().replace("-", "_")


ALIASES = {_header_key(name): field for field, names in COLUMNS.items() for name in names}


def _columns(file_name: str, number: int, cells: tuple) -> dict[str, int]:
    columns: dict[str, int] = {}
    problems = []
    for i, cell in enumerate(cells):
        field = ALIASES.get(_header_key(cell))
        if field is None:
            continue  # extra columns (备注 …) are allowed and ignored
        if field in columns:
            problems.append(f"列「{LABELS[field]}」出现了两次")
        columns[field] = i
    missing = [LABELS[f] for f in COLUMNS if f not in columns and f not in OPTIONAL_COLUMNS]
    if missing:
        problems.insert(0, "缺少列：" + "、".join(missing))
    if problems:
        raise ImportRefused(file_name, [f"第{number}行: " + "；".join(problems)])
    return columns


# --- checking ------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text; Excel hands whole numbers (phones, sizes) over as int or float."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Control characters (NUL above all, which PostgreSQL refuses) never belong in a cell.
    return CONTROL.sub("", str(value).replace("\ufeff", "")).strip()


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        # A date cell without a date format arrives as Excel's serial day number.
        try:
            return from_excel(value).date() if 1 <= value < 2958466 else None
        except (ValueError, OverflowError):
            return None
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"[ T]0{1,2}:00(:00(\.0+)?)?$", "", text)  # "2026-12-31 00:00:00" from exports
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _check(raw: dict, *, hash_code: bool = True) -> tuple[dict, list[str]]:
    """One row's model values and every problem with it (problems empty when the row is good)."""
    problems: list[str] = []
    values: dict = {}

    filing_no = normalise_filing_no(raw["filing_no"])
    if not filing_no:
        problems.append("缺少备案编号")
    elif not FILING_NO_RE.match(filing_no):
        problems.append(f"备案编号「{filing_no}」格式不正确（4–40位字母、数字或短横线）")
    values["filing_no"] = filing_no

    # The code is never echoed back: error lists end up in terminals and logs.
    code = normalise_code(_text(raw["code"]))
    if not code:
        problems.append("缺少验证码")
    elif not re.fullmatch(r"[A-Z0-9]{4,20}", code):
        problems.append("验证码格式不正确（4–20位字母或数字）")
    elif hash_code:  # the checking pass skips the HMAC: only the writing pass stores it
        values["code_hash"] = Filing.hash_code(code)

    name = _text(raw["applicant_name"])
    if not name:
        problems.append("缺少申请人姓名")
    elif len(name) > 50:
        problems.append("申请人姓名过长（最多50个字）")
    values["applicant_name"] = name

    id_number = normalise_id_number(unicodedata.normalize("NFKC", _text(raw["id_number"])))
    if not id_number:
        problems.append("缺少身份证号")
    else:
        problem = id_number_problem(id_number)
        if problem:
            problems.append(problem.rstrip("。"))
    values["id_number"] = id_number
    values["id_digest"] = id_digest(id_number) or ""

    phone = normalise_phone(unicodedata.normalize("NFKC", _text(raw.get("phone"))))
    if phone and not PHONE_RE.match(phone):
        problems.append("手机号格式不正确（应为11位手机号，可留空）")
    values["phone"] = phone

    district = _text(raw["district"])
    if not district:
        problems.append("缺少备案区")
    elif district not in DISTRICTS:
        problems.append(f"未知的备案区「{district}」")
    values["district"] = district

    # "3.0" is how some tools export a whole number.
    size_text = re.sub(r"\.0+$", "", unicodedata.normalize("NFKC", _text(raw["family_size"])))
    if not size_text:
        problems.append("缺少家庭人数")
    elif not size_text.isdigit() or not 1 <= int(size_text) <= 20:
        problems.append(f"家庭人数「{size_text}」应为1到20之间的整数")
    else:
        values["family_size"] = int(size_text)

    category = _text(raw["category"])
    if not category:
        problems.append("缺少类别")
    elif len(category) > 20:
        problems.append("类别过长（最多20个字）")
    values["category"] = category

    words = split_words(_text(raw["unit_types"]))
    unknown = [w for w in words if w not in UNIT_TYPE_ORDER]
    if not words:
        problems.append("缺少可选套型")
    elif unknown:
        problems.append("未知的套型" + "、".join(f"「{w}」" for w in unknown))
    # Sorted and de-duplicated so "二居室;一居室" and "一居室、二居室" compare equal.
    values["unit_types"] = sorted(set(words), key=lambda w: UNIT_TYPE_ORDER.get(w, 99))

    status = _text(raw["status"])
    if status not in STATUSES:
        problems.append(f"状态「{status}」应为“有效”或“失效”" if status else "缺少状态")
    values["status"] = status

    if _text(raw["valid_until"]) == "":
        problems.append("缺少有效期至")
    else:
        day = _date(raw["valid_until"])
        if day is None or not 2000 <= day.year <= 2100:
            problems.append(f"有效期至「{_text(raw['valid_until'])}」不是有效日期（例如 2026-12-31）")
        values["valid_until"] = day

    year_text = re.sub(r"(\.0+|年)$", "", unicodedata.normalize("NFKC", _text(raw.get("filing_year"))))
    if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        problems.append(f"备案年份「{year_text}」应为四位年份（如 2025），可留空")
    values["filing_year"] = int(year_text) if year_text.isdigit() else None

    return values, problems


def _validate(source: _Source, say: Progress) -> int:
    """First pass: every problem in the file, or the number of good rows."""
    problems: list[str] = []
    first_row: dict[str, int] = {}
    count = 0
    for number, raw in _records(source):
        count += 1
        values, row_problems = _check(raw, hash_code=False)
        filing_no = values["filing_no"]
        if filing_no:
            if filing_no in first_row:
                row_problems.append(f"备案编号「{filing_no}」与第{first_row[filing_no]}行重复")
            else:
                first_row[filing_no] = number
        if row_problems:
            problems.append(f"第{number}行: " + "；".join(row_problems))
        if count % PROGRESS_EVERY == 0:
            say(f"已校验 {count} 行……")
    if problems:
        raise ImportRefused(source.path.name, problems)
    if count == 0:
        raise ImportRefused(source.path.name, ["文件中没有数据行"])
    return count


# --- writing -------------------------------------------------------------------------


def _good_rows(source: _Source) -> Iterator[dict]:
    for number, raw in _records(source):
        values, problems = _check(raw)
        if problems:  # the file changed between the passes
            raise ImportRefused(source.path.name, [f"第{number}行: " + "；".join(problems)])
        yield values


def _batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(source: _Source, result: ImportResult, say: Progress) -> None:
    """Second pass: compare each batch with the stored filings and write only what differs."""
    done = 0
    for batch in _batches(_good_rows(source), BATCH_SIZE):
        now = timezone.now()
        stored = Filing.objects.filter(filing_no__in=[v["filing_no"] for v in batch]).only("pk", "filing_no", *COMPARED)
        existing = {f.filing_no: f for f in stored}
        new, changed = [], []
        for values in batch:
            filing = existing.get(values["filing_no"])
            if filing is None:
                new.append(Filing(**values))
            elif any(getattr(filing, name) != values[name] for name in COMPARED):
                for name in COMPARED:
                    setattr(filing, name, values[name])
                filing.updated_at = now  # bulk_update skips auto_now
                changed.append(filing)
        result.created += len(new)
        result.updated += len(changed)
        result.unchanged += len(batch) - len(new) - len(changed)
        if not result.dry_run:
            Filing.objects.bulk_create(new)
            Filing.objects.bulk_update(changed, [*COMPARED, "updated_at"])
        # With DEBUG on Django keeps every SQL string it ran; long files must not pile them up.
        reset_queries()
        previous, done = done, done + len(batch)
        if done // PROGRESS_EVERY > previous // PROGRESS_EVERY:
            say(f"已{'比对' if result.dry_run else '写入'} {done} 行……")
