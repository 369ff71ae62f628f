from django.urls import path

from . import views

app_name = "registrations"

urlpatterns = [
    # Contract with the rentals detail page: quick plans link to register/<project>/,
    # real-time plans to register/<project>/?unit=<unit id>.
    path("register/<int:project_id>/", views.register, name="register"),
]
