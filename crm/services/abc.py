"""ABC classification of customers by their share of revenue or gross profit.

Customers are ranked by the metric over the period (shipped, posted lines); walking
down the ranking, a customer is A while the share of those ranked above them is
below the A threshold, B while it is below A + B, else C. So the biggest customer is
always A and the one who crosses a boundary belongs to the higher class. Customers
without sales in the period lose their class. Every change is kept in AbcClassChange.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils.translation import gettext as _

from crm.db import chunks
from crm.models import AbcClass, AbcClassChange, AbcMetric, AbcRun, Client, DocumentKind, SalesDocumentLine, User

DEFAULT_THRESHOLDS = (Decimal(70), Decimal(20), Decimal(10))
_CHUNK = 5000


def can_run_abc(user: User | None) -> bool:
    return user is None or user.is_admin or user.is_head


def abc_values(*, date_from: date, date_to: date, metric: str) -> list[tuple[int, Decimal]]:
    """Return (client id, value) of every client with a positive value, biggest first (one query)."""
    lines = SalesDocumentLine.objects.effective().filter(
        kind=DocumentKind.SHIPMENT, date__gte=date_from, date__lte=date_to
    )
    if metric == AbcMetric.GROSS_PROFIT:
        lines = lines.filter(cost__isnull=False)
        expression = Sum(ExpressionWrapper(F("amount") - F("cost"), output_field=DecimalField()))
    else:
        expression = Sum("amount")
    rows = (
        lines.values("client_id")
        .annotate(value=expression)
        .filter(value__gt=0)
        .order_by("-value", "client_id")
        .values_list("client_id", "value")
    )
    return [(client_id, Decimal(value)) for client_id, value in rows]


def abc_classes(
    values: list[tuple[int, Decimal]], *, threshold_a: Decimal, threshold_b: Decimal
) -> dict[int, tuple[str, Decimal]]:
    """Classify ranked values; return client id → (class, share in %)."""
    total = sum((value for _client, value in values), Decimal(0))
    result: dict[int, tuple[str, Decimal]] = {}
    if total <= 0:
        return result
    above = Decimal(0)
    for client_id, value in values:
        share_above = above * 100 / total
        if share_above < threshold_a:
            klass = AbcClass.A
        elif share_above < threshold_a + threshold_b:
            klass = AbcClass.B
        else:
            klass = AbcClass.C
        result[client_id] = (klass, (value * 100 / total).quantize(Decimal("0.001")))
        above += value
    return result


def _check_thresholds(a: Decimal, b: Decimal, c: Decimal) -> None:
    if min(a, b, c) < 0 or a <= 0:
        raise ValidationError(_("Thresholds must be positive percentages."))
    if a + b + c != 100:
        raise ValidationError(_("The thresholds of classes A, B and C must add up to 100%."))


def abc_classify(
    *,
    date_from: date,
    date_to: date,
    metric: str = AbcMetric.REVENUE,
    threshold_a: Decimal = DEFAULT_THRESHOLDS[0],
    threshold_b: Decimal = DEFAULT_THRESHOLDS[1],
    threshold_c: Decimal = DEFAULT_THRESHOLDS[2],
    by: User | None = None,
) -> AbcRun:
    """Classify every customer, update Client.abc_class and record who moved (heads, admins, beat)."""
    if not can_run_abc(by):
        raise PermissionDenied
    threshold_a, threshold_b, threshold_c = (Decimal(str(t)) for t in (threshold_a, threshold_b, threshold_c))
    _check_thresholds(threshold_a, threshold_b, threshold_c)
    if date_from > date_to:
        raise ValidationError(_("The period starts after it ends."))
    with transaction.atomic():
        values = abc_values(date_from=date_from, date_to=date_to, metric=metric)
        classes = abc_classes(values, threshold_a=threshold_a, threshold_b=threshold_b)
        value_of = dict(values)
        # Clients classified before; everyone else has no class yet.
        current = dict(Client.objects.exclude(abc_class="").values_list("id", "abc_class"))
        counts = dict.fromkeys(AbcClass.values, 0)
        for klass, _share in classes.values():
            counts[klass] += 1
        run = AbcRun.objects.create(
            date_from=date_from,
            date_to=date_to,
            metric=metric,
            threshold_a=threshold_a,
            threshold_b=threshold_b,
            threshold_c=threshold_c,
            total=sum(value_of.values(), Decimal(0)),
            counts=counts,
            created_by=by,
        )
        changes: list[AbcClassChange] = []
        moved: dict[str, list[int]] = {}
        for client_id in set(current) | set(classes):
            old = current.get(client_id, "")
            new, share = classes.get(client_id, ("", Decimal(0)))
            if old == new:
                continue
            changes.append(
                AbcClassChange(
                    run=run,
                    client_id=client_id,
                    old_class=old,
                    new_class=new,
                    value=value_of.get(client_id, Decimal(0)),
                    share=share,
                )
            )
            moved.setdefault(new, []).append(client_id)
        for new, ids in moved.items():
            for chunk in chunks(ids, _CHUNK):
                Client.objects.filter(pk__in=chunk).update(abc_class=new)
        AbcClassChange.objects.bulk_create(changes, batch_size=2000)
        run.changed_count = len(changes)
        run.save(update_fields=["changed_count"])
    return run
