"""The registrations a filings import leaves without the filing they were made on."""

from django.dispatch import receiver

from filings.models import Filing
from filings.signals import filings_narrowed

from .models import Registration


@receiver(filings_narrowed)
def registrations_to_review(sender, *, filings: list[Filing], **kwargs) -> list[tuple[str, str]]:
    """The active registrations of `filings` that the filings no longer support, and why.

    They stay active: cancelling a family's registration because a file changed is a clerk's
    decision, made with the family, not an import's.
    """
    by_pk = {filing.pk: filing for filing in filings}
    rows = (Registration.objects.active().filter(filing__in=list(by_pk)).order_by("number")
            .values_list("number", "filing_id", "unit_type"))
    found = []
    for number, filing_id, unit_type in rows:
        filing = by_pk[filing_id]
        if filing.status == Filing.Status.INVALID:
            found.append((number, f"备案{filing.filing_no}已改为失效"))
        elif unit_type not in filing.unit_types:
            found.append((number, f"备案{filing.filing_no}的可选套型不再包含所登记的{unit_type}"))
    return found
