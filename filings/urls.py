from django.urls import path

from . import views

app_name = "filings"

urlpatterns = [
    path("", views.info, name="info"),
    path("verify/", views.verify, name="verify"),
]
