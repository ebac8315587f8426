"""System state: beat's heartbeat and the health check."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from crm.models import SystemState

BEAT_KEY = "beat_heartbeat"
BEAT_STALE_AFTER = timedelta(minutes=5)


def beat_heartbeat_record() -> None:
    """Note that beat's schedule is running (the heartbeat task is scheduled every minute)."""
    SystemState.objects.update_or_create(key=BEAT_KEY, defaults={"value": {"at": timezone.now().isoformat()}})


def health_report() -> tuple[dict, bool]:
    """Return the state of the database, the broker and beat, and whether all are up."""
    report: dict = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        report["database"] = {"ok": False, "error": exc.__class__.__name__}
        ok = False

    report["broker"] = _broker_state()
    ok = ok and report["broker"]["ok"]

    beat = {"ok": False, "last_run": None}
    if report["database"]["ok"]:
        state = SystemState.objects.filter(key=BEAT_KEY).first()
        if state is not None:
            beat["last_run"] = state.value.get("at")
            beat["ok"] = timezone.now() - state.updated_at < BEAT_STALE_AFTER
    report["beat"] = beat
    ok = ok and beat["ok"]
    return report, ok


def _broker_state() -> dict:
    from crm.celery import app

    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        import os

        return {"ok": os.path.isdir(folder) and os.access(folder, os.W_OK), "transport": "filesystem"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": conn.transport_cls if isinstance(conn.transport_cls, str) else "redis"}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
