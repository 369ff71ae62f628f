from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("code/<str:purpose>/", views.send_code_view, name="send_code"),
    path("center/", views.center, name="center"),
    path("center/phone/", views.phone_change, name="phone_change"),
    path("center/phone/new/", views.phone_change_new, name="phone_change_new"),
]
