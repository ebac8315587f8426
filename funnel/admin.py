from django.contrib import admin

from funnel.models import LossReason, SalesPlan, Scenario, Stage, StageTrigger


class StageInline(admin.TabularInline):
    model = Stage
    fields = ["name", "position", "target_days", "probability", "outcome", "on_event", "is_archived"]
    extra = 0


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "is_archived"]
    inlines = [StageInline]


@admin.register(StageTrigger)
class StageTriggerAdmin(admin.ModelAdmin):
    list_display = ["title", "stage", "assignee_kind", "due_days", "is_active"]


@admin.register(LossReason)
class LossReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active"]


@admin.register(SalesPlan)
class SalesPlanAdmin(admin.ModelAdmin):
    list_display = ["user", "month", "amount"]
    list_filter = ["month"]
