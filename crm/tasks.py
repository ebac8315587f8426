"""Celery tasks of the core: each one only calls a service."""

from celery import shared_task


@shared_task
def beat_heartbeat_task() -> None:
    from crm.services.system import beat_heartbeat_record

    beat_heartbeat_record()
