from django.contrib import admin, messages
from django.utils.translation import gettext as _

from integrations.models import ApiToken, ImportJob, ImportRowError
from integrations.services.api_tokens import api_token_issue


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["name", "user", "is_active", "prefix", "created_at", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        raw = api_token_issue(token=obj, by=request.user)
        messages.warning(
            request,
            _("The token is %(key)s. Copy it now: it is stored only as a hash and will not be shown again.")
            % {"key": raw},
        )


class ImportRowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    can_delete = False
    readonly_fields = ["row_number", "location", "reason", "raw"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "original_name", "status", "total_rows", "error_count", "created_by", "created_at"]
    list_filter = ["kind", "status", "source"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
    inlines = [ImportRowErrorInline]


from integrations import admin_tenders  # noqa: E402, F401  (tender models' admin)
