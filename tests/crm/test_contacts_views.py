"""Contact persons: list, card, create/edit with phones and emails, move to another client, archive."""

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from crm.models import Contact, ContactPoint
from tests.factories import ClientFactory, ContactFactory, InteractionFactory, TaskFactory

pytestmark = pytest.mark.django_db

LIST = reverse("crm:contact_list")


def contact_data(**overrides) -> dict:
    data = {
        "last_name": "Сидоров",
        "first_name": "Пётр",
        "middle_name": "",
        "position": "Директор",
        "birthday": "1980-05-17",
        "birthday_remind_days": "3",
        "is_decision_maker": "on",
        "points-TOTAL_FORMS": "1",
        "points-INITIAL_FORMS": "0",
        "points-0-kind": "phone",
        "points-0-value": "+7 916 123-45-67",
    }
    data.update(overrides)
    return data


def test_list_shows_only_contacts_of_visible_clients(as_user, manager, colleague):
    ContactFactory(client=ClientFactory(responsible=manager), last_name="Mine")
    ContactFactory(client=ClientFactory(responsible=colleague), last_name="Theirs")
    response = as_user(manager).get(LIST)
    assert [c.last_name for c in response.context["contacts"]] == ["Mine"]


@time_machine.travel("2026-05-02 12:00:00+03:00", tick=False)
def test_list_filters(as_user, manager):
    client = ClientFactory(responsible=manager)
    may = ContactFactory(client=client, last_name="May", birthday=dt.date(1980, 5, 20))
    boss = ContactFactory(client=client, last_name="Boss", is_decision_maker=True)
    ContactPoint.objects.create(contact=boss, kind="phone", value="+74951234567", normalized="+74951234567")
    ContactFactory(client=ClientFactory(responsible=manager), last_name="Other")
    ContactFactory(client=client, last_name="Gone", is_archived=True)
    http = as_user(manager)

    def last_names(params):
        return {c.last_name for c in http.get(LIST, params).context["contacts"]}

    assert last_names({"birthday_this_month": "on"}) == {may.last_name}
    assert last_names({"decision_maker": "on"}) == {"Boss"}
    assert last_names({"client": client.pk}) == {"May", "Boss"}
    assert last_names({"q": "495 123 45 67"}) == {"Boss"}
    assert last_names({"q": "Bos"}) == {"Boss"}
    assert last_names({"archived": "on"}) == {"Gone"}


def test_list_sorts_by_last_name_both_ways(as_user, manager):
    client = ClientFactory(responsible=manager)
    for last_name in ("Борисов", "Андреев", "Воронин"):
        ContactFactory(client=client, last_name=last_name)
    http = as_user(manager)

    def order(sort):
        return [c.last_name for c in http.get(LIST, {"sort": sort}).context["contacts"]]

    assert order("last_name") == ["Андреев", "Борисов", "Воронин"]
    assert order("-last_name") == ["Воронин", "Борисов", "Андреев"]


def test_a_client_out_of_scope_shows_nothing_of_it(as_user, manager, colleague):
    ContactFactory(client=ClientFactory(responsible=manager), last_name="Mine")
    foreign = ClientFactory(responsible=colleague, name="Чужая компания")
    ContactFactory(client=foreign, last_name="Чужой")
    response = as_user(manager).get(LIST, {"client": foreign.pk})
    assert response.status_code == 200
    assert list(response.context["contacts"]) == []
    content = response.content.decode()
    assert "Чужой" not in content and "Чужая компания" not in content


def test_list_filters_by_the_clients_region_and_responsible(
    as_user, admin_user, manager, colleague, outsider, region_a, region_b
):
    ContactFactory(client=ClientFactory(responsible=manager), last_name="Manager's")
    ContactFactory(client=ClientFactory(responsible=colleague), last_name="Colleague's")
    ContactFactory(client=ClientFactory(responsible=outsider), last_name="Outsider's")
    http = as_user(admin_user)

    def last_names(params):
        return {c.last_name for c in http.get(LIST, params).context["contacts"]}

    assert last_names({"region": region_a.pk}) == {"Manager's", "Colleague's"}
    assert last_names({"region": region_b.pk}) == {"Outsider's"}
    assert last_names({"responsible": colleague.pk}) == {"Colleague's"}
    assert last_names({"region": region_a.pk, "responsible": outsider.pk}) == set()
    content = http.get(LIST, {"responsible": colleague.pk}).content.decode()
    assert f'<option value="{colleague.pk}" selected>' in content


def test_the_region_and_responsible_filters_keep_to_the_scope(as_user, manager, colleague, region_a):
    ContactFactory(client=ClientFactory(responsible=manager), last_name="Mine")
    ContactFactory(client=ClientFactory(responsible=colleague), last_name="Theirs")
    http = as_user(manager)
    assert [c.last_name for c in http.get(LIST, {"region": region_a.pk}).context["contacts"]] == ["Mine"]
    assert list(http.get(LIST, {"responsible": colleague.pk}).context["contacts"]) == []


def test_bad_region_or_responsible_is_a_form_error_not_a_crash(as_user, manager):
    response = as_user(manager).get(LIST, {"region": "abc", "responsible": "999999"})
    assert response.status_code == 200
    assert {"region", "responsible"} <= set(response.context["filter"].form.errors)


@pytest.mark.parametrize("rows", [3, 60])
def test_list_queries_are_constant(as_user, manager, django_assert_max_num_queries, rows):
    client = ClientFactory(responsible=manager)
    ContactFactory.create_batch(rows, client=client)
    http = as_user(manager)
    http.get(LIST)  # warm the cached reference lists
    with django_assert_max_num_queries(8):
        assert http.get(LIST, {"region": manager.region_id, "responsible": manager.pk}).status_code == 200


def test_owner_adds_a_contact_with_a_phone(as_user, manager):
    client = ClientFactory(responsible=manager)
    response = as_user(manager).post(reverse("crm:contact_create", args=[client.pk]), contact_data())
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert contact.client == client and contact.is_decision_maker and contact.birthday == dt.date(1980, 5, 17)
    assert contact.contact_points.get().normalized == "+79161234567"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"last_name": ""}, "last_name"),
        ({"birthday": "31.02.1980"}, "birthday"),
        ({"birthday_remind_days": "61"}, "birthday_remind_days"),
        ({"birthday_remind_days": "-1"}, "birthday_remind_days"),
    ],
)
def test_bad_contact_input_is_refused(as_user, manager, overrides, field):
    client = ClientFactory(responsible=manager)
    response = as_user(manager).post(reverse("crm:contact_create", args=[client.pk]), contact_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Contact.objects.exists() and not ContactPoint.objects.exists()


def test_bad_contact_phone_is_refused(as_user, manager):
    client = ClientFactory(responsible=manager)
    response = as_user(manager).post(
        reverse("crm:contact_create", args=[client.pk]), contact_data(**{"points-0-value": "abc"})
    )
    assert response.status_code == 200
    assert not Contact.objects.exists()


def test_contact_pages_access(as_user, manager, colleague, outsider, head, engineer, admin_user):
    client = ClientFactory(responsible=manager)
    contact = ContactFactory(client=client)
    pages = [
        reverse("crm:contact_detail", args=[contact.pk]),
        reverse("crm:contact_update", args=[contact.pk]),
        reverse("crm:contact_move", args=[contact.pk]),
        reverse("crm:contact_create", args=[client.pk]),
    ]
    for url in pages:
        assert as_user(manager).get(url).status_code == 200, url
        assert as_user(head).get(url).status_code == 200, url
        assert as_user(admin_user).get(url).status_code == 200, url
        assert as_user(colleague).get(url).status_code == 404, url
        assert as_user(outsider).get(url).status_code == 404, url
    TaskFactory(client=client, assignee=engineer)
    assert as_user(engineer).get(pages[0]).status_code == 200
    for url in pages[1:]:
        assert as_user(engineer).get(url).status_code == 403, url
    assert as_user(engineer).post(reverse("crm:contact_archive", args=[contact.pk])).status_code == 403


def test_edit_is_audited_and_shown_on_the_contact_card(as_user, manager):
    contact = ContactFactory(client=ClientFactory(responsible=manager), position="Engineer")
    http = as_user(manager)
    response = http.post(
        reverse("crm:contact_update", args=[contact.pk]),
        contact_data(last_name=contact.last_name, position="Chief engineer", **{"points-0-value": ""}),
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(contact).latest("timestamp")
    assert entry.changes_dict["position"] == ["Engineer", "Chief engineer"]
    assert entry.actor == manager
    assert "Chief engineer" in http.get(reverse("crm:contact_detail", args=[contact.pk])).content.decode()


def test_move_to_another_client_keeps_history(as_user, manager):
    old, new = ClientFactory(responsible=manager), ClientFactory(responsible=manager)
    contact = ContactFactory(client=old)
    ContactPoint.objects.create(contact=contact, kind="phone", value="+74950000009", normalized="+74950000009")
    interaction = InteractionFactory(client=old, contact=contact)
    response = as_user(manager).post(reverse("crm:contact_move", args=[contact.pk]), {"to_client": new.pk})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.client == new
    assert contact.contact_points.count() == 1
    interaction.refresh_from_db()
    assert interaction.contact == contact and interaction.client == old
    assert LogEntry.objects.get_for_object(contact).latest("timestamp").changes_dict["client"] == [
        str(old),
        str(new),
    ]


def test_move_to_a_client_out_of_scope_is_refused(as_user, manager, colleague):
    contact = ContactFactory(client=ClientFactory(responsible=manager))
    foreign = ClientFactory(responsible=colleague)
    response = as_user(manager).post(reverse("crm:contact_move", args=[contact.pk]), {"to_client": foreign.pk})
    assert response.status_code == 200
    assert response.context["form"].errors
    contact.refresh_from_db()
    assert contact.client.responsible == manager


def test_archive_and_restore(as_user, manager):
    contact = ContactFactory(client=ClientFactory(responsible=manager))
    http = as_user(manager)
    assert http.post(reverse("crm:contact_archive", args=[contact.pk])).status_code == 302
    contact.refresh_from_db()
    assert contact.is_archived
    assert http.post(reverse("crm:contact_restore", args=[contact.pk])).status_code == 302
    contact.refresh_from_db()
    assert not contact.is_archived


def test_contact_name_is_escaped(as_user, manager):
    contact = ContactFactory(client=ClientFactory(responsible=manager), last_name="<script>alert(1)</script>")
    for url in (LIST, reverse("crm:contact_detail", args=[contact.pk])):
        content = as_user(manager).get(url).content.decode()
        assert "<script>alert(1)</script>" not in content
