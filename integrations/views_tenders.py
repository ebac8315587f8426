"""Tender import pages: upload, check the columns, watch the progress, read the results."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.access import get_client_for
from crm.exports import xlsx_response
from integrations.forms_tenders import EquipmentRuleForm, TenderMappingForm, TenderUploadForm
from integrations.models import EquipmentRule, ImportJob, ImportJobKind
from integrations.parsers.spreadsheet import FileRejected
from integrations.selectors_tenders import (
    competitor_bids,
    competitor_sales_by_type,
    tenders_held_by,
    tenders_won_by,
)
from integrations.services.sales_import import import_job_cancel
from integrations.services.tender_import import (
    IMPORT_PERMISSION,
    equipment_rule_save,
    mapping_profile_save,
    tender_job_create,
    tender_job_inspect,
    tender_job_is_draft,
    tender_job_start,
    tender_rejected_rows,
)

JOBS_PER_PAGE = 30
TENDERS_PER_PAGE = 100


def _require_import(request: HttpRequest) -> None:
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied


def _get_job(request: HttpRequest, pk: int) -> ImportJob:
    _require_import(request)
    return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk, kind=ImportJobKind.TENDERS)


@login_required
def tender_upload(request: HttpRequest) -> HttpResponse:
    """Upload a file (or see the past tender imports)."""
    _require_import(request)
    form = TenderUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        profile = form.cleaned_data["profile"]
        try:
            job = tender_job_create(upload=form.cleaned_data["file"], by=request.user, profile=profile)
        except FileRejected as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("integrations:tender_job", pk=job.pk)
    jobs = ImportJob.objects.filter(kind=ImportJobKind.TENDERS).select_related("created_by")[:JOBS_PER_PAGE]
    return render(request, "integrations/tenders/upload.html", {"form": form, "jobs": jobs})


@login_required
def tender_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft job: check the columns and the preview, then start; a started job: its progress and result."""
    job = _get_job(request, pk)
    if not tender_job_is_draft(job):
        errors = job.row_errors.all()[:200]
        return render(request, "integrations/tenders/job.html", {"job": job, "errors": errors})
    inspection = tender_job_inspect(job=job)
    form = TenderMappingForm(request.POST or None, columns=inspection.columns, initial_mapping=inspection.mapping)
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping() if inspection.is_spreadsheet else None
        if "preview" in request.POST:
            inspection = tender_job_inspect(job=job, mapping=mapping)
        else:
            if mapping and form.cleaned_data["profile_name"]:
                mapping_profile_save(name=form.cleaned_data["profile_name"], mapping=mapping, by=request.user)
            preview = tender_job_inspect(job=job, mapping=mapping)
            if preview.error:
                form.add_error(None, preview.error)
            else:
                tender_job_start(job=job, by=request.user, mapping=mapping)
                return redirect("integrations:tender_job", pk=job.pk)
    return render(request, "integrations/tenders/mapping.html", {"job": job, "form": form, "inspection": inspection})


@login_required
def tender_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    return render(request, "integrations/tenders/_progress.html", {"job": job})


@login_required
@require_POST
def tender_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _get_job(request, pk)
    import_job_cancel(job=job, by=request.user)
    messages.info(request, _("The import was asked to stop."))
    return redirect("integrations:tender_job", pk=job.pk)


@login_required
def tender_rejected_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows with their original cells and the reason for each."""
    job = _get_job(request, pk)
    width, rows = tender_rejected_rows(job=job)
    header = [_("Row"), _("Where"), _("Reason")] + [_("Column %(number)s") % {"number": i + 1} for i in range(width)]
    return xlsx_response(f"tenders-{job.pk}-rejected.xlsx", header, rows, sheet_title=_("Rejected rows"))


@login_required
def tender_demo_file(request: HttpRequest) -> HttpResponse:
    """A demo spreadsheet to try the import with."""
    from integrations.demo_tenders import demo_workbook_bytes

    _require_import(request)
    return FileResponse(io.BytesIO(demo_workbook_bytes()), as_attachment=True, filename="tenders-demo.xlsx")


@login_required
def competitor_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    """What a competitor sold, to whom, when and for how much, by equipment type and region."""
    competitor = get_client_for(request.user, client_id)
    context = {
        "competitor": competitor,
        "tenders": tenders_won_by(competitor=competitor, user=request.user)[:TENDERS_PER_PAGE],
        "by_type": competitor_sales_by_type(competitor=competitor, user=request.user)[:50],
        "bids": competitor_bids(competitor=competitor, user=request.user)[:TENDERS_PER_PAGE],
    }
    return render(request, "integrations/tenders/competitor.html", context)


@login_required
def client_tenders(request: HttpRequest, client_id: int) -> HttpResponse:
    """The tenders a client held and who won them (the client card's tab)."""
    client = get_client_for(request.user, client_id)
    tenders = tenders_held_by(customer=client, user=request.user)[:TENDERS_PER_PAGE]
    template = (
        "integrations/tenders/_client_tenders.html"
        if request.headers.get("HX-Request")
        else "integrations/tenders/client.html"
    )
    return render(request, template, {"client": client, "tenders": tenders})


@login_required
def equipment_rules(request: HttpRequest) -> HttpResponse:
    """The rules that tell which tender items are equipment; add one."""
    _require_import(request)
    form = EquipmentRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        equipment_rule_save(form=form, by=request.user)
        messages.success(request, _("The rule was saved; it applies to the next imports."))
        return redirect(reverse("integrations:tender_rules"))
    rules = EquipmentRule.objects.select_related("equipment_type")
    return render(request, "integrations/tenders/rules.html", {"form": form, "rules": rules})


def client_tab_context(request: HttpRequest, client) -> dict:
    """The "Tenders" tab of the client card: tenders held, and for a competitor what it won."""
    from crm.models import ClientKind

    won = None
    if client.kind == ClientKind.COMPETITOR:
        won = tenders_won_by(competitor=client, user=request.user)[:TENDERS_PER_PAGE]
    return {"tenders": tenders_held_by(customer=client, user=request.user)[:TENDERS_PER_PAGE], "won": won}
