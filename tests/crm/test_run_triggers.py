"""`manage.py run_triggers` and the daily beat task: a registry of triggers, idempotent by day."""

import datetime as dt
import threading
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from crm.models import Task
from crm.services import triggers
from crm.tasks import run_daily_triggers_task
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_core_triggers(monkeypatch):
    """Run the core's triggers only; other apps test theirs."""
    monkeypatch.setattr(triggers, "_triggers", {"birthdays": triggers.birthday_trigger})


@pytest.fixture
def birthday_contact(manager):
    return ContactFactory(
        client=ClientFactory(responsible=manager), birthday=dt.date(1980, 1, 2), birthday_remind_days=5
    )


def run(*args) -> str:
    out = StringIO()
    call_command("run_triggers", *args, stdout=out)
    return out.getvalue()


def test_the_command_runs_a_given_day_and_a_second_run_creates_nothing(birthday_contact):
    first = run("--date", "2026-12-28")
    assert "birthdays: 1" in first
    second = run("--date", "2026-12-28")
    assert "birthdays: 0" in second
    assert Task.objects.count() == 1


def test_an_invalid_date_is_a_clear_error(birthday_contact):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "28.12.2026")
    assert not Task.objects.exists()


@time_machine.travel(dt.datetime(2026, 12, 27, 21, 30, tzinfo=dt.UTC), tick=False)
def test_without_a_date_it_runs_today_in_moscow(birthday_contact):
    # 00:30 on 28 December in Moscow.
    assert "birthdays: 1" in run()


def test_other_apps_register_their_triggers():
    seen = []

    def equipment_trigger(date):
        seen.append(date)
        return 7

    triggers.register_trigger("equipment_maintenance", equipment_trigger)
    result = triggers.run_triggers(date=dt.date(2026, 5, 1))
    assert result == {"birthdays": 0, "equipment_maintenance": 7}
    assert seen == [dt.date(2026, 5, 1)]
    assert "equipment_maintenance: 7" in run("--date", "2026-05-01")


@time_machine.travel(dt.datetime(2026, 12, 28, 6, 10, tzinfo=dt.UTC), tick=False)
def test_the_hourly_beat_task_is_idempotent(birthday_contact):
    assert run_daily_triggers_task.delay().get() == {"birthdays": 1}
    assert run_daily_triggers_task.delay().get() == {"birthdays": 0}
    assert Task.objects.count() == 1


def test_the_beat_schedule_points_to_the_tasks():
    from crm.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "crm.tasks.deliver_due_reminders_task",
        "crm.tasks.run_daily_triggers_task",
        "integrations.tasks.sales_inbox_pickup_task",
        "crm.tasks.abc_monthly_task",
    } <= tasks
    # Every scheduled name is a task the worker knows.
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


def test_a_failing_trigger_does_not_stop_the_others(birthday_contact):
    def broken(date):
        raise RuntimeError("boom")

    triggers._triggers = {"broken": broken, **triggers._triggers}
    with pytest.raises(triggers.TriggersFailed) as failed:
        triggers.run_triggers(date=dt.date(2026, 12, 28))
    assert failed.value.results == {"birthdays": 1}
    assert set(failed.value.errors) == {"broken"}
    assert Task.objects.count() == 1
    err = StringIO()
    with pytest.raises(CommandError, match="1 trigger"):
        call_command("run_triggers", "--date", "2026-12-28", stdout=StringIO(), stderr=err)
    assert "broken: failed" in err.getvalue()


def _meet_and_create(barrier, threads, title, assignee):
    """A trigger that records its thread and creates one task once the other trigger is running too."""

    def trigger(date):
        threads[title] = threading.get_ident()
        barrier.wait()
        Task.objects.create(title=title, assignee=assignee, due_at=dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC))
        return 1

    return trigger


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_triggers_run_side_by_side_and_commit_each_on_its_own(settings, manager):
    if connection.vendor != "postgresql":
        pytest.skip("Triggers run one by one on SQLite.")
    settings.TRIGGER_WORKERS = 2
    # Each trigger waits for the other: run one after the other, the first would time out.
    barrier = threading.Barrier(2, timeout=10)
    threads: dict[str, int] = {}

    def broken(date):
        raise RuntimeError("boom")

    triggers._triggers = {
        "first": _meet_and_create(barrier, threads, "first", manager),
        "second": _meet_and_create(barrier, threads, "second", manager),
        "broken": broken,
    }
    with pytest.raises(triggers.TriggersFailed) as failed:
        triggers.run_triggers(date=dt.date(2026, 5, 1))
    assert failed.value.results == {"first": 1, "second": 1}
    assert set(failed.value.errors) == {"broken"}
    assert len(set(threads.values())) == 2
    assert threading.get_ident() not in threads.values()
    assert sorted(Task.objects.values_list("title", flat=True)) == ["first", "second"]


def test_inside_a_transaction_the_triggers_run_one_by_one_on_its_connection(settings, manager):
    settings.TRIGGER_WORKERS = 2
    threads = []

    def trigger(date):
        threads.append(threading.get_ident())
        Task.objects.create(title="seen", assignee=manager, due_at=dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC))
        return 1

    triggers._triggers = {"one": trigger, "two": trigger}
    assert triggers.run_triggers(date=dt.date(2026, 5, 1)) == {"one": 1, "two": 1}
    assert threads == [threading.get_ident()] * 2
    # The caller's transaction sees what both created.
    assert Task.objects.filter(title="seen").count() == 2
