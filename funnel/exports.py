"""xlsx exports of deals and reports, safe from formula injection."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Keep spreadsheet software from reading user text as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([str(h) for h in header])
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


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
