"""What filings tell the apps above them, so that filings imports none of them."""

from django.dispatch import Signal

# Sent by the import for the filings it turns 失效 or takes unit types from, with `filings`
# (as they will be stored). Each receiver answers with (登记编号, why) pairs for the operator.
filings_narrowed = Signal()
