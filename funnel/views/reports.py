"""Reports for the sales head: funnel, lost deals, time in stage, stuck deals, forecast."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm.access import get_client_for
from funnel.exports import xlsx_response
from funnel.forms import ReportFilterForm
from funnel.models import Scenario
from funnel.reports import (
    ReportFilter,
    forecast_report,
    funnel_report,
    indicators_report,
    lost_deals,
    lost_report,
    stuck_deals,
    time_in_stage_report,
)

reports_required = permission_required("funnel.view_funnel_reports", raise_exception=True)


def _filter(request: HttpRequest) -> tuple[ReportFilterForm, ReportFilter]:
    form = ReportFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    scenario = data.get("scenario") or Scenario.objects.filter(is_archived=False).order_by("name").first()
    return form, ReportFilter(
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        scenario=scenario,
        responsible=data.get("responsible"),
        region=data.get("region"),
    )


def _query_without(request: HttpRequest, *keys: str) -> str:
    params = request.GET.copy()
    for key in ("export", "page", *keys):
        params.pop(key, None)
    return params.urlencode()


def _query(request: HttpRequest) -> str:
    params = request.GET.copy()
    for key in ("export", "page", "stage", "reason"):
        params.pop(key, None)
    return params.urlencode()


@login_required
@reports_required
def reports(request: HttpRequest) -> HttpResponse:
    return render(request, "funnel/reports/index.html", {})


@login_required
@reports_required
def report_funnel(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request)
    rows = funnel_report(request.user, f)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "funnel",
            [_("Stage"), _("Deals"), _("Amount, RUB"), _("Conversion to the next stage, %")],
            ([r["stage"].name, r["count"], r["amount"], r["conversion"]] for r in rows),
        )
    chart = {"labels": [r["stage"].name for r in rows], "values": [r["count"] for r in rows]}
    return render(
        request,
        "funnel/reports/funnel.html",
        {"form": form, "f": f, "rows": rows, "chart": chart, "query": _query(request), "title": _("Funnel")},
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@reports_required
def report_lost(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request)
    if "stage" in request.GET or "reason" in request.GET:
        qs = lost_deals(
            request.user, f, stage_id=_int(request.GET.get("stage")), reason_id=_int(request.GET.get("reason"))
        )
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "funnel/reports/lost_deals.html",
            {"form": form, "page": page, "query": _query(request), "title": _("Lost deals")},
        )
    report = lost_report(request.user, f)
    if request.GET.get("export") == "xlsx":
        header = [_("Stage"), *[name for _rid, name in report["reasons"]], _("Total")]
        return xlsx_response(
            "lost-deals", header, ([r["stage"], *[c["count"] for c in r["cells"]], r["total"]] for r in report["rows"])
        )
    chart = {"labels": [r["reason"] for r in report["by_reason"]], "values": [r["count"] for r in report["by_reason"]]}
    return render(
        request,
        "funnel/reports/lost.html",
        {"form": form, "report": report, "chart": chart, "query": _query(request), "title": _("Lost deals")},
    )


@login_required
@reports_required
def report_time(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request)
    rows = time_in_stage_report(request.user, f)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "time-in-stage",
            [_("Stage"), _("Entries"), _("Average, days"), _("Median, days"), _("Target, days")],
            ([r["stage"].name, r["count"], r["avg"], r["median"], r["target"]] for r in rows),
        )
    chart = {"labels": [r["stage"].name for r in rows], "values": [round(r["avg"] or 0, 1) for r in rows]}
    return render(
        request,
        "funnel/reports/time.html",
        {"form": form, "rows": rows, "chart": chart, "query": _query(request), "title": _("Time in stage")},
    )


@login_required
@reports_required
def report_stuck(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request)
    qs = stuck_deals(request.user, f)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "stuck-deals",
            [_("Deal"), _("Client"), _("Stage"), _("Amount, RUB"), _("Responsible"), _("Stage target ended")],
            (
                [
                    d.title,
                    d.client.name,
                    d.stage.name,
                    d.amount,
                    str(d.responsible),
                    d.stage_deadline_at.replace(tzinfo=None),
                ]
                for d in qs.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "funnel/reports/stuck.html",
        {"form": form, "page": page, "query": _query(request), "title": _("Stuck deals")},
    )


@login_required
@reports_required
def report_forecast(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request)
    rows = forecast_report(request.user, f)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "forecast",
            [_("Month"), _("Deals"), _("Amount, RUB"), _("Weighted amount, RUB")],
            ([r["month"], r["count"], r["amount"], r["weighted"]] for r in rows),
        )
    chart = {"labels": [r["month"].strftime("%m.%Y") for r in rows], "values": [float(r["weighted"]) for r in rows]}
    return render(
        request,
        "funnel/reports/forecast.html",
        {"form": form, "rows": rows, "chart": chart, "query": _query(request), "title": _("Forecast")},
    )


@login_required
@reports_required
def report_indicators(request: HttpRequest) -> HttpResponse:
    form, f = _filter(request)
    if not (form.is_bound and form.is_valid() and form.cleaned_data.get("scenario")):
        f.scenario = None
    raw_client = request.GET.get("client", "").strip()
    if raw_client:
        if not raw_client.isdigit():
            raise Http404
        # A client out of the user's scope answers 404, like its card.
        f.client = get_client_for(request.user, int(raw_client))
    report = indicators_report(request.user, f)
    header = [
        _("Manager"),
        _("Calls"),
        _("Calls a day"),
        _("Calls a week"),
        _("New deals"),
        _("New clients"),
        _("Clients without interaction for 30 days"),
        _("Invoices issued"),
        _("Invoiced, RUB"),
    ]
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            "indicators",
            header,
            (
                [
                    str(r["user"] or "—"),
                    r["calls"],
                    r["calls_per_day"],
                    r["calls_per_week"],
                    r["deals"],
                    r["clients"],
                    r["forgotten"],
                    r["invoices"],
                    r["invoiced"],
                ]
                for r in report["rows"]
            ),
        )
    chart = {
        "labels": [str(r["user"] or "—") for r in report["rows"]],
        "values": [r["calls_per_day"] for r in report["rows"]],
    }
    return render(
        request,
        "funnel/reports/indicators.html",
        {
            "form": form,
            "report": report,
            "header": header,
            "chart": chart,
            "query": _query(request),
            "title": _("Leading indicators"),
            "client": f.client,
            "query_without_client": _query_without(request, "client"),
        },
    )
