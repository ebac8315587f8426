"""Run the date triggers (birthdays, and those later apps register) for a day, idempotently."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.services.triggers import TriggersFailed, registered_triggers, run_triggers


class Command(BaseCommand):
    help = "Run the date triggers for a day (today by default); running a day twice creates nothing new."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for, YYYY-MM-DD (default: today in TIME_ZONE).")
        parser.add_argument(
            "--only", action="append", choices=sorted(registered_triggers()), help="Run only this trigger."
        )

    def handle(self, *args, **options):
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"Invalid date {options['date']!r}: use YYYY-MM-DD.") from exc
        else:
            day = timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))
        try:
            counts = run_triggers(date=day, only=options["only"])
        except TriggersFailed as exc:
            for name, created in exc.results.items():
                self.stdout.write(f"{name}: {created}")
            for name, error in exc.errors.items():
                self.stderr.write(f"{name}: failed: {error!r}")
            raise CommandError(f"{len(exc.errors)} trigger(s) failed for {day.isoformat()}.") from exc
        for name, created in counts.items():
            self.stdout.write(f"{name}: {created}")
        self.stdout.write(self.style.SUCCESS(f"{day.isoformat()}: {sum(counts.values())} created"))
