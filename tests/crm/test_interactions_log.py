"""Logging an interaction on a client: the page, the service, the follow-up task."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm.models import Interaction, Task
from crm.signals import interaction_logged
from tests.factories import ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC)  # 10:00 in Moscow


@pytest.fixture
def client_obj(manager):
    return ClientFactory(responsible=manager)


def url(client) -> str:
    return reverse("crm:interaction_create", args=[client.pk])


def form_data(**overrides) -> dict:
    data = {
        "kind": "call_out",
        "occurred_at": "2026-03-10T09:30",
        "duration_minutes": "5",
        "subject": "Price list",
        "text": "Asked about the new pump",
        "importance": "normal",
        "result": "Will think",
    }
    data.update(overrides)
    return data


@time_machine.travel(NOW, tick=False)
def test_the_owner_logs_a_call_with_a_follow_up_task_in_six_months(as_user, manager, client_obj):
    manager.time_zone = "Asia/Vladivostok"
    manager.save()
    contact = ContactFactory(client=client_obj)
    response = as_user(manager).post(
        url(client_obj),
        form_data(contact=contact.pk, follow_up="on", follow_up_title="Call back", follow_up_in="6m"),
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.author == manager
    assert interaction.contact == contact
    # Entered in the user's time zone (Vladivostok, UTC+10).
    assert interaction.occurred_at == dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)
    task = Task.objects.get()
    assert task.title == "Call back"
    assert task.client == client_obj
    assert task.assignee == manager
    assert task.interaction == interaction
    local_due = timezone.localtime(task.due_at, timezone=dt.timezone(dt.timedelta(hours=10)))
    assert local_due.date() == dt.date(2026, 9, 10)
    assert task.remind_at == task.due_at
    client_obj.refresh_from_db()
    assert client_obj.last_interaction_at == interaction.occurred_at


@time_machine.travel(NOW, tick=False)
def test_follow_up_on_a_chosen_date_and_for_the_head(as_user, manager, head, client_obj):
    response = as_user(manager).post(
        url(client_obj),
        form_data(
            follow_up="on",
            follow_up_title="Send the offer",
            follow_up_date="2026-04-01",
            follow_up_remind_at="2026-03-31T16:00",
            follow_up_assignee=head.pk,
        ),
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.assignee == head
    assert task.author == manager
    assert timezone.localtime(task.due_at).date() == dt.date(2026, 4, 1)
    assert task.remind_at == dt.datetime(2026, 3, 31, 13, 0, tzinfo=dt.UTC)
    # Someone else gave the head a task: they are told so.
    assert head.notifications.filter(kind="task_assigned", task=task).count() == 1


def test_a_follow_up_without_a_date_is_refused_and_nothing_is_saved(as_user, manager, client_obj):
    response = as_user(manager).post(url(client_obj), form_data(follow_up="on", follow_up_title="Call back"))
    assert response.status_code == 400
    assert "Choose when" in response.content.decode()
    assert not Interaction.objects.exists()
    assert not Task.objects.exists()


def test_a_contact_of_another_client_is_refused(as_user, manager, client_obj):
    other = ContactFactory(client=ClientFactory(responsible=manager))
    response = as_user(manager).post(url(client_obj), form_data(contact=other.pk))
    assert response.status_code == 400
    assert not Interaction.objects.exists()


def test_the_service_refuses_a_contact_of_another_client(manager, client_obj):
    from django.core.exceptions import ValidationError

    from crm.services.interactions import interaction_log

    other = ContactFactory(client=ClientFactory(responsible=manager))
    with pytest.raises(ValidationError):
        interaction_log(client=client_obj, by=manager, kind="note", occurred_at=timezone.now(), contact=other)
    assert not Interaction.objects.exists()


def test_last_interaction_moves_forward_only(manager, client_obj):
    from crm.services.interactions import interaction_log

    late = timezone.now()
    early = late - dt.timedelta(days=30)
    interaction_log(client=client_obj, by=manager, kind="note", occurred_at=late)
    interaction_log(client=client_obj, by=manager, kind="note", occurred_at=early)
    client_obj.refresh_from_db()
    assert client_obj.last_interaction_at == late


def test_the_signal_is_sent_on_commit(manager, client_obj, django_capture_on_commit_callbacks):
    from crm.services.interactions import interaction_log

    received = []

    def receiver(sender, interaction, **kwargs):
        received.append(interaction.pk)

    interaction_logged.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            interaction = interaction_log(client=client_obj, by=manager, kind="meeting", occurred_at=timezone.now())
            assert received == []
        assert received == [interaction.pk]
    finally:
        interaction_logged.disconnect(receiver)


def test_the_form_offers_only_this_clients_active_contacts(as_user, manager, client_obj):
    mine = ContactFactory(client=client_obj, last_name="Mine")
    ContactFactory(client=client_obj, last_name="Archived", is_archived=True)
    ContactFactory(client=ClientFactory(responsible=manager), last_name="Foreign")
    page = as_user(manager).get(url(client_obj)).content.decode()
    assert mine.last_name in page
    assert "Archived" not in page
    assert "Foreign" not in page


def test_the_htmx_partial_is_only_the_form(as_user, manager, client_obj):
    response = as_user(manager).get(url(client_obj), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="interaction-form"' in body
    assert "<html" not in body


def test_an_htmx_post_redirects_the_page(as_user, manager, client_obj):
    response = as_user(manager).post(url(client_obj), form_data(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"]
    assert Interaction.objects.count() == 1


def test_colleague_and_outsider_get_404(as_user, colleague, outsider, client_obj):
    for user in (colleague, outsider):
        assert as_user(user).get(url(client_obj)).status_code == 404
        assert as_user(user).post(url(client_obj), form_data()).status_code == 404
    assert not Interaction.objects.exists()


def test_head_of_the_region_and_admin_may_log(as_user, head, admin_user, client_obj):
    for user in (head, admin_user):
        assert as_user(user).post(url(client_obj), form_data()).status_code == 302
    assert Interaction.objects.count() == 2


def test_an_engineer_logs_on_a_client_of_their_task_only(as_user, engineer, client_obj):
    assert as_user(engineer).post(url(client_obj), form_data()).status_code == 404
    TaskFactory(assignee=engineer, client=client_obj)
    assert as_user(engineer).post(url(client_obj), form_data(kind="meeting")).status_code == 302
    assert Interaction.objects.get().author == engineer


def test_user_input_is_escaped_on_the_form(as_user, manager):
    client = ClientFactory(responsible=manager, short_name="<script>alert(1)</script>")
    body = as_user(manager).get(url(client)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_a_russian_speaking_user_logs_with_the_same_inputs(as_user, manager, client_obj):
    manager.language = "ru"
    manager.save()
    http = as_user(manager)
    assert http.get(url(client_obj)).status_code == 200
    response = http.post(url(client_obj), form_data(follow_up="on", follow_up_title="Перезвонить", follow_up_in="1w"))
    assert response.status_code == 302
    assert Task.objects.get().title == "Перезвонить"
