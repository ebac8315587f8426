"""The Celery application and the one beat schedule of the project."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of every app, in one place. Tasks take no arguments or ids,
# call one service each and are idempotent by database constraints.
app.conf.beat_schedule = {
    "beat-heartbeat": {"task": "crm.tasks.beat_heartbeat_task", "schedule": 60.0},
    "deliver-due-reminders": {"task": "crm.tasks.deliver_due_reminders_task", "schedule": 60.0},
    "daily-triggers": {"task": "crm.tasks.run_daily_triggers_task", "schedule": crontab(minute=10, hour="*/1")},
    "sales-inbox-pickup": {"task": "integrations.tasks.sales_inbox_pickup_task", "schedule": 300.0},
    "tender-jobs-recover-stale": {"task": "integrations.tasks.tender_jobs_recover_stale_task", "schedule": 60.0},
    "monthly-abc": {"task": "crm.tasks.abc_monthly_task", "schedule": crontab(minute=30, hour=3, day_of_month=1)},
    "equipment-client-copies": {
        "task": "equipment.tasks.equipment_client_copies_repair_task",
        "schedule": crontab(minute=40, hour=3),
    },
}
