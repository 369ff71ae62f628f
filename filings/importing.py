"""Load the authority's filing spreadsheets (.xlsx, .csv): check the whole file, then upsert it.

The file is read twice, streaming both times: a first pass validates every row and keeps
only the 备案编号 seen and the ID digests of its valid rows (for duplicates, within the file
and against the database); a second pass, inside one transaction, writes in batches.
Nothing else of the file is held in memory, so 100,000 rows cost what 1,000 do.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, reset_queries, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from bphc.crypto import id_digest
from bphc.sheets import Column, ImportRefused, NotText, Spreadsheet, as_text_problem, cell_text, read_table
from bphc.validators import (
    FILING_NO_RE,
    PHONE_RE,
    id_number_problem,
    normalise_code,
    normalise_filing_no,
    normalise_id_number,
    normalise_phone,
)
from rentals.vocab import DISTRICTS, UNIT_TYPE_ORDER, split_words

from .models import Filing
from .signals import filings_narrowed

__all__ = ["ImportRefused", "ImportResult", "import_filings"]

BATCH_SIZE = 500
PROGRESS_EVERY = 10_000
AUDIT_ACTION = "导入备案"

# The Chinese header is the contract; the other names let an English export load too.
# Headers are compared by `bphc.sheets.header_key`, so "备案编号* ", "Filing No" and
# "filing_no" all match. A new column is one more line here (required=False when optional).
COLUMNS = (
    Column("filing_no", "备案编号", ("filingno", "filing_number")),
    Column("code", "验证码", ("verification_code",)),
    Column("applicant_name", "申请人姓名", ("申请人", "姓名", "name", "applicant")),
    Column("id_number", "身份证号", ("身份证号码", "id_no", "id_card")),
    # A phone is optional on the filing, so a file without that column is still complete.
    Column("phone", "手机号", ("手机号码", "mobile"), required=False),
    Column("district", "备案区", ()),
    Column("family_size", "家庭人数", ()),
    Column("category", "类别", ()),
    Column("unit_types", "可选套型", ()),
    Column("status", "状态", ()),
    Column("valid_until", "有效期至", ()),
    # Without 备案年份 the year the filing was created stands in (Filing.year).
    Column("filing_year", "备案年份", (), required=False),
)
LABELS = {c.key: c.label for c in COLUMNS}
COMPARED = (
    "code_hash", "applicant_name", "id_number", "id_digest", "phone", "district", "family_size",
    "category", "unit_types", "status", "valid_until", "filing_year",
)
STATUSES = frozenset(Filing.Status.values)
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# The 验证码 is what protects a filing from being bound by a stranger: short ones are guessable.
CODE_RE = re.compile(r"[A-Z0-9]{6,20}")


@dataclass
class ImportResult:
    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    # (登记编号, why): active registrations whose filing the file turns 失效 or narrows.
    to_review: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        counts = f"新建 {self.created}，更新 {self.updated}，未变 {self.unchanged}"
        if self.dry_run:
            return f"校验通过（试运行，未写入）：{self.file_name} 共 {self.rows} 行；若导入将{counts}。"
        return f"备案导入完成：{self.file_name} 共 {self.rows} 行；{counts}。"

    def review_lines(self) -> list[str]:
        if not self.to_review:
            return []
        head = (f"注意：以下 {len(self.to_review)} 条有效登记的备案{'将' if self.dry_run else '已'}变动。"
                "登记仍保留、未被取消，请窗口工作人员与家庭核对后决定是否代为取消：")
        return [head, *(f"  登记编号 {number}：{why}" for number, why in self.to_review)]


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
    say = progress or (lambda message: None)
    with Spreadsheet(path, encoding=encoding) as source:
        return _import(source, path, dry_run=dry_run, actor=actor, actor_label=actor_label, say=say)


def _import(source: Spreadsheet, path: Path, *, dry_run: bool, actor: User | None, actor_label: str,
            say: Progress) -> ImportResult:
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
                        "registrations_to_review": [number for number, _ in result.to_review],
                    },
                )
    except IntegrityError as exc:
        # The file itself was checked; a concurrent import gets here, or (rarely) a person whose old
        # filing is turned 失效 in a later batch of the file than the one creating the new one.
        raise source.refused(
            "写入时与其他导入或同一人的其他有效备案冲突，未写入任何数据。请稍后重新导入；"
            f"如仍失败，请先导入将旧备案改为失效的文件（{exc.__class__.__name__}）"
        ) from exc
    return result


# --- reading -------------------------------------------------------------------------


def _records(source: Spreadsheet) -> Iterator[tuple[int, dict]]:
    """Data rows as {field: raw value}, after the header has been matched to the fields."""
    header, records = read_table(source.rows(), COLUMNS)
    if not header.found:
        raise source.refused("文件是空的：第1行应为表头（备案编号、验证码、申请人姓名……）")
    problems = [f"列「{label}」出现了两次" for label in header.repeated]
    if header.missing:
        problems.insert(0, "缺少列：" + "、".join(header.missing))
    if problems:
        raise source.refused(f"第{header.row}行：" + "；".join(problems))
    yield from records


# --- checking ------------------------------------------------------------------------


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
    text = unicodedata.normalize("NFKC", cell_text(value, numbers="any"))
    text = re.sub(r"[ T]0{1,2}:00(:00(\.0+)?)?$", "", text)  # "2026-12-31 00:00:00" from exports
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


# Columns of numbers; a number cell anywhere else is refused rather than read as its digits.
NUMBER_COLUMNS = {"family_size", "valid_until", "filing_year"}


def _cells(raw: dict, problems: list[str]) -> dict[str, str | None]:
    """Every cell as text; None (and a problem) for a number cell in a text column."""
    texts: dict[str, str | None] = {}
    for key, value in raw.items():
        try:
            texts[key] = cell_text(value, numbers="any" if key in NUMBER_COLUMNS else "refuse")
        except NotText:
            problems.append(as_text_problem(LABELS[key]))
            texts[key] = None
    return texts


def _present(cells: dict[str, str | None], key: str, value: object, problems: list[str]) -> bool:
    """Whether a required cell holds something to check; an empty one is `缺少…` (a number cell
    in a text column was refused already, by `_cells`)."""
    if cells[key] is None:
        return False
    if not value:
        problems.append(f"缺少{LABELS[key]}")
        return False
    return True


def _check(raw: dict, *, hash_code: bool = True) -> tuple[dict, list[str]]:
    """One row's model values and every problem with it (problems empty when the row is good)."""
    problems: list[str] = []
    values: dict = {}
    cells = _cells(raw, problems)

    filing_no = normalise_filing_no(cells["filing_no"])
    if _present(cells, "filing_no", filing_no, problems) and not FILING_NO_RE.match(filing_no):
        problems.append(f"备案编号「{filing_no}」格式不正确（4–40位字母、数字或短横线）")
    values["filing_no"] = filing_no

    # The code is never echoed back: error lists end up in terminals and logs.
    code = normalise_code(cells["code"])
    if _present(cells, "code", code, problems):
        if not CODE_RE.fullmatch(code):
            problems.append("验证码格式不正确（6–20位字母或数字）")
        elif hash_code:  # the checking pass skips the HMAC: only the writing pass stores it
            values["code_hash"] = Filing.hash_code(code)

    name = cells["applicant_name"] or ""
    if _present(cells, "applicant_name", name, problems) and len(name) > 50:
        problems.append("申请人姓名过长（最多50个字）")
    values["applicant_name"] = name

    id_number = normalise_id_number(cells["id_number"])
    if _present(cells, "id_number", id_number, problems) and (problem := id_number_problem(id_number)):
        problems.append(problem.rstrip("。"))
    values["id_number"] = id_number
    values["id_digest"] = id_digest(id_number) or ""

    phone = normalise_phone(cells.get("phone"))
    if phone and not PHONE_RE.match(phone):
        problems.append("手机号格式不正确（应为11位手机号，可留空）")
    values["phone"] = phone

    district = cells["district"]
    if _present(cells, "district", district, problems) and district not in DISTRICTS:
        problems.append(f"未知的备案区「{district}」")
    values["district"] = district or ""

    # "3.0" is how some tools export a whole number.
    size_text = re.sub(r"\.0+$", "", unicodedata.normalize("NFKC", cells["family_size"]))
    if not size_text:
        problems.append("缺少家庭人数")
    elif not size_text.isdigit() or not 1 <= int(size_text) <= 20:
        problems.append(f"家庭人数「{size_text}」应为1到20之间的整数")
    else:
        values["family_size"] = int(size_text)

    category = cells["category"]
    if _present(cells, "category", category, problems) and len(category) > 20:
        problems.append("类别过长（最多20个字）")
    values["category"] = category or ""

    words = split_words(cells["unit_types"])
    unknown = [w for w in words if w not in UNIT_TYPE_ORDER]
    if _present(cells, "unit_types", words, problems) and unknown:
        problems.append("未知的套型" + "、".join(f"「{w}」" for w in unknown))
    # Sorted and de-duplicated so "二居室;一居室" and "一居室、二居室" compare equal.
    values["unit_types"] = sorted(set(words), key=lambda w: UNIT_TYPE_ORDER.get(w, 99))

    status = cells["status"]
    if status is not None and status not in STATUSES:
        problems.append(f"状态「{status}」应为“有效”或“失效”" if status else "缺少状态")
    values["status"] = status or ""

    if cells["valid_until"] == "":
        problems.append("缺少有效期至")
    else:
        day = _date(raw["valid_until"])
        if day is None or not 2000 <= day.year <= 2100:
            problems.append(f"有效期至「{cells['valid_until']}」不是有效日期（例如 2026-12-31）")
        values["valid_until"] = day

    year_text = re.sub(r"(\.0+|年)$", "", unicodedata.normalize("NFKC", cells.get("filing_year") or ""))
    if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        problems.append(f"备案年份「{year_text}」应为四位年份（如 2025），可留空")
    values["filing_year"] = int(year_text) if year_text.isdigit() else None

    return values, problems


def _validate(source: Spreadsheet, say: Progress) -> int:
    """First pass: every problem in the file, or the number of good rows."""
    problems: list[tuple[int, str]] = []
    first_row: dict[str, int] = {}
    # One person, one valid filing: the digest of each valid row's 身份证号 → (row, 备案编号).
    valid_ids: dict[str, tuple[int, str]] = {}
    count = 0
    for number, raw in _records(source):
        count += 1
        values, row_problems = _check(raw, hash_code=False)
        filing_no = values["filing_no"]
        repeated = filing_no in first_row
        if repeated:
            row_problems.append(f"备案编号「{filing_no}」与第{first_row[filing_no]}行重复")
        elif filing_no:
            first_row[filing_no] = number
        digest = values["id_digest"]
        # A repeated 备案编号 is one filing twice, said once above, not a second person.
        if digest and values["status"] == Filing.Status.VALID and not repeated:
            if digest in valid_ids:
                row_problems.append(f"第{valid_ids[digest][0]}行与第{number}行的身份证号相同")
            else:
                valid_ids[digest] = (number, filing_no)
        if row_problems:
            problems.append((number, f"第{number}行：" + "；".join(row_problems)))
        if count % PROGRESS_EVERY == 0:
            say(f"已校验 {count} 行……")
    problems.extend(_held_by_other_filings(valid_ids, first_row))
    if problems:
        raise ImportRefused([line for _, line in sorted(problems, key=lambda p: p[0])], source.name)
    if count == 0:
        raise source.refused("文件中没有数据行")
    return count


def _held_by_other_filings(
    valid_ids: dict[str, tuple[int, str]], in_file: dict[str, int]
) -> Iterator[tuple[int, str]]:
    """Valid rows whose 身份证号 belongs to a valid filing the file leaves as it is.

    A stored filing that the file also lists ends as the file says, so the in-file check
    already covers it; only filings absent from the file keep their number and status.
    """
    digests = list(valid_ids)
    for start in range(0, len(digests), BATCH_SIZE):
        chunk = digests[start:start + BATCH_SIZE]
        held = Filing.objects.filter(status=Filing.Status.VALID, id_digest__in=chunk).order_by().values_list(
            "id_digest", "filing_no"
        )
        for digest, other in held:
            number, filing_no = valid_ids[digest]
            if other != filing_no and other not in in_file:
                yield number, f"第{number}行：身份证号与已有的有效备案「{other}」相同"


# --- writing -------------------------------------------------------------------------


def _good_rows(source: Spreadsheet) -> Iterator[dict]:
    for number, raw in _records(source):
        values, problems = _check(raw)
        if problems:  # the file changed between the passes
            raise source.refused(f"第{number}行：" + "；".join(problems))
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


def _narrows(filing: Filing, values: dict) -> bool:
    """Whether the row takes something from a filing a registration may stand on."""
    invalidated = filing.status == Filing.Status.VALID and values["status"] == Filing.Status.INVALID
    return invalidated or bool(set(filing.unit_types) - set(values["unit_types"]))


def _write(source: Spreadsheet, result: ImportResult, say: Progress) -> None:
    """Second pass: compare each batch with the stored filings and write only what differs."""
    done = 0
    for batch in _batches(_good_rows(source), BATCH_SIZE):
        now = timezone.now()
        stored = Filing.objects.filter(filing_no__in=[v["filing_no"] for v in batch]).only("pk", "filing_no", *COMPARED)
        existing = {f.filing_no: f for f in stored}
        new, changed, narrowed = [], [], []
        for values in batch:
            filing = existing.get(values["filing_no"])
            if filing is None:
                new.append(Filing(**values))
            elif any(getattr(filing, name) != values[name] for name in COMPARED):
                if _narrows(filing, values):
                    narrowed.append(filing)
                for name in COMPARED:
                    setattr(filing, name, values[name])
                filing.updated_at = now  # bulk_update skips auto_now
                changed.append(filing)
        if narrowed:
            for _, answer in filings_narrowed.send(sender=Filing, filings=narrowed):
                result.to_review += answer
        result.created += len(new)
        result.updated += len(changed)
        result.unchanged += len(batch) - len(new) - len(changed)
        if not result.dry_run:
            # Updates first: a row turning an old filing 失效 frees its 身份证号 for a new one.
            Filing.objects.bulk_update(changed, [*COMPARED, "updated_at"])
            Filing.objects.bulk_create(new)
        # With DEBUG on Django keeps every SQL string it ran; long files must not pile them up.
        reset_queries()
        previous, done = done, done + len(batch)
        if done // PROGRESS_EVERY > previous // PROGRESS_EVERY:
            say(f"已{'比对' if result.dry_run else '写入'} {done} 行……")
