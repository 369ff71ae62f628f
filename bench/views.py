"""The floor: what Django, gunicorn and PostgreSQL cost here for a signed-in GET and POST."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from .models import FloorRow


@login_required
@require_safe
def floor_page(request: HttpRequest) -> HttpResponse:
    """A tiny template with a CSRF token, as the notice page has."""
    return render(request, "bench/floor.html")


@login_required
@require_POST
def floor_write(request: HttpRequest) -> HttpResponse:
    """Insert one row and redirect, as a registration does."""
    row = FloorRow.objects.create(user=request.user)
    return redirect(f"/bench/floor/?row={row.pk}")
