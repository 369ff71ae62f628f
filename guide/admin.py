from django.contrib import admin

from .models import AssistPlace


@admin.register(AssistPlace)
class AssistPlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "hours", "phone", "order"]
    list_editable = ["order"]
