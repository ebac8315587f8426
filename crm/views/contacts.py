"""Contact person pages: list and export, card, create/edit, move to another client, archive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.access import can_edit_client, get_editable_client_for
from crm.filters import ContactFilter
from crm.forms.clients import ContactForm, ContactMoveForm, ContactPointFormSet, formset_points
from crm.models import Contact, User
from crm.selectors.clients import contact_list_queryset
from crm.services.contacts import contact_archive, contact_create, contact_move, contact_restore, contact_update
from crm.tables import ContactTable
from crm.views.lists import filtered_list


def get_contact_for(user: User, pk: int) -> Contact:
    """Return the contact if `user` may see its client, else 404."""
    return get_object_or_404(Contact.objects.visible_to(user).select_related("client", "client__responsible"), pk=pk)


def get_editable_contact_for(user: User, pk: int) -> Contact:
    contact = get_contact_for(user, pk)
    if not can_edit_client(user, contact.client) or not user.has_perm("crm.change_contact"):
        raise PermissionDenied
    return contact


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    listed = filtered_list(
        request,
        filterset_class=ContactFilter,
        queryset=contact_list_queryset(user=request.user),
        table_class=ContactTable,
        default_sort="last_name",
        export_stem="contacts",
    )
    if isinstance(listed, HttpResponse):
        return listed
    context = {
        **listed,
        "contacts": listed["page_obj"].object_list,
    }
    template = "crm/contacts/_list_results.html" if request.headers.get("HX-Request") else "crm/contacts/list.html"
    return render(request, template, context)


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from auditlog.models import LogEntry

    from crm.selectors.clients import change_rows

    contact = get_contact_for(request.user, pk)
    entries = list(LogEntry.objects.get_for_object(contact).select_related("actor", "content_type")[:100])
    history = list(zip(entries, change_rows(entries), strict=True))
    # A person who changed jobs keeps their interactions with former clients: only those on
    # clients the user may see are listed, so a card never shows another manager's history.
    interactions = (
        contact.interactions.visible_to(request.user).select_related("author", "client").order_by("-occurred_at")[:50]
    )
    return render(
        request,
        "crm/contacts/detail.html",
        {
            "contact": contact,
            "client": contact.client,
            "points": list(contact.contact_points.all()),
            "history": history,
            "interactions": interactions,
            "can_edit": can_edit_client(request.user, contact.client) and request.user.has_perm("crm.change_contact"),
        },
    )


def _contact_form_page(request: HttpRequest, *, client, contact: Contact | None) -> HttpResponse:
    instance = contact or Contact(client=client)
    if request.method == "POST":
        form = ContactForm(request.POST, instance=instance)
        formset = ContactPointFormSet(request.POST, instance=instance, prefix="points")
        if form.is_valid() and formset.is_valid():
            try:
                if contact is None:
                    saved = contact_create(
                        client=client, fields=form.cleaned_data, contact_points=formset_points(formset), by=request.user
                    )
                    messages.success(request, _("The contact person has been added."))
                else:
                    saved = contact_update(
                        contact=contact,
                        fields=form.cleaned_data,
                        contact_points=formset_points(formset),
                        by=request.user,
                    )
                    messages.success(request, _("The contact person has been saved."))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect(saved)
    else:
        form = ContactForm(instance=instance)
        formset = ContactPointFormSet(instance=instance, prefix="points")
    return render(
        request, "crm/contacts/form.html", {"form": form, "formset": formset, "client": client, "contact": contact}
    )


@login_required
def contact_create_view(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_editable_client_for(request.user, client_pk)
    if not request.user.has_perm("crm.add_contact"):
        raise PermissionDenied
    return _contact_form_page(request, client=client, contact=None)


@login_required
def contact_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_editable_contact_for(request.user, pk)
    return _contact_form_page(request, client=contact.client, contact=contact)


@login_required
def contact_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_editable_contact_for(request.user, pk)
    form = ContactMoveForm(request.POST or None, user=request.user, contact=contact)
    if request.method == "POST" and form.is_valid():
        old_client = contact.client
        try:
            contact_move(contact=contact, to_client=form.cleaned_data["to_client"], by=request.user)
        except PermissionDenied:
            form.add_error("to_client", _("You may not add contacts to that client."))
        else:
            messages.success(
                request,
                _("%(contact)s has moved from %(old)s to %(new)s.")
                % {"contact": contact.full_name, "old": old_client, "new": contact.client},
            )
            return redirect(contact)
    return render(request, "crm/contacts/move.html", {"form": form, "contact": contact, "client": contact.client})


@login_required
@require_POST
def contact_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_editable_contact_for(request.user, pk)
    contact_archive(contact=contact, by=request.user)
    messages.success(request, _("The contact person has been archived."))
    return redirect(contact.client)


@login_required
@require_POST
def contact_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_editable_contact_for(request.user, pk)
    contact_restore(contact=contact, by=request.user)
    messages.success(request, _("The contact person has been restored."))
    return redirect(contact)
