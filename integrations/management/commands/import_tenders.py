"""Import tender results: `manage.py import_tenders PATH [--profile NAME] [--dry-run] [--user NAME]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.models import User
from integrations.models import MappingProfile
from integrations.parsers.spreadsheet import FileRejected
from integrations.services.tender_import import tender_path_import


class Command(BaseCommand):
    help = "Import tender results from a spreadsheet (xlsx, xls, csv), an EIS XML file or a zip of them."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--profile", help="The name of a saved column mapping profile.")
        parser.add_argument("--dry-run", action="store_true", help="Do everything, then roll back: write nothing.")
        parser.add_argument("--user", help="Import on behalf of this user (recorded as the creator).")

    def handle(
        self, *args, path: str, profile: str | None = None, dry_run: bool = False, user: str | None = None, **options
    ):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{path}: no such file")
        mapping = None
        if profile:
            found = MappingProfile.objects.filter(name=profile).first()
            if found is None:
                raise CommandError(f"No mapping profile named {profile!r}")
            mapping = found.mapping
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user {user!r}")
        try:
            job, result = tender_path_import(
                path=source, by=by, mapping=mapping, profile_name=profile or "", dry_run=dry_run
            )
        except FileRejected as exc:
            raise CommandError(str(exc)) from exc
        summary = result.as_summary()
        prefix = "Dry run (nothing written): " if dry_run else ""
        self.stdout.write(
            f"{prefix}{summary['rows']} row(s) or document(s) read in {summary['seconds']} s. "
            f"Tenders: {summary['tenders']['created']} created, {summary['tenders']['matched']} matched; "
            f"competitors: {summary['competitors']['created']} created, {summary['competitors']['matched']} matched; "
            f"customers: {summary['customers']['created']} created, {summary['customers']['matched']} matched; "
            f"items: {summary['items']['created']}; bids: {summary['bids']['created']}; "
            f"equipment: {summary['equipment']['created']}; rejected rows: {summary['errors']}."
        )
        if job is not None:
            for error in job.row_errors.all()[:50]:
                self.stderr.write(f"{error.location} row {error.row_number or '-'}: {error.reason}")
