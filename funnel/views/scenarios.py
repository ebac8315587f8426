"""The scenario editor (sales heads and administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from funnel.forms import ScenarioForm, StageDeleteForm, StageForm, TriggerForm
from funnel.models import Scenario, Stage, StageTrigger
from funnel.services.scenarios import (
    scenario_create,
    stage_add,
    stage_delete,
    stage_update,
    stages_reorder,
    trigger_save,
)

editor_required = permission_required("funnel.edit_scenario", raise_exception=True)


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
@editor_required
def scenario_list(request: HttpRequest) -> HttpResponse:
    form = ScenarioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scenario = scenario_create(
                name=form.cleaned_data["name"], description=form.cleaned_data["description"], by=request.user
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            return redirect(scenario)
    scenarios = Scenario.objects.filter(is_archived=False).order_by("name")
    return render(request, "funnel/scenario_list.html", {"scenarios": scenarios, "form": form})


@login_required
@editor_required
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_object_or_404(Scenario, pk=pk, is_archived=False)
    stages = list(scenario.stages.filter(is_archived=False).prefetch_related("triggers").order_by("position", "pk"))
    from django.db.models import Count, Q

    counts = dict(
        Stage.objects.filter(pk__in=[s.pk for s in stages])
        .annotate(n=Count("deals", filter=Q(deals__status="open")))
        .values_list("pk", "n")
    )
    rows = [
        {
            "stage": s,
            "form": StageForm(instance=s, prefix=f"s{s.pk}"),
            "delete_form": StageDeleteForm(stage=s, prefix=f"d{s.pk}"),
            "trigger_form": TriggerForm(prefix=f"t{s.pk}"),
            "open_deals": counts.get(s.pk, 0),
        }
        for s in stages
    ]
    return render(
        request,
        "funnel/scenario_edit.html",
        {"scenario": scenario, "rows": rows, "new_stage_form": StageForm(prefix="new")},
    )


@login_required
@editor_required
@require_POST
def stage_new(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = get_object_or_404(Scenario, pk=pk, is_archived=False)
    form = StageForm(request.POST, prefix="new")
    if form.is_valid():
        data = dict(form.cleaned_data)
        name = data.pop("name")
        try:
            stage_add(scenario=scenario, name=name, by=request.user, **data)
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(scenario)


@login_required
@editor_required
@require_POST
def stage_save(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage, pk=pk, is_archived=False)
    form = StageForm(request.POST, instance=Stage.objects.get(pk=stage.pk), prefix=f"s{stage.pk}")
    if form.is_valid():
        try:
            stage_update(stage=stage, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The stage is saved."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(stage.scenario)


@login_required
@editor_required
@require_POST
def stage_remove(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage, pk=pk, is_archived=False)
    form = StageDeleteForm(request.POST, stage=stage, prefix=f"d{stage.pk}")
    if form.is_valid():
        try:
            moved = stage_delete(stage=stage, by=request.user, move_to=form.cleaned_data["move_to"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The stage is deleted; %(n)d deals moved.") % {"n": moved})
    else:
        messages.error(request, _("Choose another stage of the same scenario."))
    return redirect(stage.scenario)


@login_required
@editor_required
@require_POST
def stage_shift(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a stage one place up or down."""
    stage = get_object_or_404(Stage, pk=pk, is_archived=False)
    order = list(
        stage.scenario.stages.filter(is_archived=False).order_by("position", "pk").values_list("pk", flat=True)
    )
    i = order.index(stage.pk)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        stages_reorder(scenario=stage.scenario, order=order, by=request.user)
    return redirect(stage.scenario)


@login_required
@editor_required
@require_POST
def trigger_new(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage, pk=pk, is_archived=False)
    form = TriggerForm(request.POST, prefix=f"t{stage.pk}")
    if form.is_valid():
        try:
            trigger_save(stage=stage, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(stage.scenario)


@login_required
@editor_required
@require_POST
def trigger_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    trigger = get_object_or_404(StageTrigger.objects.select_related("stage__scenario"), pk=pk)
    trigger_save(stage=trigger.stage, trigger=trigger, by=request.user, is_active=not trigger.is_active)
    return redirect(trigger.stage.scenario)
