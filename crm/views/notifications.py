"""In-app notifications: the list, the header bell, marking read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from crm.models import Notification
from crm.selectors.work import notification_list as select_notifications
from crm.services.notifications import notification_mark_all_read, notification_mark_read

PAGE_SIZE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(select_notifications(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "crm/notifications/list.html", {"page": page, "notifications": page.object_list})


@login_required
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The header's bell with the unread counter (polled by htmx)."""
    return render(request, "includes/notifications_link.html")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; follow its link when asked to ("open")."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(notification=notification, by=request.user)
    url = notification.url
    if request.POST.get("open") and url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    if request.headers.get("HX-Request") == "true":
        response = render(request, "crm/notifications/_row.html", {"notification": notification})
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("crm:notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notification_mark_all_read(by=request.user)
    return redirect("crm:notification_list")
