from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The floor endpoints: installed only when settings.BENCH_FLOOR is on."""

    name = "bench"
    verbose_name = "基准测试"
    default_auto_field = "django.db.models.BigAutoField"
