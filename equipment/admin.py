"""Admin of the equipment reference lists; equipment itself is changed through the app's pages."""

from django.contrib import admin

from equipment.models import Equipment, EquipmentType, ServiceVisit


@admin.register(EquipmentType)
class EquipmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "maintenance_lead_days", "warranty_lead_days", "maintenance_interval_months", "is_active"]
    list_editable = ["maintenance_lead_days", "warranty_lead_days", "is_active"]
    search_fields = ["name"]


class ServiceVisitInline(admin.TabularInline):
    model = ServiceVisit
    extra = 0
    can_delete = False
    readonly_fields = ["date", "kind", "engineer", "findings", "parts_replaced", "created_by", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    """Read-only: writes go through equipment.services so dates, history and access stay right."""

    list_display = ["__str__", "client", "equipment_type", "source", "status", "next_maintenance_on", "is_archived"]
    list_filter = ["source", "status", "is_archived", "equipment_type"]
    search_fields = ["serial_number", "model", "manufacturer", "client__name"]
    list_select_related = ["client", "equipment_type"]
    raw_id_fields = ["client", "competitor", "product", "shipment_document", "shipment_line", "service_responsible"]
    inlines = [ServiceVisitInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
