"""Creating, editing, archiving and restoring clients through their forms."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from crm.models import Client, ContactPoint
from tests.factories import ClientFactory, TaskFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("crm:client_create")


def form_data(**overrides) -> dict:
    data = {
        "kind": "customer",
        "name": "ООО «Василёк»",
        "short_name": "Василёк",
        "inn": "7707083893",
        "kpp": "770701001",
        "status": "active",
        "website": "vasilek.ru",
        "points-TOTAL_FORMS": "2",
        "points-INITIAL_FORMS": "0",
        "points-MIN_NUM_FORMS": "0",
        "points-MAX_NUM_FORMS": "1000",
        "points-0-kind": "phone",
        "points-0-value": "8 (495) 123-45-67",
        "points-0-is_primary": "on",
        "points-1-kind": "email",
        "points-1-value": "Info@Vasilek.RU",
    }
    data.update(overrides)
    return data


def test_manager_creates_a_client_with_phones_and_emails(as_user, manager):
    response = as_user(manager).post(CREATE, form_data(responsible=manager.pk))
    client = Client.objects.get(inn="7707083893")
    assert response.status_code == 302
    assert response["Location"] == client.get_absolute_url()
    assert client.responsible == manager
    assert client.region == manager.region
    assert client.created_by == manager
    assert client.name_key == "василек"
    points = {(p.kind, p.normalized, p.value) for p in client.contact_points.all()}
    # The phone is stored the way people write it, whatever was typed.
    assert points == {("phone", "+74951234567", "+7 495 123-45-67"), ("email", "info@vasilek.ru", "Info@Vasilek.RU")}
    entry = LogEntry.objects.get_for_object(client).get()
    assert entry.actor == manager


def test_manager_cannot_make_a_colleague_responsible(as_user, manager, colleague):
    response = as_user(manager).post(CREATE, form_data(responsible=colleague.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["responsible"]
    assert not Client.objects.exists()


def test_head_assigns_a_manager_of_the_region(as_user, head, manager, outsider):
    http = as_user(head)
    assert http.post(CREATE, form_data(responsible=outsider.pk)).status_code == 200
    assert not Client.objects.exists()
    assert http.post(CREATE, form_data(responsible=manager.pk)).status_code == 302
    assert Client.objects.get().responsible == manager


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"inn": "7707083894"}, "inn"),
        ({"inn": "12345"}, "inn"),
        ({"kpp": "12"}, "kpp"),
        ({"kind": "friend"}, "kind"),
        ({"region": "999999"}, "region"),
    ],
)
def test_bad_client_input_is_refused_and_nothing_saved(as_user, manager, overrides, field):
    response = as_user(manager).post(CREATE, form_data(responsible=manager.pk, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Client.objects.exists()
    assert not ContactPoint.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [("phone", "12", "is not a valid phone number"), ("email", "not-an-email", "valid email")],
)
def test_bad_phone_or_email_is_refused(as_user, manager, kind, value, message):
    response = as_user(manager).post(
        CREATE, form_data(responsible=manager.pk, **{"points-0-kind": kind, "points-0-value": value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Client.objects.exists()


def test_engineer_may_not_create_clients(as_user, engineer):
    http = as_user(engineer)
    assert http.get(CREATE).status_code == 403
    assert http.post(CREATE, form_data()).status_code == 403
    assert not Client.objects.exists()


def test_owner_edits_and_the_change_is_audited(as_user, manager):
    c = ClientFactory(responsible=manager, name="Old", inn="")
    ContactPoint.objects.create(client=c, kind="phone", value="+74950000001", normalized="+74950000001")
    point = c.contact_points.get()
    data = form_data(
        responsible=manager.pk,
        name="New",
        inn="",
        **{
            "points-INITIAL_FORMS": "1",
            "points-0-id": point.pk,
            "points-0-client": c.pk,
            "points-0-kind": "phone",
            "points-0-value": "+7 495 000-00-02",
            "points-1-value": "",
        },
    )
    response = as_user(manager).post(reverse("crm:client_update", args=[c.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    c.refresh_from_db()
    assert c.name == "New"
    assert list(c.contact_points.values_list("normalized", flat=True)) == ["+74950000002"]
    changes = LogEntry.objects.get_for_object(c).latest("timestamp").changes_dict
    assert changes["name"] == ["Old", "New"]


def test_edit_removes_a_phone(as_user, manager):
    c = ClientFactory(responsible=manager, inn="")
    point = ContactPoint.objects.create(client=c, kind="phone", value="+74950000001", normalized="+74950000001")
    data = form_data(
        responsible=manager.pk,
        inn="",
        name=c.name,
        **{
            "points-INITIAL_FORMS": "1",
            "points-0-id": point.pk,
            "points-0-client": c.pk,
            "points-0-value": "+74950000001",
            "points-0-DELETE": "on",
            "points-1-value": "",
        },
    )
    assert as_user(manager).post(reverse("crm:client_update", args=[c.pk]), data).status_code == 302
    assert not c.contact_points.exists()


def test_edit_access(as_user, manager, colleague, outsider, head, engineer, admin_user):
    c = ClientFactory(responsible=manager)
    url = reverse("crm:client_update", args=[c.pk])
    assert as_user(manager).get(url).status_code == 200
    assert as_user(colleague).get(url).status_code == 404
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(head).get(url).status_code == 200
    assert as_user(admin_user).get(url).status_code == 200
    TaskFactory(client=c, assignee=engineer)
    assert as_user(engineer).get(url).status_code == 403


def test_archive_and_restore_instead_of_delete(as_user, manager, colleague):
    c = ClientFactory(responsible=manager)
    archive = reverse("crm:client_archive", args=[c.pk])
    assert as_user(colleague).post(archive).status_code == 404
    assert as_user(manager).get(archive).status_code == 405
    assert as_user(manager).post(archive).status_code == 302
    c.refresh_from_db()
    assert c.status == "archived"
    assert as_user(manager).post(reverse("crm:client_restore", args=[c.pk])).status_code == 302
    c.refresh_from_db()
    assert c.status == "active"
    assert Client.objects.filter(pk=c.pk).exists()
