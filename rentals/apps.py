from django.apps import AppConfig


class RentalsConfig(AppConfig):
    name = "rentals"
    verbose_name = "配租计划与房源"

    def ready(self) -> None:
        from . import catalogue  # noqa: F401  (its signals renew a plan's catalogue token)
