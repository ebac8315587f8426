from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EquipmentConfig(AppConfig):
    name = "equipment"
    verbose_name = _("Equipment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_delete, post_save

        from crm import signals
        from crm.cards import register_client_tab, register_task_panel
        from crm.models import Region
        from crm.navigation import NavItem, register
        from crm.querysets import register_engineer_scope
        from crm.roles import register_role_permissions
        from crm.selections import register_source
        from equipment import triggers
        from equipment.models import Equipment, EquipmentComponent, EquipmentType, ServiceVisit
        from equipment.reference import journal_filter_choices_invalidate
        from equipment.selectors import client_tab_context, equipment_selection_clients, task_panel_context
        from equipment.services.client_copies import on_client_changed, on_clients_merged, on_clients_transferred
        from equipment.services.shipments import on_sales_documents_posted

        auditlog.register(Equipment, exclude_fields=["updated_at", "created_at"], m2m_fields={"contacts"})
        auditlog.register(ServiceVisit, exclude_fields=["created_at"])
        auditlog.register(EquipmentComponent)
        auditlog.register(EquipmentType)

        # Engineers see the clients whose equipment they service.
        register_engineer_scope(_serviced_clients)
        view = ["equipment.view_equipment", "equipment.view_equipmenttype", "equipment.view_servicevisit"]
        register_role_permissions(
            "engineer",
            [
                *view,
                "equipment.add_equipment",
                "equipment.change_equipment",
                "equipment.add_servicevisit",
                "equipment.change_servicevisit",
                "equipment.add_equipmentphoto",
                "equipment.view_equipmentphoto",
                "equipment.add_equipmentcomponent",
                "equipment.change_equipmentcomponent",
            ],
        )
        sales = [
            *view,
            "equipment.add_equipment",
            "equipment.add_equipmentphoto",
            "equipment.view_equipmentphoto",
            "equipment.export_equipment",
        ]
        register_role_permissions("manager", sales)
        register_role_permissions("head", sales)
        for role in ("manager", "head", "engineer"):
            register_role_permissions(role, ["crm.view_selection", "crm.add_selection", "crm.change_selection"])

        register(NavItem("equipment:journal", _("Equipment"), order=50, permission="equipment.view_equipment"))
        register_source("equipment", _("Equipment journal"), equipment_selection_clients, url_name="equipment:journal")
        signals.sales_documents_posted.connect(on_sales_documents_posted, dispatch_uid="equipment.shipments_posted")
        # Units keep copies of their client's region and responsible (the journal's access filter).
        signals.client_changed.connect(on_client_changed, dispatch_uid="equipment.client_copies_changed")
        signals.clients_transferred.connect(on_clients_transferred, dispatch_uid="equipment.client_copies_transferred")
        signals.clients_merged.connect(on_clients_merged, dispatch_uid="equipment.client_copies_merged")
        triggers.register()
        for model in (EquipmentType, Region):
            uid = f"equipment.journal_choices.{model.__name__}"
            post_save.connect(journal_filter_choices_invalidate, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(journal_filter_choices_invalidate, sender=model, dispatch_uid=f"{uid}.delete")
        register_client_tab(
            "equipment",
            _("Equipment"),
            "equipment/_client_tab.html",
            context_fn=client_tab_context,
            order=20,
            permission="equipment.view_equipment",
        )
        # A trigger's task about a unit shows the unit and whom to agree the visit with.
        register_task_panel("equipment.equipment", "equipment/_task_panel.html", context_fn=task_panel_context)


def _serviced_clients(user):
    from equipment.models import Equipment

    return Equipment.objects.filter(service_responsible_id=user.pk).values("client_id")
