from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from crm import audit, signals  # noqa: F401  (registers audit and signal receivers)
        from crm.db import register_lookups
        from crm.navigation import NavItem, register
        from crm.selectors import clients as _client_selectors  # noqa: F401  (invalidates cached reference lists)
        from crm.selectors.sales import register_sales

        register_lookups()
        register_sales()
        register(NavItem("crm:client_list", _("Clients"), order=10))
        register(NavItem("crm:contact_list", _("Contacts"), order=20))
        register(NavItem("crm:task_list", _("Tasks"), order=30))
        register(NavItem("crm:forgotten_clients", _("Forgotten clients"), order=40, permission="crm.change_client"))

        from crm.selections import register_core_sources

        register_core_sources()
