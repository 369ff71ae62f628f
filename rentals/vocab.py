"""The words every app shares: Beijing's districts and the unit types (套型)."""

from django.db import models

DISTRICTS = [
    "东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "门头沟区", "房山区", "通州区",
    "顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区", "北京经济技术开发区",
]
DISTRICT_CHOICES = [(d, d) for d in DISTRICTS]


class UnitType(models.TextChoices):
    STUDIO = "开间", "开间"
    ONE = "一居室", "一居室"
    TWO = "二居室", "二居室"
    THREE = "三居室", "三居室"
    FOUR = "四居室", "四居室"


UNIT_TYPE_ORDER = {value: i for i, value in enumerate(UnitType.values)}


def split_words(raw: str | None) -> list[str]:
    """Split a cell such as '一居室;二居室' or '朝阳区、海淀区' into its words."""
    text = str(raw or "")
    for sep in ("；", "、", "，", ",", "/", "|"):
        text = text.replace(sep, ";")
    return [w.strip() for w in text.split(";") if w.strip()]
