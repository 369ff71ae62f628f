from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


def gzf(request: HttpRequest) -> HttpResponse:
    """The 公共租赁住房 module page, with its 业务办理 entry."""
    return render(request, "core/gzf.html")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def ratelimited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "429.html", status=429)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or request: whatever broke must not break this page too.
    return HttpResponse(render_to_string("500.html"), status=500)
