from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = "登记"

    def ready(self) -> None:
        from . import filing_changes  # noqa: F401  (connects the filings import's signal)
