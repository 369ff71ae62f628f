from django.urls import path

from . import views

app_name = "registrations"

urlpatterns = [
    # Contract with the rentals detail page: quick plans link to register/<project>/,
    # real-time plans to register/<project>/?unit=<unit id>.
    path("register/<int:project_id>/", views.register, name="register"),
    path("registrations/<int:pk>/success/", views.success, name="success"),
    path("center/records/", views.records, name="records"),
    path("registrations/<int:pk>/", views.detail, name="detail"),
    path("registrations/print/", views.print_preview, name="print"),
    path("registrations/print.pdf", views.print_pdf, name="print_pdf"),
    path("registrations/cancel/", views.cancel, name="cancel"),
    path("verify/<str:number>/<str:check_code>/", views.verify, name="verify"),
]
