"""Date triggers that create tasks, run daily by beat and by `manage.py run_triggers`.

A trigger is a function of a date that creates what is due on that day (catching up on
missed days) and returns how many records it created. Each one is idempotent by a unique
key, so running a day twice creates nothing the second time. Later apps add theirs with
`register_trigger` in AppConfig.ready.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from crm.models import Contact, Task
from crm.selectors.work import user_tz

TriggerFn = Callable[[dt.date], int]

logger = logging.getLogger(__name__)

_triggers: dict[str, TriggerFn] = {}

# Birthday tasks are due at this local time of the responsible manager.
BIRTHDAY_TASK_TIME = dt.time(9, 0)
# The longest notice a contact may ask for (see the check constraint on Contact).
BIRTHDAY_MAX_NOTICE_DAYS = 60


def register_trigger(name: str, fn: TriggerFn) -> None:
    """Add a trigger under `name` (re-registering a name replaces it)."""
    _triggers[name] = fn


def registered_triggers() -> dict[str, TriggerFn]:
    return dict(_triggers)


class TriggersFailed(Exception):
    """Some triggers failed; the others ran and their counts are in `results`."""

    def __init__(self, results: dict[str, int], errors: dict[str, Exception]):
        self.results = results
        self.errors = errors
        super().__init__(", ".join(f"{name}: {exc!r}" for name, exc in errors.items()))


def _run_one(fn: TriggerFn, date: dt.date) -> int:
    with transaction.atomic():
        return fn(date)


def _run_in_thread(fn: TriggerFn, date: dt.date) -> int:
    """Run one trigger on this thread's own connection, and close it when done."""
    try:
        return _run_one(fn, date)
    finally:
        connections.close_all()


def _parallel() -> int:
    """How many triggers may run at once: several only on PostgreSQL, outside a transaction.

    A trigger's work is one set-based statement in the database, so threads (each with its own
    connection) run them side by side on the server's cores. Inside a transaction (a test, or a
    caller's atomic block) the other connections would not see its rows: run one by one.
    """
    workers = getattr(settings, "TRIGGER_WORKERS", 1)
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return workers


def run_triggers(*, date: dt.date, only: list[str] | None = None) -> dict[str, int]:
    """Run every registered trigger (or those in `only`) for `date`; return what each created.

    Each trigger runs in its own transaction, so one failing does not stop the others;
    failures are raised together (TriggersFailed) after all have run. On PostgreSQL up to
    TRIGGER_WORKERS triggers run at once, in the order they were registered.
    """
    chosen = [(name, fn) for name, fn in _triggers.items() if only is None or name in only]
    workers = min(_parallel(), len(chosen))
    outcomes: list[tuple[str, Future]] = []
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="trigger") as pool:
            outcomes = [(name, pool.submit(_run_in_thread, fn, date)) for name, fn in chosen]
    else:
        for name, fn in chosen:
            done: Future = Future()
            try:
                done.set_result(_run_one(fn, date))
            except Exception as exc:
                done.set_exception(exc)
            outcomes.append((name, done))
    results: dict[str, int] = {}
    errors: dict[str, Exception] = {}
    for name, outcome in outcomes:
        exc = outcome.exception()
        if exc is None:
            results[name] = outcome.result()
        else:
            logger.error("Trigger %s failed for %s", name, date, exc_info=exc)
            errors[name] = exc
    if errors:
        raise TriggersFailed(results, errors)
    return results


def birthday_in_year(birthday: dt.date, year: int) -> dt.date:
    """Return the date the birthday falls on in `year` (29 February is on 28 February in other years)."""
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return birthday.replace(year=year)


def birthday_trigger(date: dt.date) -> int:
    """Create a task for each contact whose birthday reminder is due by `date`, once a year.

    A contact with N days of notice gets the task on the birthday minus N days; if that day
    was missed, any later run before the birthday still creates it. The key
    birthday:<contact>:<birthday's year> keeps it to one task a year.
    """
    window = [date + dt.timedelta(days=k) for k in range(BIRTHDAY_MAX_NOTICE_DAYS + 1)]
    conditions = []
    for k, day in enumerate(window):
        pairs = [(day.month, day.day)]
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            pairs.append((2, 29))
        conditions += [Q(birthday__month=month, birthday__day=dom, birthday_remind_days__gte=k) for month, dom in pairs]
    candidates = list(
        Contact.objects.filter(reduce(or_, conditions))
        .filter(
            is_archived=False,
            client__responsible__isnull=False,
            client__responsible__is_active=True,
        )
        .exclude(client__status="archived")
        .select_related("client__responsible")
        .only(
            "pk",
            "last_name",
            "first_name",
            "middle_name",
            "birthday",
            "birthday_remind_days",
            "client__id",
            "client__name",
            "client__short_name",
            "client__responsible__id",
            "client__responsible__time_zone",
            "client__responsible__language",
        )
    )
    if not candidates:
        return 0
    first, last = window[0], window[-1]
    planned: dict[str, tuple[Contact, dt.date]] = {}
    for contact in candidates:
        for year in {first.year, last.year}:
            day = birthday_in_year(contact.birthday, year)
            if first <= day <= last and (day - date).days <= contact.birthday_remind_days:
                planned[f"birthday:{contact.pk}:{day.year}"] = (contact, day)
    existing = set(Task.objects.filter(trigger_key__in=list(planned)).values_list("trigger_key", flat=True))
    contact_type = ContentType.objects.get_for_model(Contact)
    tasks = []
    for key, (contact, day) in planned.items():
        if key in existing:
            continue
        manager = contact.client.responsible
        tz = user_tz(manager)
        due_day = day - dt.timedelta(days=contact.birthday_remind_days)
        due_at = dt.datetime.combine(due_day, BIRTHDAY_TASK_TIME, tzinfo=tz)
        with translation.override(manager.language or settings.LANGUAGE_CODE):
            title = gettext("Birthday of %(name)s (%(client)s) on %(date)s") % {
                "name": contact.full_name,
                "client": contact.client.display_name,
                "date": date_format(day, "SHORT_DATE_FORMAT"),
            }
        tasks.append(
            Task(
                title=title[:255],
                assignee=manager,
                client=contact.client,
                content_type=contact_type,
                object_id=contact.pk,
                due_at=due_at,
                remind_at=due_at,
                trigger_key=key,
            )
        )
    Task.objects.bulk_create(tasks, ignore_conflicts=True)
    return len(tasks)


register_trigger("birthdays", birthday_trigger)
