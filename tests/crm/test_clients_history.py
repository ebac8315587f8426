"""The field history of the card reads as people write: own fields by name, labels, yes/no, local dates."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone, translation

from crm.models import Client, Contact, ContactPoint, Task
from crm.selectors.clients import change_rows
from crm.services.clients import client_update
from tests.factories import ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


def history_rows(response) -> list[tuple[str, str, str]]:
    return [row for item in response.context["timeline"] if item.kind == "change" for row in item.changes]


@pytest.fixture
def russian_manager(manager):
    manager.language = "ru"
    manager.time_zone = "Asia/Vladivostok"
    manager.save()
    return manager


def test_a_client_and_a_contact_created_through_the_forms_read_cleanly_in_russian(as_user, russian_manager):
    http = as_user(russian_manager)
    http.post(
        reverse("crm:client_create"),
        {
            "kind": "customer",
            "name": "ООО «Василёк»",
            "status": "active",
            "responsible": russian_manager.pk,
            "points-TOTAL_FORMS": "1",
            "points-INITIAL_FORMS": "0",
            "points-0-kind": "phone",
            "points-0-value": "8 (495) 123-45-67",
        },
    )
    client_obj = Client.objects.get()
    http.post(
        reverse("crm:contact_create", args=[client_obj.pk]),
        {
            "last_name": "Сидоров",
            "first_name": "Пётр",
            "birthday": "17.05.1980",
            "birthday_remind_days": "3",
            "is_decision_maker": "on",
            "points-TOTAL_FORMS": "1",
            "points-INITIAL_FORMS": "0",
            "points-0-kind": "email",
            "points-0-value": "petr@vasilek.ru",
        },
    )
    assert Contact.objects.get().birthday == dt.date(1980, 5, 17)

    response = http.get(reverse("crm:client_detail", args=[client_obj.pk]))

    rows = history_rows(response)
    with translation.override("ru"):
        label = {
            name: str(model._meta.get_field(name).verbose_name)
            for model, name in (
                (Client, "kind"),
                (Client, "created_by"),
                (Contact, "birthday"),
                (Contact, "is_decision_maker"),
                (Contact, "is_archived"),
                (ContactPoint, "client"),
                (ContactPoint, "contact"),
            )
        }
    assert (label["kind"], "", "Заказчик") in rows
    assert (label["created_by"], "", russian_manager.display_name) in rows
    assert (label["birthday"], "", "17.05.1980") in rows
    assert (label["is_decision_maker"], "", "Да") in rows
    assert (label["is_archived"], "", "Нет") in rows
    assert (label["client"], "", "ООО «Василёк»") in rows
    assert (label["contact"], "", "Сидоров Пётр") in rows
    shown_names = {name for name, _old, _new in rows}
    assert not shown_names & {"ID", "id", "created_by", "client", "contact", "deals", "contact_points", "tasks"}
    assert not [row for row in rows if any(".None" in value or value in ("True", "False") for value in row)]
    content = response.content.decode()
    for junk in (".None", "True", "False", "1980-05-17"):
        assert junk not in content, junk


def test_a_created_client_leaves_out_its_empty_fields(manager):
    client_obj = ClientFactory(responsible=manager, short_name="", notes="")
    (rows,) = change_rows([LogEntry.objects.get_for_object(client_obj).get()])
    shown = {name for name, _old, _new in rows}
    assert "legal name" in shown
    assert not shown & {"short name", "notes", "ABC class", "website"}


def test_an_update_shows_choices_by_label_and_flags_as_yes_or_no(as_user, manager):
    client_obj = ClientFactory(responsible=manager, kind="prospect")
    contact = ContactFactory(client=client_obj, is_decision_maker=False)
    client_update(client=client_obj, fields={"kind": "customer"}, by=manager)
    contact.is_decision_maker = True
    contact.save()

    rows = history_rows(as_user(manager).get(reverse("crm:client_detail", args=[client_obj.pk])))

    assert ("kind", "Prospect", "Customer") in rows
    assert ("decision maker", "No", "Yes") in rows


def test_datetimes_are_shown_short_in_the_users_time_zone(manager):
    task = TaskFactory(assignee=manager, due_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    task.due_at = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC)
    task.save()
    entry = LogEntry.objects.get_for_object(task).filter(action=LogEntry.Action.UPDATE).get()

    with translation.override("ru"), timezone.override("Asia/Vladivostok"):
        (rows,) = change_rows([entry])
        label = str(Task._meta.get_field("due_at").verbose_name)

    assert (label, "02.03.2026 19:00", "06.03.2026 09:30") in rows
