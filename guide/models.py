from django.db import models


class AssistPlace(models.Model):
    """Where a family can register with a clerk's help, and when: staff keep it current."""

    name = models.CharField("地点名称", max_length=100)
    address = models.CharField("地址", max_length=300)
    hours = models.CharField("办理时间", max_length=200, help_text="例如：工作日 9:00–17:00")
    phone = models.CharField("咨询电话", max_length=40, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "协助登记地点"
        verbose_name_plural = "协助登记地点"

    def __str__(self) -> str:
        return self.name
