from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from crm import audit, signals  # noqa: F401  (registers audit and signal receivers)
        from crm.navigation import NavItem, register

        register(NavItem("crm:client_list", _("Clients"), order=10))
        register(NavItem("crm:contact_list", _("Contacts"), order=20))
        register(NavItem("crm:task_list", _("Tasks"), order=30))
        register(NavItem("crm:forgotten_clients", _("Forgotten clients"), order=40))
