from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from crm.navigation import NavItem, register

        register(NavItem("integrations:job_list", _("Imports"), order=900, permission="integrations.view_importjob"))
        register(
            NavItem("integrations:tender_upload", _("Tenders"), order=910, permission="integrations.import_tenders")
        )
        from crm.cards import register_client_tab
        from integrations.views_tenders import client_tab_context

        register_client_tab(
            "tenders", _("Tenders"), "integrations/tenders/_client_tab.html", context_fn=client_tab_context, order=60
        )
