"""The staff pages' family search: whole ID number, filing number or phone in one box.

A masked ID number or phone beside a search that answers "found" is an oracle, and a GET
query puts the full number in every access log. So the search is a POST, limited per staff
member and audited; the whole-ID search is for the roles that need it (the counter); the
result page's address carries only a random token that points at the term in the session.
"""

import secrets
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse

from bphc import limits
from bphc.crypto import id_digest
from bphc.masking import mask_id_number, mask_phone
from bphc.validators import (
    FILING_NO_RE,
    PHONE_RE,
    id_number_problem,
    normalise_filing_no,
    normalise_id_number,
    normalise_phone,
)

FULL_ID_PERMISSION = "filings.search_by_id_number"
SESSION_KEY = "staff_family_searches"
PARAM = "family"
KEEP = 20  # searches remembered per session, so the session does not grow through a shift
OVER_LIMIT = "查找次数过多，请稍后再试。如窗口业务确需更多查询，请联系系统管理员。"


@dataclass(frozen=True)
class Term:
    kind: str  # "id" (value: keyed digest), "phone" or "filing_no"
    value: str
    shown: str  # what the page and the audit log may show: masked for ID numbers and phones

    @property
    def kind_label(self) -> str:
        return {"id": "身份证号", "phone": "手机号", "filing_no": "备案编号"}[self.kind]


def classify(raw: str) -> Term | None:
    """What the clerk typed or read from the card; None for anything but a whole number."""
    number = normalise_id_number(raw)
    if len(number) == 18 and not id_number_problem(number):
        return Term("id", id_digest(number), mask_id_number(number))
    phone = normalise_phone(raw)
    if PHONE_RE.match(phone):
        return Term("phone", phone, mask_phone(phone))
    filing_no = normalise_filing_no(raw)
    if FILING_NO_RE.match(filing_no):
        return Term("filing_no", filing_no, filing_no)
    return None


def over_limit(request: HttpRequest) -> bool:
    """Count one search (or counter ID check) for this staff member; True when over the rate."""
    try:
        return limits.exceeded("staff-family-search", str(request.user.pk), settings.STAFF_SEARCH_RATE)
    except limits.Unavailable:
        # Without the shared counter the search would be an unlimited oracle: refuse it.
        return True


def _remember(request: HttpRequest, term: Term) -> str:
    token = secrets.token_urlsafe(9)
    searches = dict(list((request.session.get(SESSION_KEY) or {}).items())[-(KEEP - 1):])
    searches[token] = asdict(term)
    request.session[SESSION_KEY] = searches
    return token


def family_search(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    """POST q → audit, limit → the changelist filtered by a token, never by the number."""
    # Imported here: accounts' models load after bphc's helpers.
    from accounts.audit import audit_record

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    opts = model_admin.model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    term = classify(request.POST.get("q", ""))
    if term is None:
        messages.error(request, "请输入完整的18位身份证号、备案编号或11位手机号。按姓名查找请使用下方的搜索框。")
        return redirect(changelist)
    if term.kind == "id" and not request.user.has_perm(FULL_ID_PERMISSION):
        messages.error(request, "您的角色不能按完整身份证号查找家庭，请按备案编号查找。")
        return redirect(changelist)
    if over_limit(request):
        messages.error(request, OVER_LIMIT)
        return redirect(changelist)
    audit_record(actor=request.user, action="查找家庭", target=None,
                 details={"page": str(opts.verbose_name_plural), "by": term.kind_label, "term": term.shown})
    return redirect(f"{changelist}?{PARAM}={_remember(request, term)}")


class FamilySearchFilter(admin.SimpleListFilter):
    """Applies the remembered search; shown in the sidebar only while one is active."""

    title = "查找家庭"
    parameter_name = PARAM

    def _term(self, request: HttpRequest) -> Term | None:
        stored = (request.session.get(SESSION_KEY) or {}).get(self.value() or "")
        return Term(**stored) if stored else None

    def lookups(self, request: HttpRequest, model_admin) -> list:
        term = self._term(request)
        return [(self.value(), f"{term.kind_label} {term.shown}")] if term else []

    def has_output(self) -> bool:
        return bool(self.value())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if not self.value():
            return None
        term = self._term(request)
        return queryset.filter(self.match(term)) if term else queryset.none()

    # Where the model reaches the filing: "" on Filing itself, "filing__" from a registration.
    filing_path: str | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # Else the first search asks for a field called "Noneid_digest" (unless it matches its own way).
        if cls.filing_path is None and cls.match is FamilySearchFilter.match:
            raise ImproperlyConfigured(f"{cls.__name__} must set filing_path (\"\" on Filing, \"filing__\" from a row)")

    def match(self, term: Term) -> Q:
        """How a term finds a filing, the same on every page that lists filings or their rows."""
        f = self.filing_path
        return {
            "id": Q(**{f"{f}id_digest": term.value}),
            "phone": Q(**{f"{f}phone": term.value}) | Q(**{f"{f}account__phone": term.value}),
            "filing_no": Q(**{f"{f}filing_no": term.value}),
        }[term.kind]


class FamilySearchAdmin:
    """ModelAdmin mixin: the search box above the list, its POST view and its filter."""

    family_filter: type[FamilySearchFilter]
    change_list_template = "admin/change_list_family_search.html"

    def get_list_filter(self, request: HttpRequest):
        return [self.family_filter, *super().get_list_filter(request)]

    def get_urls(self) -> list:
        opts = self.model._meta
        view = self.admin_site.admin_view(lambda request: family_search(request, self))
        return [path("find/", view, name=f"{opts.app_label}_{opts.model_name}_find"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        opts = self.model._meta
        extra_context = {
            **(extra_context or {}),
            "family_search_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_find"),
            "can_search_full_id": request.user.has_perm(FULL_ID_PERMISSION),
        }
        return super().changelist_view(request, extra_context)
