from django.urls import path

from . import views

app_name = "admission"

urlpatterns = [
    path("<int:plan_id>/", views.waiting, name="waiting"),
    path("<int:plan_id>/notify/", views.notify, name="notify"),
    path("<int:plan_id>/rules/", views.rules, name="rules"),
]
