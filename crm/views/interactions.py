"""Logging an interaction on a client (full page or a modal on the client card), and attachments."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.access import get_client_for
from crm.forms.errors import add_service_errors
from crm.forms.work import InteractionForm
from crm.selectors.work import attachment_for
from crm.services.interactions import interaction_log


@login_required
def interaction_create(request: HttpRequest, client_id: int) -> HttpResponse:
    """Log a call, meeting, letter or note on a client the user sees, with an optional follow-up task."""
    client = get_client_for(request.user, client_id)
    is_htmx = request.headers.get("HX-Request") == "true"
    if request.method == "POST":
        form = InteractionForm(request.POST, request.FILES, client=client, user=request.user)
        if form.is_valid():
            try:
                interaction_log(client=client, by=request.user, **form.service_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                from django.contrib import messages

                messages.success(request, _("The interaction is logged."))
                url = client.get_absolute_url()
                if is_htmx:
                    response = HttpResponse()
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
    else:
        form = InteractionForm(client=client, user=request.user)
    template = "crm/interactions/_form.html" if is_htmx else "crm/interactions/create.html"
    context = {"form": form, "client": client, "client_url": client.get_absolute_url()}
    status = 400 if request.method == "POST" and not is_htmx else 200
    return render(request, template, context, status=status)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Send an attachment of an interaction on a client the user sees (404 otherwise)."""
    attachment = attachment_for(request.user, pk)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
