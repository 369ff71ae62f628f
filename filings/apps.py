from django.apps import AppConfig


class FilingsConfig(AppConfig):
    name = "filings"
    verbose_name = "备案家庭"
