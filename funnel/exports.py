"""xlsx exports of deals and reports, safe from formula injection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exports import xlsx_response as crm_xlsx_response


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """Export with today's date in the file name (crm.exports writes formula-safe cells)."""
    return crm_xlsx_response(f"{filename}-{timezone.localdate():%Y%m%d}.xlsx", header, rows)


def deals_xlsx(qs) -> HttpResponse:
    header = [
        _("Deal"),
        _("Client"),
        _("Scenario"),
        _("Stage"),
        _("Amount, RUB"),
        _("Expected close date"),
        _("Source"),
        _("Responsible"),
        _("Status"),
        _("Loss reason"),
        _("Light"),
    ]
    rows = (
        [
            d.title,
            d.client.name,
            d.scenario.name,
            d.stage.name,
            d.amount,
            d.expected_close_date,
            d.get_source_display(),
            str(d.responsible),
            d.get_status_display(),
            d.loss_reason.name if d.loss_reason else "",
            getattr(d, "light", ""),
        ]
        for d in qs.iterator(chunk_size=2000)
    )
    return xlsx_response("deals", header, rows)
