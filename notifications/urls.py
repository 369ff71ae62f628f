from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("plans/<int:plan_id>/remind/", views.plan_reminder, name="plan_reminder"),
]
