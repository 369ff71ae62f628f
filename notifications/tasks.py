"""The delivery job (django-tasks, database backend): jobs are rows of our own database."""

from django_tasks import task

from .services import notification_deliver


@task()
def deliver(notification_id: str) -> str:
    return notification_deliver(notification_id)
