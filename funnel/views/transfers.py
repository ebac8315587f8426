"""Transfer requests: a manager asks for another manager's client; a head or an administrator decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.models import Role
from funnel.forms import TransferDecisionForm, TransferRequestForm
from funnel.models import TransferRequestStatus
from funnel.services.transfers import (
    can_decide_transfers,
    transfer_request_approve,
    transfer_request_create,
    transfer_request_reject,
    transfer_requests_for,
)


@login_required
def transfer_request_new(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.MANAGER:
        raise PermissionDenied
    form = TransferRequestForm(request.POST or None, initial={"inn": request.GET.get("inn", "")})
    if request.method == "POST" and form.is_valid():
        try:
            transfer_request_create(client=form.client, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Your request is sent to the client's manager and the sales head."))
            return redirect("funnel:deal_new")
    return render(request, "funnel/transfer_request_form.html", {"form": form})


@login_required
def transfer_requests(request: HttpRequest) -> HttpResponse:
    if not can_decide_transfers(request.user):
        raise PermissionDenied
    pending = transfer_requests_for(request.user).filter(status=TransferRequestStatus.PENDING).order_by("created_at")
    decided = transfer_requests_for(request.user).exclude(status=TransferRequestStatus.PENDING)[:20]
    return render(request, "funnel/transfer_requests.html", {"pending": pending, "decided": decided})


def _decide(request: HttpRequest, pk: int, action) -> HttpResponse:
    if not can_decide_transfers(request.user):
        raise PermissionDenied
    transfer = get_object_or_404(transfer_requests_for(request.user), pk=pk)
    form = TransferDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("funnel:transfer_requests")
    try:
        action(request=transfer, by=request.user, comment=form.cleaned_data["comment"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("You may not transfer clients between these managers."))
    else:
        messages.success(request, _("The decision is saved."))
    return redirect("funnel:transfer_requests")


@login_required
@require_POST
def transfer_request_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, transfer_request_approve)


@login_required
@require_POST
def transfer_request_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, transfer_request_reject)
