"""The scenario editor: scenarios, their stages and the stages' triggers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from funnel.models import Deal, DealStatus, RequiredField, Scenario, Stage, StageChange, StageOutcome, StageTrigger

MIN_STAGES = 2
STAGE_FIELDS = {"name", "target_days", "probability", "outcome", "required_fields", "close_open_tasks", "on_event"}
TRIGGER_FIELDS = {"title", "assignee_kind", "role", "due_days", "is_active"}


def can_edit_scenarios(user: User) -> bool:
    return user.is_active and user.has_perm("funnel.edit_scenario")


def _check(by: User) -> None:
    if not can_edit_scenarios(by):
        raise PermissionDenied


def _validate_stage(stage: Stage) -> None:
    unknown = set(stage.required_fields or []) - set(RequiredField.values)
    if unknown:
        raise ValidationError({"required_fields": _("Unknown fields: %(fields)s") % {"fields": ", ".join(unknown)}})
    if stage.on_event:
        clash = Stage.objects.filter(scenario_id=stage.scenario_id, on_event=stage.on_event, is_archived=False)
        if stage.pk:
            clash = clash.exclude(pk=stage.pk)
        if clash.exists():
            raise ValidationError({"on_event": _("Another stage of this scenario already takes this event.")})
    stage.full_clean(exclude=["scenario"])


@transaction.atomic
def scenario_create(*, name: str, by: User, description: str = "") -> Scenario:
    _check(by)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the scenario a name.")})
    if Scenario.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A scenario with this name already exists.")})
    return Scenario.objects.create(name=name, description=description)


@transaction.atomic
def scenario_rename(*, scenario: Scenario, name: str, by: User) -> Scenario:
    _check(by)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the scenario a name.")})
    if Scenario.objects.filter(name__iexact=name).exclude(pk=scenario.pk).exists():
        raise ValidationError({"name": _("A scenario with this name already exists.")})
    scenario.name = name
    scenario.save(update_fields=["name"])
    return scenario


@transaction.atomic
def stage_add(*, scenario: Scenario, name: str, by: User, **fields: Any) -> Stage:
    """Add a stage; open stages go before the terminal (won/lost) ones unless a position is given."""
    _check(by)
    unknown = set(fields) - STAGE_FIELDS
    if unknown:
        raise ValueError(f"Unknown stage fields: {sorted(unknown)}")
    stages = list(scenario.stages.filter(is_archived=False).select_for_update().order_by("position", "pk"))
    stage = Stage(scenario=scenario, name=name.strip(), **fields)
    if stage.outcome == StageOutcome.OPEN:
        position = next((i for i, s in enumerate(stages) if s.is_terminal), len(stages))
    else:
        position = len(stages)
    stage.position = position
    _validate_stage(stage)
    stages.insert(position, stage)
    stage.save()
    _renumber(stages)
    return stage


@transaction.atomic
def stage_update(*, stage: Stage, by: User, **fields: Any) -> Stage:
    """Rename a stage or change its rules; open deals at it get the new target."""
    _check(by)
    unknown = set(fields) - STAGE_FIELDS
    if unknown:
        raise ValueError(f"Unknown stage fields: {sorted(unknown)}")
    old_target = stage.target_days
    for name, value in fields.items():
        setattr(stage, name, value)
    if "name" in fields:
        stage.name = stage.name.strip()
    _validate_stage(stage)
    if stage.outcome != StageOutcome.OPEN and stage.deals.filter(status=DealStatus.OPEN).exists():
        raise ValidationError({"outcome": _("Open deals are at this stage: move them before making it final.")})
    stage.save()
    if stage.target_days != old_target:
        _reset_deadlines(stage)
    return stage


def _reset_deadlines(stage: Stage) -> None:
    open_deals = Deal.objects.filter(stage=stage, status=DealStatus.OPEN)
    if stage.target_days:
        from django.db.models import F

        open_deals.update(stage_deadline_at=F("stage_entered_at") + dt.timedelta(days=stage.target_days))
    else:
        open_deals.update(stage_deadline_at=None)


def _renumber(stages: list[Stage]) -> None:
    for i, s in enumerate(stages):
        s.position = i
    Stage.objects.bulk_update(stages, ["position"])


@transaction.atomic
def stages_reorder(*, scenario: Scenario, order: list[int], by: User) -> None:
    """Put the scenario's stages in the order of `order` (stage ids, all of them)."""
    _check(by)
    stages = {s.pk: s for s in scenario.stages.filter(is_archived=False).select_for_update()}
    if sorted(order) != sorted(stages):
        raise ValidationError(_("The new order must list every stage of the scenario once."))
    _renumber([stages[pk] for pk in order])


@transaction.atomic
def stage_delete(*, stage: Stage, by: User, move_to: Stage | None = None, now: dt.datetime | None = None) -> int:
    """Archive a stage; its open deals move to `move_to` (required when there are any).

    Return how many deals moved. The stage stays in the history, so nothing is lost.
    """
    _check(by)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    remaining = stage.scenario.stages.filter(is_archived=False).exclude(pk=stage.pk)
    if remaining.count() < MIN_STAGES:
        raise ValidationError(_("A scenario needs at least %(n)d stages.") % {"n": MIN_STAGES})
    deals = list(Deal.objects.select_for_update().filter(stage=stage, status=DealStatus.OPEN))
    if deals:
        if move_to is None:
            raise ValidationError({"move_to": _("Deals are at this stage: choose the stage to move them to.")})
        if move_to.scenario_id != stage.scenario_id or move_to.pk == stage.pk or move_to.is_archived:
            raise ValidationError({"move_to": _("Choose another stage of the same scenario.")})
        if move_to.is_terminal:
            raise ValidationError({"move_to": _("Move the deals to a stage in progress.")})
        now = now or timezone.now()
        deadline = now + dt.timedelta(days=move_to.target_days) if move_to.target_days else None
        Deal.objects.filter(pk__in=[d.pk for d in deals]).update(
            stage=move_to, stage_entered_at=now, stage_deadline_at=deadline, updated_at=now
        )
        StageChange.objects.filter(deal__in=[d.pk for d in deals], left_at__isnull=True).update(left_at=now)
        StageChange.objects.bulk_create(
            [StageChange(deal=d, from_stage=stage, to_stage=move_to, by=by, entered_at=now) for d in deals]
        )
    stage.is_archived = True
    stage.on_event = ""
    stage.save(update_fields=["is_archived", "on_event"])
    _renumber(list(remaining.order_by("position", "pk")))
    return len(deals)


@transaction.atomic
def trigger_save(*, stage: Stage, by: User, trigger: StageTrigger | None = None, **fields: Any) -> StageTrigger:
    """Create or change a stage's trigger (a task created on entering the stage)."""
    _check(by)
    unknown = set(fields) - TRIGGER_FIELDS
    if unknown:
        raise ValueError(f"Unknown trigger fields: {sorted(unknown)}")
    trigger = trigger or StageTrigger(stage=stage)
    if trigger.stage_id != stage.pk:
        raise ValidationError(_("The trigger belongs to another stage."))
    for name, value in fields.items():
        setattr(trigger, name, value)
    if trigger.assignee_kind == "role" and not trigger.role:
        raise ValidationError({"role": _("Choose the role that gets the task.")})
    trigger.full_clean(exclude=["stage"])
    trigger.save()
    return trigger


def next_position(scenario: Scenario) -> int:
    return (scenario.stages.aggregate(m=Max("position"))["m"] or 0) + 1
