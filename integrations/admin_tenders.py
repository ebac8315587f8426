"""Admin of the tender import: equipment rules and mapping profiles are edited here; tenders are read."""

from django.contrib import admin

from integrations.models import EquipmentRule, MappingProfile, Tender, TenderBid, TenderItem


@admin.register(EquipmentRule)
class EquipmentRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "pattern", "okpd2_prefix", "equipment_type", "manufacturer", "priority", "is_active"]
    list_editable = ["priority", "is_active"]
    list_filter = ["is_active", "equipment_type"]


@admin.register(MappingProfile)
class MappingProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "updated_at"]
    readonly_fields = ["created_by", "created_at", "updated_at"]


class TenderItemInline(admin.TabularInline):
    model = TenderItem
    extra = 0
    fields = ["position", "name", "okpd2", "quantity", "unit", "unit_price", "item_sum", "equipment_type"]
    readonly_fields = fields
    can_delete = False


class TenderBidInline(admin.TabularInline):
    model = TenderBid
    extra = 0
    fields = ["rating", "participant_name", "journal_number", "price", "admitted"]
    readonly_fields = fields
    can_delete = False


@admin.register(Tender)
class TenderAdmin(admin.ModelAdmin):
    list_display = ["number", "law", "customer", "winner", "contract_date", "contract_sum"]
    list_filter = ["law"]
    search_fields = ["number", "contract_number", "customer__name", "winner__name"]
    raw_id_fields = ["customer", "winner", "job"]
    list_select_related = ["customer", "winner"]
    inlines = [TenderItemInline, TenderBidInline]
