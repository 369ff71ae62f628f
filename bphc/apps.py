from django.apps import AppConfig


class BphcConfig(AppConfig):
    """The project package itself, installed so that its system checks are registered."""

    name = "bphc"
    verbose_name = "公租房登记"

    def ready(self) -> None:
        from . import checks

        checks.register()
