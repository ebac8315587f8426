"""Import pages (administrators): upload a sales file, watch its progress, read the rejected rows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.exports import xlsx_response
from integrations.forms import SalesUploadForm
from integrations.models import ImportJob
from integrations.services.sales_import import import_job_cancel, sales_upload_queue

JOBS_PER_PAGE = 50


def _require_admin(request: HttpRequest) -> None:
    if not request.user.is_admin:
        raise PermissionDenied


def _get_job(request: HttpRequest, pk: int) -> ImportJob:
    _require_admin(request)
    return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    jobs = ImportJob.objects.select_related("created_by")[:JOBS_PER_PAGE]
    return render(request, "integrations/job_list.html", {"jobs": jobs})


@login_required
def sales_upload(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = SalesUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = sales_upload_queue(
            uploaded=form.cleaned_data["file"], by=request.user, dry_run=form.cleaned_data["dry_run"]
        )
        return redirect(job)
    return render(request, "integrations/sales_upload.html", {"form": form})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    if job.kind == "tenders":
        return redirect("integrations:tender_job", pk=job.pk)
    errors = job.row_errors.all()[:500]
    return render(request, "integrations/job_detail.html", {"job": job, "errors": errors})


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    return render(request, "integrations/_job_progress.html", {"job": job})


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    import_job_cancel(job=job, by=request.user)
    messages.info(request, _("The import was asked to stop."))
    return redirect(job)


@login_required
def job_errors_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    rows = ((e.row_number or "", e.location, e.reason) for e in job.row_errors.all().iterator())
    return xlsx_response(
        f"import-{job.pk}-errors.xlsx", [_("Row"), _("Where"), _("Reason")], rows, sheet_title=_("Rejected rows")
    )
