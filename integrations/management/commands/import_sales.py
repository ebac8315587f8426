"""Import sales documents from a file or an OData folder: `manage.py import_sales PATH [--dry-run]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.models import User
from integrations.models import ImportJobStatus
from integrations.services.sales_import import sales_file_import


class Command(BaseCommand):
    help = "Import invoices, payments and shipments (xlsx, csv, CommerceML, 1C OData JSON); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A file, or a folder/zip with 1C OData documents and catalogues.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and write nothing.")
        parser.add_argument("--user", help="Import on behalf of this user (default region of new clients).")

    def handle(self, *args, path: str, dry_run: bool = False, user: str | None = None, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{path}: no such file or folder")
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user {user}")
        job = sales_file_import(path=source, filename=source.name, by=by, source="file", dry_run=dry_run)
        if job.status != ImportJobStatus.DONE:
            for error in job.row_errors.all():
                self.stderr.write(f"{error.location}: {error.reason}")
            raise CommandError(f"{job.message} ({job.error_count} error(s))")
        summary = job.summary
        prefix = "Dry run: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{summary['documents']} document(s): {summary['created']} created, "
            f"{summary['updated']} updated, {summary['unchanged']} unchanged, "
            f"{summary.get('outdated', 0)} older than the CRM's version; {summary['lines']} line(s) written, "
            f"{summary['clients_created']} client(s) and {summary['products_created']} product(s) created "
            f"(parse {summary['parse_seconds']} s, write {summary['write_seconds']} s, of which "
            f"{summary['announce_seconds']} s in sales_document_posted receivers)."
        )
