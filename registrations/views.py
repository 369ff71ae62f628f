from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def register(request: HttpRequest, project_id: int) -> HttpResponse:
    """Placeholder until the registration journey lands."""
    return redirect("home")
