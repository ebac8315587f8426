"""Celery tasks of the core: each one only calls a service."""

from celery import shared_task


@shared_task
def beat_heartbeat_task() -> None:
    from crm.services.system import beat_heartbeat_record

    beat_heartbeat_record()


@shared_task
def deliver_due_reminders_task() -> int:
    """Deliver every task reminder that is due (beat, every minute)."""
    from django.utils import timezone

    from crm.services.notifications import deliver_due_reminders

    return deliver_due_reminders(now=timezone.now())


@shared_task
def run_daily_triggers_task() -> dict[str, int]:
    """Run the date triggers for today in the site's time zone (beat, hourly; idempotent)."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    from crm.services.triggers import run_triggers

    today = timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))
    return run_triggers(date=today)


@shared_task
def notifications_email_task(notification_ids: list[int]) -> int:
    """Email these notifications to recipients who asked for email (each at most once)."""
    from crm.services.notifications import notifications_send_email

    return notifications_send_email(notification_ids=notification_ids)


@shared_task
def abc_monthly_task() -> int:
    """Classify customers by revenue over the last twelve full months (beat, monthly)."""
    from datetime import timedelta

    from django.utils import timezone

    from crm.services.abc import abc_classify

    first_of_month = timezone.localdate().replace(day=1)
    date_to = first_of_month - timedelta(days=1)
    date_from = first_of_month.replace(year=first_of_month.year - 1)
    return abc_classify(date_from=date_from, date_to=date_to).pk
