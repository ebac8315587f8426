from django.urls import path

from funnel.views import board, deals, home, plans, reports, scenarios, transfers

app_name = "funnel"

urlpatterns = [
    path("", board.board, name="board"),
    path("home/", home.manager_home, name="home"),
    path("stages/<int:stage_pk>/cards/", board.column_more, name="column_more"),
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/new/", deals.deal_new, name="deal_new"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", board.deal_move, name="deal_move"),
    path("deals/<int:pk>/comments/", deals.deal_comment, name="deal_comment"),
    path("deals/<int:pk>/lines/", deals.deal_line_new, name="deal_line_new"),
    path("deals/<int:pk>/lines/<int:line_pk>/edit/", deals.deal_line_edit, name="deal_line_edit"),
    path("deals/<int:pk>/lines/<int:line_pk>/remove/", deals.deal_line_delete, name="deal_line_remove"),
    path("products/options/", deals.product_options, name="product_options"),
    path("scenarios/", scenarios.scenario_list, name="scenario_list"),
    path("scenarios/<int:pk>/", scenarios.scenario_edit, name="scenario_edit"),
    path("scenarios/<int:pk>/stages/new/", scenarios.stage_new, name="stage_new"),
    path("stages/<int:pk>/save/", scenarios.stage_save, name="stage_save"),
    path("stages/<int:pk>/delete/", scenarios.stage_remove, name="stage_remove"),
    path("stages/<int:pk>/shift/", scenarios.stage_shift, name="stage_shift"),
    path("stages/<int:pk>/triggers/new/", scenarios.trigger_new, name="trigger_new"),
    path("triggers/<int:pk>/toggle/", scenarios.trigger_toggle, name="trigger_toggle"),
    path("plans/", plans.plans, name="plans"),
    path("reports/", reports.reports, name="reports"),
    path("reports/funnel/", reports.report_funnel, name="report_funnel"),
    path("reports/lost/", reports.report_lost, name="report_lost"),
    path("reports/time-in-stage/", reports.report_time, name="report_time"),
    path("reports/stuck/", reports.report_stuck, name="report_stuck"),
    path("reports/forecast/", reports.report_forecast, name="report_forecast"),
    path("transfers/", transfers.transfer_requests, name="transfer_requests"),
    path("transfers/ask/", transfers.transfer_request_new, name="transfer_request_new"),
    path("transfers/<int:pk>/approve/", transfers.transfer_request_approve_view, name="transfer_request_approve"),
    path("transfers/<int:pk>/reject/", transfers.transfer_request_reject_view, name="transfer_request_reject"),
    path("reports/indicators/", reports.report_indicators, name="report_indicators"),
]
