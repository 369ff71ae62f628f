from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("<str:code>/", views.public, name="public"),
    path("<str:code>/list.csv", views.list_file, name="list"),
    path("<str:code>/<int:draw_id>/order.csv", views.order_file, name="order"),
    path("<str:code>/<int:draw_id>/draw.txt", views.draw_file, name="draw"),
    path("<str:code>/verify_draw.py", views.verify_script, name="verify_script"),
]
