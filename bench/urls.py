from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("floor/", views.floor_page, name="floor"),
    path("floor/write/", views.floor_write, name="floor_write"),
]
