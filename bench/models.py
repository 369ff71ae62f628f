from django.conf import settings
from django.db import models
from django.utils import timezone


class FloorRow(models.Model):
    """One row per floor POST: the least a signed-in write can do."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
