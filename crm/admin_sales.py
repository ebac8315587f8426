"""Admin of the catalogue and the mirrored sales documents (imported from crm.admin).

Products come from accounting; administrators add here what accounting does not send
(equipment type, manufacturer, model, warranty, maintenance interval, service life, kit
components). Sales documents are read-only: they change only by a new import.
"""

from django.contrib import admin

from crm.models import AbcRun, Product, ProductComponent, SalesDocument, SalesDocumentLine


class ProductComponentInline(admin.TabularInline):
    model = ProductComponent
    fk_name = "kit"
    extra = 0
    raw_id_fields = ["component"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "kind", "equipment_type_name", "manufacturer", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["sku", "name", "external_id", "manufacturer", "model_name"]
    readonly_fields = ["external_id", "created_at", "updated_at"]
    inlines = [ProductComponentInline]


class SalesDocumentLineInline(admin.TabularInline):
    model = SalesDocumentLine
    extra = 0
    can_delete = False
    fields = ["line_no", "product", "quantity", "price", "amount", "cost", "serial_numbers"]
    readonly_fields = fields


@admin.register(SalesDocument)
class SalesDocumentAdmin(admin.ModelAdmin):
    list_display = ["kind", "number", "date", "client", "total", "posted", "is_deleted", "source"]
    list_filter = ["kind", "posted", "is_deleted", "source"]
    search_fields = ["number", "external_id", "client__name", "client__inn"]
    list_select_related = ["client"]
    date_hierarchy = "date"
    inlines = [SalesDocumentLineInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AbcRun)
class AbcRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "date_from", "date_to", "metric", "changed_count", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
