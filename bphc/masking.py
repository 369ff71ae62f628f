"""Masking of personal data for pages, admin lists, logs and receipts."""


def mask_id_number(value: str | None) -> str:
    """Show the first four and last four characters of an ID number: 1101**********1234."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Show a mobile number as 138****5678."""
    if not value:
        return ""
    if len(value) < 11:
        return "*" * len(value)
    return value[:3] + "****" + value[-4:]


def mask_name(value: str | None) -> str:
    """Keep a name's first character: 张**."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)
