"""Import sales documents from files: by hand, by the management command and from the inbox folder.

Every path goes the same way: parse the whole file with the pure parsers
(``integrations.parsers.sales``), reject it with row-level reasons when anything is
wrong, else write everything in one transaction through
``crm.services.sales.sales_documents_import``. An import is recorded as an
:class:`~integrations.models.ImportJob` with its row errors.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from crm.services.sales import SalesImportError, sales_documents_import
from integrations.models import ImportJob, ImportJobKind, ImportJobStatus, ImportRowError
from integrations.parsers.sales import FileRejected, detect_and_parse

logger = logging.getLogger(__name__)

__all__ = [
    "InboxReport",
    "import_job_cancel",
    "sales_file_import",
    "sales_import_job_run",
    "sales_inbox_pickup",
]

# Files younger than this may still be being copied into the inbox.
INBOX_MIN_AGE_SECONDS = 10
_SKIPPED_PREFIXES = (".", "~$")
_SKIPPED_SUFFIXES = (".tmp", ".part", ".errors.txt")


def _max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def _row_number(location: Any) -> int | None:
    return location if isinstance(location, int) else None


def _fail(job: ImportJob, errors: list[tuple[Any, Any]], *, message: str = "") -> ImportJob:
    """Mark `job` failed with its row errors (nothing was written)."""
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                job=job,
                row_number=_row_number(location),
                location=str(location)[:255],
                reason=str(reason),
            )
            for location, reason in errors
        ],
        batch_size=2000,
    )
    job.status = ImportJobStatus.FAILED
    job.error_count = len(errors)
    job.message = message or _("The file was rejected: nothing was imported.")
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    job.save(update_fields=["status", "error_count", "message", "finished_at", "heartbeat_at"])
    return job


def sales_file_import(
    *,
    path: str | Path,
    filename: str | None = None,
    by: User | None = None,
    source: str = "file",
    dry_run: bool = False,
    job: ImportJob | None = None,
) -> ImportJob:
    """Import one sales file (or OData folder/zip) all or nothing; return the finished job.

    The job ends `done` (with counts in `summary`) or `failed` (with row errors and
    nothing written). `dry_run` checks everything, including against the database,
    and writes nothing.
    """
    path = Path(path)
    filename = filename or path.name
    now = timezone.now()
    if job is None:
        job = ImportJob.objects.create(
            kind=ImportJobKind.SALES,
            source=source,
            original_name=filename[:255],
            dry_run=dry_run,
            created_by=by,
            status=ImportJobStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
        )
    started = time.monotonic()
    try:
        result = detect_and_parse(path, filename=filename, max_bytes=_max_bytes())
    except FileRejected as exc:
        return _fail(job, [(_("file"), exc.message)])
    job.total_rows = result.rows
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["total_rows", "heartbeat_at"])
    if result.errors:
        return _fail(job, [(error.location, error.reason) for error in result.errors])
    if not result.documents:
        return _fail(job, [(_("file"), _("The file holds no sales documents."))])
    parsed_at = time.monotonic()
    job.refresh_from_db(fields=["cancel_requested"])
    if job.cancel_requested:
        job.status = ImportJobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        return job
    try:
        summary = sales_documents_import(
            documents=result.documents,
            by=by,
            source=source,
            dry_run=dry_run,
        )
    except SalesImportError as exc:
        return _fail(job, exc.errors)
    job.status = ImportJobStatus.DONE
    job.processed_rows = result.rows
    job.summary = {
        **summary.as_dict(),
        "warnings": [str(warning) for warning in result.warnings[:100]],
        "parse_seconds": round(parsed_at - started, 3),
        "write_seconds": round(time.monotonic() - parsed_at, 3),
    }
    job.finished_at = timezone.now()
    job.heartbeat_at = job.finished_at
    job.save(update_fields=["status", "processed_rows", "summary", "finished_at", "heartbeat_at"])
    return job


def sales_import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued upload job; claim it atomically so that two workers never run it twice."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED, cancel_requested=False).update(
        status=ImportJobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    with job.file.open("rb"):
        file_path = job.file.path
    return sales_file_import(
        path=file_path,
        filename=job.original_name,
        by=job.created_by,
        source="file",
        dry_run=job.dry_run,
        job=job,
    )


def import_job_cancel(*, job: ImportJob, by: User) -> ImportJob:
    """Cancel a queued job at once, or ask a running one to stop before it writes."""
    if job.status == ImportJobStatus.QUEUED:
        ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.QUEUED).update(
            status=ImportJobStatus.CANCELLED, cancel_requested=True, finished_at=timezone.now()
        )
    elif job.status == ImportJobStatus.RUNNING:
        ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def import_jobs_fail_stale() -> int:
    """Fail sales jobs whose worker died (no heartbeat for ten minutes); a transaction never half-applies.

    Tender jobs resume instead (`tender_jobs_recover_stale`), so they are left to it.
    """
    return (
        ImportJob.objects.filter(kind=ImportJobKind.SALES)
        .stale()
        .update(
            status=ImportJobStatus.FAILED,
            message=_("The import stopped unexpectedly; nothing was written. Upload the file again."),
            finished_at=timezone.now(),
        )
    )


# --- the inbox folder ------------------------------------------------------------------------


@dataclass
class InboxReport:
    done: list[str]
    failed: list[str]
    skipped: list[str]


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in files:
        digest.update(item.name.encode())
        with item.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1024 * 1024), b""):
                digest.update(block)
    return digest.hexdigest()


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{timezone.now():%Y%m%d%H%M%S%f}{path.suffix}"
    shutil.move(str(path), str(target))
    return target


def _inbox_candidates(inbox: Path, *, min_age: float) -> list[Path]:
    now = time.time()
    candidates = []
    for item in sorted(inbox.iterdir()):
        if item.name in ("done", "failed") or item.name.startswith(_SKIPPED_PREFIXES):
            continue
        if item.name.endswith(_SKIPPED_SUFFIXES):
            continue
        newest = max((p.stat().st_mtime for p in item.rglob("*")), default=0) if item.is_dir() else 0
        if now - max(item.stat().st_mtime, newest) < min_age:
            continue
        candidates.append(item)
    return candidates


def sales_inbox_pickup(*, inbox: Path | None = None, min_age: float = INBOX_MIN_AGE_SECONDS) -> InboxReport:
    """Import every file waiting in the inbox; move it to done/ or failed/ (with a .errors.txt).

    A file whose content was already imported successfully is moved to done/ without
    writing anything: the inbox is idempotent even before the documents' versions are
    compared.
    """
    inbox = Path(inbox or settings.SALES_INBOX_DIR)
    report = InboxReport(done=[], failed=[], skipped=[])
    if not inbox.is_dir():
        return report
    for item in _inbox_candidates(inbox, min_age=min_age):
        fingerprint = _fingerprint(item)
        seen = ImportJob.objects.filter(
            kind=ImportJobKind.SALES, file_sha256=fingerprint, status=ImportJobStatus.DONE, dry_run=False
        ).exists()
        if seen:
            _move(item, inbox / "done")
            report.skipped.append(item.name)
            continue
        try:
            job = sales_file_import(path=item, filename=item.name, source="inbox")
        except Exception:
            logger.exception("Inbox import of %s crashed", item)
            target = _move(item, inbox / "failed")
            target.with_name(target.name + ".errors.txt").write_text(_("The import crashed; see the server log.\n"))
            report.failed.append(item.name)
            continue
        ImportJob.objects.filter(pk=job.pk).update(file_sha256=fingerprint)
        if job.status == ImportJobStatus.DONE:
            _move(item, inbox / "done")
            report.done.append(item.name)
        else:
            target = _move(item, inbox / "failed")
            lines = [f"{error.location}: {error.reason}" for error in job.row_errors.all()]
            target.with_name(target.name + ".errors.txt").write_text("\n".join([job.message, *lines]) + "\n")
            report.failed.append(item.name)
    return report


def sales_upload_queue(*, uploaded, by: User, dry_run: bool = False) -> ImportJob:
    """Store an uploaded file as a queued job and run it in a worker after commit."""
    from integrations.tasks import sales_import_job_task

    job = ImportJob(
        kind=ImportJobKind.SALES,
        source="file",
        original_name=uploaded.name[:255],
        dry_run=dry_run,
        created_by=by,
    )
    job.file.save(uploaded.name, uploaded, save=False)
    job.save()
    transaction.on_commit(lambda: sales_import_job_task.delay(job.pk))
    return job
