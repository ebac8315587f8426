from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FunnelConfig(AppConfig):
    name = "funnel"
    verbose_name = _("Sales funnel")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from crm.models import Role
        from crm.navigation import NavItem, register
        from crm.roles import register_role_permissions
        from crm.signals import sales_document_posted, sales_documents_posted
        from funnel.models import Deal, DealLine, LossReason, SalesPlan, Scenario, Stage, StageTrigger, TransferRequest
        from funnel.services.documents import on_sales_document_posted, on_sales_documents_posted

        auditlog.register(Deal, exclude_fields=["updated_at", "created_at", "stage_deadline_at"])
        for model in (Scenario, Stage, StageTrigger, LossReason, SalesPlan, TransferRequest):
            auditlog.register(model)
        # Product lines are edited and removed on the deal card; the log keeps their old values.
        auditlog.register(DealLine)
        # Imports announce their documents together (handled in batches); a document posted on its own
        # comes through the per-document signal, which an import marks `batch_follows` so it counts once.
        sales_documents_posted.connect(on_sales_documents_posted, dispatch_uid="funnel.documents_moves")
        sales_document_posted.connect(on_sales_document_posted, dispatch_uid="funnel.document_moves")
        seller = ["funnel.view_deal", "funnel.add_deal", "funnel.change_deal", "funnel.view_scenario"]
        register_role_permissions(Role.MANAGER, seller)
        register_role_permissions(Role.HEAD, [*seller, "funnel.edit_scenario", "funnel.view_funnel_reports"])
        register_role_permissions(Role.ENGINEER, ["funnel.view_deal", "funnel.view_scenario"])
        register(NavItem("funnel:home", _("My sales"), order=5, permission="funnel.add_deal"))
        register(NavItem("funnel:board", _("Funnel"), order=60))
        register(NavItem("funnel:reports", _("Funnel reports"), order=61, permission="funnel.view_funnel_reports"))
        register(
            NavItem("funnel:transfer_requests", _("Transfer requests"), order=62, permission="crm.transfer_client")
        )
        try:
            from crm import cards

            self._register_client_tab(cards)
        except ImportError:
            pass

    def _register_client_tab(self, cards) -> None:
        """Add the Deals tab to the client card (when the card's tab registry exists)."""
        from funnel.views.client_tab import register_deals_tab

        register_deals_tab(cards)
