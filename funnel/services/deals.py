"""Writes on deals: create, change, move through the scenario, comment."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Client, NotificationKind, Role, Task, User
from crm.services.notifications import notification_create
from crm.services.tasks import task_create
from funnel.models import (
    Deal,
    DealComment,
    DealLine,
    DealStatus,
    LossReason,
    RequiredField,
    Scenario,
    Stage,
    StageChange,
    StageOutcome,
    StageTrigger,
    TriggerAssignee,
)

# Fields the stage-entry dialog may set on the deal, besides the stage's required fields.
MOVE_FIELDS = {*RequiredField.values, "loss_reason", "loss_comment"}


def can_change_deal(user: User, deal: Deal) -> bool:
    """Whether `user` may change this deal: the right role and the deal's client in scope."""
    if not user.is_active or not user.has_perm("funnel.change_deal"):
        return False
    return Deal.objects.visible_to(user).filter(pk=deal.pk).exists()


def can_open_deal(user: User, deal: Deal) -> bool:
    """Whether `user` may open the deal card (the rule of `deal_detail`: permission, then client scope)."""
    if not user.is_active or not user.has_perm("funnel.view_deal"):
        return False
    return Deal.objects.visible_to(user).filter(pk=deal.pk).exists()


def _deadline(stage: Stage, entered_at: dt.datetime) -> dt.datetime | None:
    return entered_at + dt.timedelta(days=stage.target_days) if stage.target_days else None


def _open_duplicate(client: Client, scenario: Scenario, exclude_pk: int | None = None) -> Deal | None:
    qs = Deal.objects.filter(client=client, scenario=scenario, status=DealStatus.OPEN, is_archived=False)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


@transaction.atomic
def deal_create(
    *,
    client: Client,
    scenario: Scenario,
    title: str,
    by: User,
    responsible: User | None = None,
    contact=None,
    amount: Decimal | None = None,
    expected_close_date: dt.date | None = None,
    source: str = "other",
    comment: str = "",
    allow_duplicate: bool = False,
    now: dt.datetime | None = None,
) -> Deal:
    """Open a deal at the scenario's first stage.

    A manager may open deals only on their own clients (or clients nobody owns); on another
    manager's client they ask for a transfer. A second open deal of the client in the same
    scenario is refused with code "duplicate" unless `allow_duplicate`.
    """
    if not by.has_perm("funnel.add_deal"):
        raise PermissionDenied
    if not Client.objects.visible_to(by).filter(pk=client.pk).exists():
        raise PermissionDenied
    responsible = responsible or by
    if by.role == Role.MANAGER:
        if client.responsible_id not in (None, by.pk):
            raise ValidationError(
                _("%(client)s is owned by %(owner)s. Ask for a transfer of the client to open a deal."),
                code="owned",
                params={"client": client, "owner": client.responsible},
            )
        if responsible.pk != by.pk:
            raise ValidationError(_("A manager opens deals only in their own name."), code="responsible")
    if contact is not None and contact.client_id != client.pk:
        raise ValidationError({"contact": _("The contact belongs to another client.")})
    if not allow_duplicate and (dup := _open_duplicate(client, scenario)):
        raise ValidationError(
            _("The client already has an open deal in this scenario: %(deal)s."),
            code="duplicate",
            params={"deal": dup.title},
        )
    first = scenario.stages.filter(is_archived=False, outcome=StageOutcome.OPEN).order_by("position", "pk").first()
    if first is None:
        raise ValidationError(_("The scenario has no stages yet."), code="no_stages")
    now = now or timezone.now()
    deal = Deal.objects.create(
        client=client,
        contact=contact,
        scenario=scenario,
        stage=first,
        title=title,
        amount=amount,
        expected_close_date=expected_close_date,
        source=source,
        responsible=responsible,
        comment=comment,
        stage_entered_at=now,
        stage_deadline_at=_deadline(first, now),
        created_by=by,
    )
    change = StageChange.objects.create(deal=deal, from_stage=None, to_stage=first, by=by, entered_at=now)
    _fire_triggers(deal=deal, stage=first, change=change, now=now)
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, by: User, **fields: Any) -> Deal:
    """Change a deal's plain fields (not its stage or status)."""
    if not can_change_deal(by, deal):
        raise PermissionDenied
    allowed = {"title", "amount", "expected_close_date", "source", "contact", "comment", "responsible"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    if "contact" in fields and fields["contact"] is not None and fields["contact"].client_id != deal.client_id:
        raise ValidationError({"contact": _("The contact belongs to another client.")})
    if by.role == Role.MANAGER and "responsible" in fields and fields["responsible"].pk != deal.responsible_id:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(deal, name, value)
    deal.save()
    return deal


def _missing_required(deal: Deal, stage: Stage) -> dict[str, str]:
    errors = {}
    labels = dict(RequiredField.choices)
    for name in stage.required_fields or []:
        if name in labels and getattr(deal, name) in (None, ""):
            errors[name] = _("%(field)s is required to enter the stage “%(stage)s”.") % {
                "field": labels[name],
                "stage": stage.name,
            }
    if stage.outcome == StageOutcome.LOST and deal.loss_reason_id is None:
        errors["loss_reason"] = _("Choose the reason the deal was lost.")
    return errors


def _role_assignee(role: str, deal: Deal) -> User | None:
    users = User.objects.filter(role=role, is_active=True).order_by("pk")
    region_id = deal.client.region_id
    return (region_id and users.filter(region_id=region_id).first()) or users.first()


def _fire_triggers(*, deal: Deal, stage: Stage, change: StageChange, now: dt.datetime) -> int:
    """Create the tasks of the stage's active triggers, exactly once per stage entry."""
    triggers = list(StageTrigger.objects.filter(stage=stage, is_active=True))
    if not triggers:
        return 0
    keys = {t.pk: f"stage:{deal.pk}:{change.pk}:{t.pk}" for t in triggers}
    done = set(Task.objects.filter(trigger_key__in=keys.values()).values_list("trigger_key", flat=True))
    created = 0
    for trigger in triggers:
        key = keys[trigger.pk]
        if key in done:
            continue
        assignee = deal.responsible
        if trigger.assignee_kind == TriggerAssignee.ROLE and trigger.role:
            assignee = _role_assignee(trigger.role, deal) or deal.responsible
        # task_create returns the existing task of the key: a repeated run is a no-op.
        task_create(
            title=trigger.title,
            text=_("Deal “%(deal)s” entered the stage “%(stage)s”.") % {"deal": deal.title, "stage": stage.name},
            assignee=assignee,
            client=deal.client,
            due_at=now + dt.timedelta(days=trigger.due_days),
            by=None,
            trigger_key=key,
            subject=deal,
        )
        created += 1
    return created


def _close_open_tasks(deal: Deal, now: dt.datetime) -> int:
    ct = ContentType.objects.get_for_model(Deal)
    return Task.objects.filter(content_type=ct, object_id=deal.pk, status="open").update(
        status="done", completed_at=now, updated_at=now
    )


@transaction.atomic
def deal_move_to_stage(
    *,
    deal: Deal,
    stage: Stage,
    by: User | None,
    automatic: bool = False,
    fields: dict[str, Any] | None = None,
    event: str = "",
    now: dt.datetime | None = None,
) -> StageChange | None:
    """Move the deal to `stage`, writing its history and firing the stage's triggers once.

    Manual moves need a user allowed to change the deal, and the stage's required fields
    (given in `fields` or already on the deal); entering a lost stage needs a loss reason.
    Automatic moves (from sales documents) never go backwards, never touch a closed deal and
    happen once per `event`. They do not stop at required fields: the posted document is a fact
    the funnel must show, so the deal moves, the StageChange records the missing fields in
    `missing_fields` (shown on the deal card) and the responsible gets a notification to fill them in.
    Return the new StageChange, or None when nothing moved.
    """
    deal = Deal.objects.select_for_update().select_related("stage", "client", "responsible").get(pk=deal.pk)
    if stage.scenario_id != deal.scenario_id or stage.is_archived:
        raise ValidationError(_("The stage does not belong to the deal's scenario."), code="scenario")
    if automatic:
        if not deal.is_open or stage.position <= deal.stage.position:
            return None
        if event and StageChange.objects.filter(deal=deal, event=event).exists():
            return None
    else:
        if by is None or not can_change_deal(by, deal):
            raise PermissionDenied
        if stage.pk == deal.stage_id:
            return None
    fields = {k: v for k, v in (fields or {}).items() if k in MOVE_FIELDS}
    if fields.get("loss_reason") is not None and not isinstance(fields["loss_reason"], LossReason):
        fields["loss_reason"] = LossReason.objects.filter(pk=fields["loss_reason"], is_active=True).first()
    if fields.get("contact") is not None and fields["contact"].client_id != deal.client_id:
        raise ValidationError({"contact": _("The contact belongs to another client.")})
    for name, value in fields.items():
        if value not in (None, ""):
            setattr(deal, name, value)
    errors = _missing_required(deal, stage)
    if errors and not automatic:
        raise ValidationError(errors)
    # An automatic move follows a posted sales document, a fact the funnel should show: the deal moves even
    # without the stage's required fields, the change records which were missing, and the responsible is asked
    # to fill them in.
    missing = [name for name in errors if name in RequiredField.values] if automatic else []
    now = now or timezone.now()
    from_stage = deal.stage
    deal.stage = stage
    deal.stage_entered_at = now
    deal.stage_deadline_at = _deadline(stage, now)
    if stage.outcome == StageOutcome.OPEN:
        deal.status, deal.closed_at, deal.loss_reason, deal.loss_comment = DealStatus.OPEN, None, None, ""
        deal.lost_from_stage = None
    else:
        deal.status = DealStatus.WON if stage.outcome == StageOutcome.WON else DealStatus.LOST
        deal.closed_at = now
        if deal.status == DealStatus.WON:
            deal.loss_reason, deal.loss_comment, deal.lost_from_stage = None, "", None
        elif deal.loss_reason_id is None:
            # An automatic move cannot give a reason; it never ends in a lost stage.
            return None
        else:
            deal.lost_from_stage = from_stage
    deal.save()
    StageChange.objects.filter(deal=deal, left_at__isnull=True).update(left_at=now)
    change = StageChange.objects.create(
        deal=deal,
        from_stage=from_stage,
        to_stage=stage,
        by=by,
        automatic=automatic,
        event=event,
        entered_at=now,
        missing_fields=missing,
    )
    if missing:
        _ask_for_missing_fields(deal=deal, stage=stage, change=change, missing=missing)
    if stage.close_open_tasks:
        _close_open_tasks(deal, now)
    _fire_triggers(deal=deal, stage=stage, change=change, now=now)
    return change


def _ask_for_missing_fields(*, deal: Deal, stage: Stage, change: StageChange, missing: list[str]) -> None:
    labels = dict(RequiredField.choices)
    notification_create(
        recipient=deal.responsible,
        kind=NotificationKind.SYSTEM,
        title=_("The deal “%(deal)s” moved to the stage “%(stage)s” without its required fields")
        % {"deal": deal.title, "stage": stage.name},
        text=_("Fill in: %(fields)s.") % {"fields": ", ".join(str(labels[name]) for name in missing)},
        url=deal.get_absolute_url(),
        dedupe_key=f"stage-missing:{change.pk}",
    )


MENTION_RE = re.compile(r"@([\w.+-]+)")


@transaction.atomic
def deal_comment_add(*, deal: Deal, text: str, by: User) -> DealComment:
    """Add a comment to the deal's discussion and notify the users it @mentions."""
    if not Deal.objects.visible_to(by).filter(pk=deal.pk).exists():
        raise PermissionDenied
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write something first.")})
    comment = DealComment.objects.create(deal=deal, author=by, text=text)
    names = set(MENTION_RE.findall(text))
    if names:
        mentioned = User.objects.filter(username__in=names, is_active=True).exclude(pk=by.pk)
        # Only people who can open the deal card hear of it: the card's own rule (permission and client scope).
        for user in mentioned:
            if not can_open_deal(user, deal):
                continue
            notification_create(
                recipient=user,
                kind=NotificationKind.MENTION,
                title=_("%(user)s mentioned you in the deal “%(deal)s”") % {"user": by, "deal": deal.title},
                text=text[:1000],
                url=deal.get_absolute_url(),
                dedupe_key=f"deal-comment:{comment.pk}:{user.pk}",
            )
    return comment


def product_price(product) -> Decimal | None:
    """The product's current price: the price of its latest effective invoice line from accounting."""
    from crm.models import SalesDocumentLine

    return (
        SalesDocumentLine.objects.filter(product=product, is_effective=True, kind="invoice")
        .order_by("-date", "-pk")
        .values_list("price", flat=True)
        .first()
    )


def _line_values(*, name: str, quantity: Decimal, price: Decimal | None, product) -> tuple[str, Decimal, Decimal]:
    if product is not None and not product.is_active:
        raise ValidationError({"product": _("This product is no longer in the catalogue.")})
    if price is None and product is not None:
        price = product_price(product)
    if price is None:
        raise ValidationError({"price": _("Give the price: the product has no price from accounting yet.")})
    if quantity is None or quantity <= 0 or price < 0:
        raise ValidationError(_("Quantity must be positive and the price not negative."))
    name = (name or (product.name if product else "")).strip()
    if not name:
        raise ValidationError({"name": _("Name the product or pick it from the catalogue.")})
    return name, quantity, price


@transaction.atomic
def deal_line_add(
    *, deal: Deal, name: str = "", quantity: Decimal, price: Decimal | None = None, by: User, product=None
) -> DealLine:
    """Add a product line to the deal; a catalogue product gives its name and, unless given, its price."""
    if not can_change_deal(by, deal):
        raise PermissionDenied
    name, quantity, price = _line_values(name=name, quantity=quantity, price=price, product=product)
    return DealLine.objects.create(deal=deal, product=product, name=name, quantity=quantity, price=price)


@transaction.atomic
def deal_line_update(
    *, line: DealLine, name: str = "", quantity: Decimal, price: Decimal | None = None, by: User, product=None
) -> DealLine:
    """Change a product line of the deal (the audit log keeps the old values)."""
    if not can_change_deal(by, line.deal):
        raise PermissionDenied
    line.name, line.quantity, line.price = _line_values(name=name, quantity=quantity, price=price, product=product)
    line.product = product
    line.save()
    return line


@transaction.atomic
def deal_line_remove(*, line: DealLine, by: User) -> None:
    """Remove a product line from the deal (the audit log keeps what it was)."""
    if not can_change_deal(by, line.deal):
        raise PermissionDenied
    line.delete()
