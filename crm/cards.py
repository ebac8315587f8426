"""Tabs of the client card that later apps add (equipment, deals, tenders…) without editing crm templates.

Register in AppConfig.ready:

    register_client_tab("equipment", _("Equipment"), "equipment/_client_tab.html",
                        context_fn=lambda request, client: {"items": ...}, order=20,
                        permission="equipment.view_equipment")

The card shows the tab headers; each tab's body is loaded lazily by htmx from
/clients/<id>/tab/<key>/ and rendered with the template and the context the function returns
(plus `client` and `request`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise


@dataclass(frozen=True)
class ClientTab:
    key: str
    label: str | Promise
    template_name: str
    context_fn: Callable[[HttpRequest, Any], dict] | None = None
    order: int = 100
    permission: str | None = None


_tabs: dict[str, ClientTab] = {}


def register_client_tab(
    key: str,
    label: str | Promise,
    template_name: str,
    context_fn: Callable[[HttpRequest, Any], dict] | None = None,
    order: int = 100,
    permission: str | None = None,
) -> None:
    """Add (or replace) a tab of the client card."""
    _tabs[key] = ClientTab(key, label, template_name, context_fn, order, permission)


def client_tabs(user) -> list[ClientTab]:
    """The tabs `user` may open, in order."""
    return sorted(
        (t for t in _tabs.values() if not t.permission or user.has_perm(t.permission)), key=lambda t: (t.order, t.key)
    )


def get_client_tab(key: str) -> ClientTab | None:
    return _tabs.get(key)


# --- what a task shows of the object it is about --------------------------------------------------


@dataclass(frozen=True)
class TaskPanel:
    template_name: str
    context_fn: Callable[[HttpRequest, Any], dict] | None = None


_task_panels: dict[str, TaskPanel] = {}


def register_task_panel(
    model_label: str, template_name: str, context_fn: Callable[[HttpRequest, Any], dict] | None = None
) -> None:
    """Show `template_name` on the card of a task about an object of `model_label` ("equipment.equipment").

    The template gets `subject` (the object), `task`, `request` and what `context_fn(request, subject)`
    returns; register in AppConfig.ready, as the client tabs are.
    """
    _task_panels[model_label.lower()] = TaskPanel(template_name, context_fn)


def get_task_panel(model_label: str) -> TaskPanel | None:
    return _task_panels.get(model_label.lower())


def task_subject(request: HttpRequest, task) -> dict | None:
    """What the card of `task` shows of the object it is about: the object, its link, and the panel its app
    registered (with that panel's context), or None for a task about no object (or one since removed).
    """
    if not task.content_type_id or task.object_id is None:
        return None
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_id(task.content_type_id)
    model = content_type.model_class()
    if model is None:
        return None
    subject = model._default_manager.filter(pk=task.object_id).first()
    if subject is None:
        return None
    panel = get_task_panel(f"{content_type.app_label}.{content_type.model}")
    shown = {"object": subject, "url": getattr(subject, "get_absolute_url", lambda: "")(), "panel": ""}
    if panel is not None:
        from django.template.loader import render_to_string

        context = panel.context_fn(request, subject) if panel.context_fn else {}
        shown["panel"] = render_to_string(
            panel.template_name, {**context, "subject": subject, "task": task}, request=request
        )
    return shown
