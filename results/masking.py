"""Masking for the public 公示: enough for a family to find itself, too little to identify anyone."""

# Two-character surnames that are common enough to keep whole (欧阳**, not 欧***).
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 "
    "夏侯 轩辕 令狐 澹台 端木 申屠 独孤 南宫 西门 百里 呼延".split()
)


def mask_name(name: str) -> str:
    """王芳 → 王*, 欧阳娜娜 → 欧阳**: the surname, then one * per hidden character."""
    name = (name or "").strip()
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * max(len(name) - keep, 1)


def mask_filing_no(filing_no: str) -> str:
    """GLH2026000002 → GLH2026****02: the prefix and year, then the last two characters."""
    if len(filing_no) <= 6:
        return "*" * len(filing_no)
    head = min(7, len(filing_no) - 4)
    return filing_no[:head] + "*" * (len(filing_no) - head - 2) + filing_no[-2:]
