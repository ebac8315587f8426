from django.contrib import admin

from funnel.models import LossReason, SalesPlan, Scenario, Stage, StageTrigger, TransferRequest


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


@admin.register(TransferRequest)
class TransferRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are decided on the funnel's transfer requests page, through the service."""

    list_display = ["client", "requested_by", "owner", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["client", "requested_by", "owner", "decided_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
