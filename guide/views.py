from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .models import AssistPlace


@require_safe
def help_page(request: HttpRequest) -> HttpResponse:
    """帮助: the hotline, the assisted-registration places and hours, the manual's 其他问题."""
    return render(request, "guide/help.html", {"hotline": settings.BPHC_HOTLINE, "places": AssistPlace.objects.all()})
