from django.urls import path

from . import views

app_name = "rentals"

urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/", views.projects, name="projects"),
    path("projects/<int:project_id>/", views.project, name="project"),
]
