"""The kanban board, its lazy columns and the stage move (drag and drop or the deal card)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.forms.errors import add_service_errors
from funnel.forms import BoardFilterForm, StageEntryForm
from funnel.models import Deal, Stage
from funnel.selectors import board_columns, column_cards, scenarios_for
from funnel.services.deals import can_change_deal, deal_move_to_stage


def _scenario_of(request: HttpRequest):
    scenarios = list(scenarios_for(request.user))
    wanted = request.GET.get("scenario")
    chosen = next((s for s in scenarios if str(s.pk) == wanted), scenarios[0] if scenarios else None)
    return scenarios, chosen


@login_required
@permission_required("funnel.view_deal", raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    scenarios, scenario = _scenario_of(request)
    form = BoardFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if request.GET else {}
    columns = board_columns(request.user, scenario, filters=filters) if scenario else []
    context = {
        "scenarios": scenarios,
        "scenario": scenario,
        "filter_form": form,
        "columns": columns,
        "query": request.GET.urlencode(),
    }
    if request.headers.get("HX-Request") and request.GET.get("partial") == "columns":
        return render(request, "funnel/_board_columns.html", context)
    return render(request, "funnel/board.html", context)


@login_required
@permission_required("funnel.view_deal", raise_exception=True)
def column_more(request: HttpRequest, stage_pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.select_related("scenario"), pk=stage_pk, is_archived=False)
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    form = BoardFilterForm(request.GET or None, user=request.user)
    cards, has_more = column_cards(request.user, stage, offset=offset, filters=form.filters())
    return render(
        request,
        "funnel/_cards.html",
        {
            "cards": cards,
            "has_more": has_more,
            "stage": stage,
            "next_offset": offset + len(cards),
            "query": request.GET.urlencode(),
        },
    )


def _dialog(request, deal, stage, form, status=200):
    htmx = bool(request.headers.get("HX-Request"))
    template = "funnel/_stage_dialog.html" if htmx else "funnel/stage_move.html"
    return render(request, template, {"deal": deal, "stage": stage, "form": form, "htmx": htmx}, status=status)


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal to a stage; when the stage asks for fields, answer with the dialog that asks for them."""
    deal = get_object_or_404(Deal.objects.visible_to(request.user).select_related("stage"), pk=pk)
    if not can_change_deal(request.user, deal):
        raise PermissionDenied
    stage = Stage.objects.filter(pk=request.POST.get("stage") or 0, scenario_id=deal.scenario_id).first()
    if stage is None or stage.is_archived:
        raise Http404
    submitted = request.POST.get("dialog") == "1"
    form = StageEntryForm(request.POST if submitted else None, deal=deal, stage=stage)
    is_htmx = bool(request.headers.get("HX-Request"))
    if not submitted and form.needs_input:
        return _dialog(request, deal, stage, form)
    if submitted and not form.is_valid():
        return _dialog(request, deal, stage, form)
    try:
        deal_move_to_stage(deal=deal, stage=stage, by=request.user, fields=form.cleaned_data if submitted else None)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _dialog(request, deal, stage, form)
    if is_htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "funnel:board-changed"
        return response
    from django.contrib import messages
    from django.shortcuts import redirect

    messages.success(request, _("The deal moved to the stage “%(stage)s”.") % {"stage": stage.name})
    return redirect(deal)
