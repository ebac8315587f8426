"""Admin of the core models: plain lists and search, no business rules (those live in services)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from crm.models import (
    Client,
    Contact,
    ContactPoint,
    Department,
    Interaction,
    MergeLog,
    Notification,
    Region,
    Segment,
    SourceChannel,
    Task,
    TransferLog,
    User,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "service_engineer"]
    search_fields = ["name", "code"]
    list_select_related = ["service_engineer"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "role", "region", "is_active"]
    list_filter = ["role", "region", "is_active"]
    search_fields = ["username", "last_name", "first_name", "email"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            _("CRM"),
            {
                "fields": [
                    "role",
                    "region",
                    "managed_regions",
                    "department",
                    "patronymic",
                    "phone",
                    "time_zone",
                    "language",
                    "email_notifications",
                ]
            },
        ),
    ]
    filter_horizontal = ["groups", "user_permissions", "managed_regions"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    search_fields = ["name"]


@admin.register(SourceChannel)
class SourceChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    search_fields = ["name"]


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    fk_name = "client"
    fields = ["kind", "value", "label", "is_primary"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """Read-mostly: clients are created, edited, merged and transferred in the CRM itself, where the rules live."""

    list_display = ["name", "inn", "kind", "region", "responsible", "status", "last_interaction_at"]
    list_filter = ["kind", "status", "region"]
    search_fields = ["name", "short_name", "inn"]
    list_select_related = ["region", "responsible"]
    readonly_fields = [
        "kind",
        "name",
        "short_name",
        "inn",
        "kpp",
        "legal_form",
        "region",
        "segment",
        "source",
        "responsible",
        "status",
        "created_at",
        "updated_at",
        "created_by",
        "last_interaction_at",
    ]
    fields = [*readonly_fields, "website", "legal_address", "actual_address", "notes"]
    inlines = [ContactPointInline]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "position", "client", "is_decision_maker", "is_archived"]
    list_filter = ["is_decision_maker", "is_archived"]
    search_fields = ["last_name", "first_name", "client__name"]
    raw_id_fields = ["client"]
    list_select_related = ["client"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "normalized", "client", "contact"]
    list_filter = ["kind"]
    search_fields = ["normalized", "value"]
    raw_id_fields = ["client", "contact"]
    readonly_fields = ["normalized"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "client", "author", "subject"]
    list_filter = ["kind"]
    search_fields = ["subject", "client__name"]
    raw_id_fields = ["client", "contact", "author"]
    list_select_related = ["client", "author"]
    date_hierarchy = "occurred_at"


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "assignee", "client", "due_at", "status", "priority"]
    list_filter = ["status", "priority"]
    search_fields = ["title", "client__name"]
    raw_id_fields = ["client", "assignee", "author", "interaction"]
    list_select_related = ["client", "assignee"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient", "task"]


@admin.register(TransferLog)
class TransferLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "by", "from_user", "to_user", "client_count", "task_count"]
    readonly_fields = ["created_at", "by", "from_user", "to_user", "client_count", "task_count", "comment"]
    exclude = ["clients"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MergeLog)
class MergeLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "by", "kept", "merged_client_id"]
    readonly_fields = ["created_at", "by", "kept", "merged_client_id", "merged_snapshot", "moved"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


from crm import admin_sales  # noqa: E402, F401  (catalogue and sales documents)
