"""Every plan has its room in the store from the moment it is saved, so pages never ask the database.

A plan saved (a new window, published or not) and a project added are copied to the store at
once; a store that is away then is filled in again the first time a page finds it missing.
"""

import logging

from django.db.models.signals import post_save

log = logging.getLogger("bphc.admission")


def _plan_saved(sender, instance, **kwargs) -> None:
    from . import store
    from .models import Room

    try:
        Room.objects.for_plan(instance).publish()
    except store.StoreDown:
        log.error("Waiting room store unavailable: plan %s saved, its room not copied", instance.pk)


def _project_saved(sender, instance, created: bool, **kwargs) -> None:
    from . import store

    try:
        store.remember_project(instance.pk, instance.plan_id)
    except store.StoreDown:
        log.error("Waiting room store unavailable: project %s not recorded", instance.pk)


def connect() -> None:
    from rentals.models import Plan, Project

    post_save.connect(_plan_saved, sender=Plan, dispatch_uid="admission.plan_saved")
    post_save.connect(_project_saved, sender=Project, dispatch_uid="admission.project_saved")
