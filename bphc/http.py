"""Small request helpers shared by the apps."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request: HttpRequest) -> str:
    """The address rate limits key on: REMOTE_ADDR, or the proxy-appended one if trusted."""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        # Each trusted proxy appends the address it saw; anything further left is the
        # client's own claim and can be forged.
        if len(forwarded) >= trusted:
            return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR", "")


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def login_url_with_next(path: str) -> str:
    from django.urls import reverse

    return reverse("accounts:login") + "?" + urlencode({"next": path})


def loaded_user(request: HttpRequest):
    """The account if this request has already loaded it (a page's header, a login), else None.

    For what only needs the account when it is at hand anyway: asking `request.user` would
    load it, one query, on a page that otherwise reads none (the waiting page).
    """
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = request.__dict__.get("_cached_user")  # django.contrib.auth.middleware.get_user's cache
    return user
