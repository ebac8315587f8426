"""The client card: details, contacts, timeline (interactions, tasks, changes), tabs, read-only for engineers."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.cards import _tabs, register_client_tab
from crm.models import ContactPoint
from crm.services.clients import client_update
from tests.factories import ClientFactory, ContactFactory, ContactPointFactory, InteractionFactory, TaskFactory

pytestmark = pytest.mark.django_db


def card(client_obj):
    return reverse("crm:client_detail", args=[client_obj.pk])


def test_owner_sees_the_card_with_details_contacts_and_timeline(as_user, manager):
    c = ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="7707083893")
    ContactPoint.objects.create(client=c, kind="phone", value="+7 495 123-45-67", normalized="+74951234567")
    ContactFactory(client=c, last_name="Петров", is_decision_maker=True)
    InteractionFactory(client=c, subject="First call", text="Line one\nLine <b>two</b>")
    TaskFactory(client=c, assignee=manager, title="Send offer")
    response = as_user(manager).get(card(c))
    assert response.status_code == 200
    content = response.content.decode()
    assert "7707083893" in content
    assert "+7 495 123-45-67" in content
    assert "Петров" in content
    assert "First call" in content
    assert "Line <b>two</b>" not in content and "Line &lt;b&gt;two&lt;/b&gt;" in content
    assert "Send offer" in content
    assert [t.title for t in response.context["open_tasks"]] == ["Send offer"]
    assert 'data-testid="client-edit"' in content


def test_out_of_scope_card_is_404(as_user, manager, colleague, outsider):
    c = ClientFactory(responsible=manager)
    assert as_user(colleague).get(card(c)).status_code == 404
    assert as_user(outsider).get(card(c)).status_code == 404


def test_head_and_admin_see_the_card(as_user, head, admin_user, manager):
    c = ClientFactory(responsible=manager)
    assert as_user(head).get(card(c)).status_code == 200
    assert as_user(admin_user).get(card(c)).status_code == 200


def test_engineer_sees_the_card_read_only(as_user, engineer, manager):
    c = ClientFactory(responsible=manager)
    http = as_user(engineer)
    assert http.get(card(c)).status_code == 404
    TaskFactory(client=c, assignee=engineer)
    response = http.get(card(c))
    assert response.status_code == 200
    assert 'data-testid="client-edit"' not in response.content.decode()
    assert http.get(reverse("crm:client_update", args=[c.pk])).status_code == 403
    assert http.post(reverse("crm:client_archive", args=[c.pk])).status_code == 403


def test_timeline_shows_field_changes_with_who_old_and_new(as_user, manager):
    c = ClientFactory(responsible=manager, name="Old name")
    client_update(client=c, fields={"name": "New name"}, by=manager)
    response = as_user(manager).get(card(c))
    changes = [row for item in response.context["timeline"] if item.kind == "change" for row in item.changes]
    assert ("legal name", "Old name", "New name") in changes
    assert f"Client: changed — {manager.display_name}" in response.content.decode()


def test_timeline_is_newest_first_and_paginated(as_user, manager):
    c = ClientFactory(responsible=manager)
    now = timezone.now()
    for i in range(25):
        InteractionFactory(client=c, subject=f"Call {i:02d}", occurred_at=now - dt.timedelta(hours=i))
    http = as_user(manager)
    first = http.get(card(c)).context
    subjects = [item.obj.subject for item in first["timeline"] if item.kind == "interaction"]
    assert subjects[0] == "Call 00"
    assert first["timeline_next"] == 2
    more = http.get(reverse("crm:client_timeline", args=[c.pk]), {"page": 2}, HTTP_HX_REQUEST="true")
    assert more.status_code == 200
    later = [item.obj.subject for item in more.context["timeline"] if item.kind == "interaction"]
    assert "Call 24" in later and "Call 00" not in later


def _card_queries(http, client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert http.get(card(client)).status_code == 200
    return len(ctx.captured_queries)


def _fill(client, manager, n: int) -> None:
    for _ in range(n):
        contact = ContactFactory(client=client)
        ContactPoint.objects.create(contact=contact, kind="phone", value="+74950000000", normalized="+74950000000")
        ContactPoint.objects.create(client=client, kind="email", value="a@b.ru", normalized="a@b.ru")
        InteractionFactory(client=client, contact=contact)
        TaskFactory(client=client, assignee=manager)
        TaskFactory(client=client, assignee=manager, status="done", completed_at=timezone.now())


def test_card_queries_are_constant_and_at_most_12(as_user, manager):
    small, large = ClientFactory(responsible=manager), ClientFactory(responsible=manager)
    _fill(small, manager, 1)
    _fill(large, manager, 8)
    http = as_user(manager)
    _card_queries(http, small)  # warm the session and the reference-list caches
    assert _card_queries(http, small) == _card_queries(http, large) <= 12


def test_registered_tabs_render_lazily_and_respect_permissions(as_user, manager, engineer):
    register_client_tab(
        "demo",
        "Demo",
        "crm/clients/_tab_history.html",
        context_fn=lambda request, client: {"entries": []},
        order=50,
        permission="crm.add_client",
    )
    try:
        c = ClientFactory(responsible=manager)
        http = as_user(manager)
        assert 'data-testid="tab-demo"' in http.get(card(c)).content.decode()
        assert http.get(reverse("crm:client_tab", args=[c.pk, "demo"])).status_code == 200
        assert http.get(reverse("crm:client_tab", args=[c.pk, "nope"])).status_code == 404
        TaskFactory(client=c, assignee=engineer)
        assert as_user(engineer).get(reverse("crm:client_tab", args=[c.pk, "demo"])).status_code == 403
    finally:
        _tabs.pop("demo", None)


def test_history_tab_lists_changes(as_user, manager, colleague):
    c = ClientFactory(responsible=manager, notes="")
    client_update(client=c, fields={"notes": "Prefers email"}, by=manager)
    url = reverse("crm:client_tab", args=[c.pk, "history"])
    response = as_user(manager).get(url)
    assert "Prefers email" in response.content.decode()
    assert as_user(colleague).get(url).status_code == 404


def test_script_name_is_escaped_on_the_card(as_user, manager):
    c = ClientFactory(responsible=manager, name="<script>alert(1)</script>")
    content = as_user(manager).get(card(c)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_the_card_shows_changes_of_its_contacts_and_contact_details_archived_ones_too(as_user, manager):
    c = ClientFactory(responsible=manager)
    active = ContactFactory(client=c, position="Engineer")
    gone = ContactFactory(client=c, position="Buyer")
    own_point = ContactPointFactory(client=c, contact=None, kind="email", value="office@example.com")
    their_point = ContactPointFactory(client=None, contact=gone, kind="email", value="buyer@example.com")
    other = ContactFactory(client=ClientFactory(responsible=manager), position="Director")
    for obj, field, value in (
        (active, "position", "Chief engineer"),
        (gone, "position", "Former buyer"),
        (own_point, "label", "Front desk"),
        (their_point, "label", "Old mailbox"),
        (other, "position", "Elsewhere"),
    ):
        setattr(obj, field, value)
        obj.save()
    gone.is_archived = True
    gone.save()

    response = as_user(manager).get(card(c))

    changes = {row[2] for item in response.context["timeline"] if item.kind == "change" for row in item.changes}
    assert {"Chief engineer", "Former buyer", "Front desk", "Old mailbox"} <= changes
    assert "Elsewhere" not in changes
    assert "Former buyer" not in [contact.position for contact in response.context["contacts"]]


def test_the_card_lists_the_files_of_each_interaction(as_user, manager, settings, tmp_path):
    from django.core.files.base import ContentFile

    from crm.models import Attachment

    c = ClientFactory(responsible=manager)
    with_file, without = InteractionFactory(client=c, author=manager), InteractionFactory(client=c, author=manager)
    Attachment.objects.create(
        interaction=with_file,
        file=ContentFile(b"%PDF-1.4", name="offer.pdf"),
        name="offer.pdf",
        size=8,
        content_type="application/pdf",
        uploaded_by=manager,
    )

    response = as_user(manager).get(card(c))

    files = {
        item.obj.pk: [a.name for a in item.obj.files]
        for item in response.context["timeline"]
        if item.kind == "interaction"
    }
    assert files == {with_file.pk: ["offer.pdf"], without.pk: []}
    download = reverse("crm:attachment_download", args=[Attachment.objects.get().pk])
    assert f'<a href="{download}">offer.pdf</a>' in response.content.decode()
