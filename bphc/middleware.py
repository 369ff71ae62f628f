from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


class MethodNotAllowedPage:
    """Give the empty 405 answers of @require_POST and friends a page in Chinese."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response


class NoStoreWhenSignedIn:
    """`Cache-Control: no-store` on every answer to a signed-in person.

    Their pages and PDFs carry names, ID numbers and phones; a shared computer's cache or a
    proxy must keep none of it. Public pages with personal data (the receipt check) say so
    themselves with `never_cache`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Signed in by the session itself: asking request.user would load the account.
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            add_never_cache_headers(response)
        return response
