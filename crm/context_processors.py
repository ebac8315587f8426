"""Values every page's layout needs."""

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from crm import navigation as nav_registry


def navigation_items(request: HttpRequest) -> list[dict]:
    user = request.user
    current = request.resolver_match
    current_name = f"{current.namespace}:{current.url_name}" if current and current.namespace else None
    result = []
    for item in nav_registry.items():
        if item.permission and not user.has_perm(item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = (
            current_name is not None
            and current_name.split(":")[0] == item.url_name.split(":")[0]
            and (request.path.startswith(url) and url != "/")
        )
        result.append({"url": url, "label": item.label, "active": active})
    return result


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from crm.models import Notification

    def unread_count() -> int:
        # Lazy: one query, only on pages whose layout shows the counter.
        if not hasattr(request, "_unread_notifications"):
            request._unread_notifications = Notification.objects.filter(recipient=user).unread().count()
        return request._unread_notifications

    return {"unread_notifications": unread_count, "nav_items": lambda: navigation_items(request)}
