"""Transfer of clients between managers with their open tasks, by a sales head or an administrator."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm import signals
from crm.models import Client, Task, TransferLog
from crm.services.transfer import client_transfer
from tests.factories import ClientFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(manager, colleague):
    clients = ClientFactory.create_batch(3, responsible=manager)
    open_task = TaskFactory(client=clients[0], assignee=manager)
    done_task = TaskFactory(client=clients[0], assignee=manager, status="done")
    someone_elses = TaskFactory(client=clients[1], assignee=colleague)
    unrelated = TaskFactory(assignee=manager)  # no client
    return {"clients": clients, "open": open_task, "done": done_task, "other": someone_elses, "unrelated": unrelated}


def test_head_moves_all_clients_with_open_tasks(book, head, manager, colleague, django_capture_on_commit_callbacks):
    received = []
    signals.clients_transferred.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            log = client_transfer(from_user=manager, to_user=colleague, by=head)
    finally:
        signals.clients_transferred.disconnect(dispatch_uid="t")
    assert set(Client.objects.filter(responsible=colleague)) == set(book["clients"])
    assert Task.objects.get(pk=book["open"].pk).assignee == colleague
    assert Task.objects.get(pk=book["done"].pk).assignee == manager
    assert Task.objects.get(pk=book["unrelated"].pk).assignee == manager
    assert (log.client_count, log.task_count, log.by, log.from_user, log.to_user) == (3, 1, head, manager, colleague)
    assert set(log.clients.all()) == set(book["clients"])
    assert received and sorted(received[0]["client_ids"]) == sorted(c.pk for c in book["clients"])


def test_selected_clients_only(book, head, manager, colleague):
    chosen = book["clients"][1]
    log = client_transfer(from_user=manager, to_user=colleague, by=head, client_ids=[chosen.pk])
    assert list(Client.objects.filter(responsible=colleague)) == [chosen]
    assert Task.objects.get(pk=book["open"].pk).assignee == manager
    assert log.client_count == 1


def test_updates_are_bulk(book, head, manager, colleague, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        client_transfer(from_user=manager, to_user=colleague, by=head)


def test_head_outside_the_region_is_refused(book, region_b, manager, colleague):
    other_head = UserFactory(username="head_b", role="head", region=region_b)
    with pytest.raises(PermissionDenied):
        client_transfer(from_user=manager, to_user=colleague, by=other_head)
    assert not TransferLog.objects.exists()
    assert Client.objects.filter(responsible=manager).count() == 3


def test_head_cannot_hand_clients_to_another_region(book, head, manager, outsider):
    with pytest.raises(PermissionDenied):
        client_transfer(from_user=manager, to_user=outsider, by=head)


def test_manager_cannot_transfer(book, manager, colleague):
    with pytest.raises(PermissionDenied):
        client_transfer(from_user=manager, to_user=colleague, by=manager)


def test_admin_transfers_across_regions(book, admin_user, manager, outsider):
    client_transfer(from_user=manager, to_user=outsider, by=admin_user)
    assert Client.objects.filter(responsible=outsider).count() == 3


def test_foreign_client_ids_are_refused(book, head, manager, colleague, outsider):
    foreign = ClientFactory(responsible=outsider)
    with pytest.raises(ValidationError):
        client_transfer(from_user=manager, to_user=colleague, by=head, client_ids=[foreign.pk, book["clients"][0].pk])
    assert Client.objects.filter(responsible=colleague).count() == 0


def test_transfer_page_access(as_user, head, admin_user, manager, engineer):
    for name in ("crm:client_transfer", "crm:transfer_log"):
        url = reverse(name)
        assert as_user(manager).get(url).status_code == 403
        assert as_user(engineer).get(url).status_code == 403
        assert as_user(head).get(url).status_code == 200
        assert as_user(admin_user).get(url).status_code == 200


def test_transfer_page_lists_clients_and_transfers(as_user, book, head, manager, colleague):
    http = as_user(head)
    page = http.get(reverse("crm:client_transfer"), {"from_user": manager.pk})
    assert {pk for pk, _name in page.context["choices"]} == {c.pk for c in book["clients"]}
    response = http.post(
        reverse("crm:client_transfer"),
        {"from_user": manager.pk, "to_user": colleague.pk, "clients": [book["clients"][0].pk]},
    )
    assert response.status_code == 302
    assert Client.objects.get(pk=book["clients"][0].pk).responsible == colleague
    log_page = http.get(reverse("crm:transfer_log"))
    assert len(log_page.context["logs"]) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"to_user": "colleague"},  # no clients chosen
        {"to_user": "manager", "all_clients": "on"},  # same manager
        {"to_user": "outsider", "all_clients": "on"},  # not a manager of the region
        {"to_user": "", "all_clients": "on"},
    ],
)
def test_transfer_form_bad_input(as_user, book, head, manager, colleague, outsider, payload):
    users = {"manager": manager, "colleague": colleague, "outsider": outsider}
    data = {"from_user": manager.pk, **payload}
    data["to_user"] = users[payload["to_user"]].pk if payload["to_user"] else ""
    response = as_user(head).post(reverse("crm:client_transfer"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not TransferLog.objects.exists()
    assert Client.objects.filter(responsible=manager).count() == 3


# --- the field history of a transfer -----------------------------------------------------------


def responsible_entries():
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Client), action=LogEntry.Action.UPDATE
    )


def test_each_moved_client_and_task_gets_a_history_entry(book, head, manager, colleague):
    log = client_transfer(from_user=manager, to_user=colleague, by=head)
    entries = responsible_entries()
    assert sorted(e.object_id for e in entries) == sorted(c.pk for c in book["clients"])
    for entry in entries:
        assert entry.action == LogEntry.Action.UPDATE
        assert entry.actor == head
        assert entry.changes == {"responsible": [str(manager), str(colleague)]}
        assert entry.additional_data == {"transfer_log": log.pk}
        assert entry.timestamp == log.created_at
    task_entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Task), action=LogEntry.Action.UPDATE
    )
    assert (task_entry.object_id, task_entry.object_repr) == (book["open"].pk, book["open"].title)
    assert task_entry.changes == {"assignee": [str(manager), str(colleague)]}


def test_only_the_chosen_clients_get_an_entry(book, head, manager, colleague):
    chosen = book["clients"][2]
    client_transfer(from_user=manager, to_user=colleague, by=head, client_ids=[chosen.pk])
    assert [(e.object_id, e.object_repr) for e in responsible_entries()] == [(chosen.pk, str(chosen))]


def test_a_refused_transfer_writes_no_history(book, head, manager, colleague, outsider):
    foreign = ClientFactory(responsible=outsider)
    with pytest.raises(ValidationError):
        client_transfer(from_user=manager, to_user=colleague, by=head, client_ids=[foreign.pk])
    assert not responsible_entries().exists()


def test_the_history_is_written_in_one_insert(head, manager, colleague):
    ContentType.objects.get_for_models(Client, Task)  # cached, as in a running process
    few = ClientFactory.create_batch(2, responsible=manager)
    TaskFactory(client=few[0], assignee=manager)
    with CaptureQueriesContext(connection) as small:
        client_transfer(from_user=manager, to_user=colleague, by=head)
    many = ClientFactory.create_batch(20, responsible=colleague)
    for client in many:
        TaskFactory(client=client, assignee=colleague)
    with CaptureQueriesContext(connection) as large:
        client_transfer(from_user=colleague, to_user=manager, by=head)
    assert len(large) == len(small)
    assert responsible_entries().count() == len(few) + len(few) + len(many)


def test_the_client_card_shows_the_new_responsible_in_its_history(as_user, book, head, manager, colleague):
    client = book["clients"][0]
    client_transfer(from_user=manager, to_user=colleague, by=head)
    http = as_user(colleague)
    for url in (
        reverse("crm:client_detail", args=[client.pk]),
        reverse("crm:client_tab", args=[client.pk, "history"]),
    ):
        body = http.get(url).content.decode()
        assert "Responsible" in body or "responsible" in body
        assert f"<s>{manager}</s>" in body and str(colleague) in body


# --- the transfer log page -------------------------------------------------------------------------


def test_the_log_names_the_moved_clients_the_reader_sees(as_user, book, head, manager, colleague, admin_user, outsider):
    client_transfer(from_user=manager, to_user=colleague, by=head, client_ids=[book["clients"][0].pk])
    elsewhere = ClientFactory(responsible=outsider, name="Far away Ltd")
    client_transfer(from_user=outsider, to_user=manager, by=admin_user, client_ids=[elsewhere.pk])
    response = as_user(head).get(reverse("crm:transfer_log"))
    rows = list(response.context["logs"])
    assert [[c.pk for c in log.shown_clients] for log in rows] == [[], [book["clients"][0].pk]]
    body = response.content.decode()
    assert book["clients"][0].get_absolute_url() in body
    # The head sees the transfer into their region, but not the name of a client outside it.
    assert "Far away" not in body
    admin_rows = as_user(admin_user).get(reverse("crm:transfer_log")).context["logs"]
    assert [c.pk for c in admin_rows[0].shown_clients] == [elsewhere.pk]


def test_the_log_page_reads_a_constant_number_of_queries(as_user, book, head, manager, colleague):
    http = as_user(head)
    client_transfer(from_user=manager, to_user=colleague, by=head, client_ids=[book["clients"][0].pk])
    http.get(reverse("crm:transfer_log"))
    with CaptureQueriesContext(connection) as one:
        http.get(reverse("crm:transfer_log"))
    client_transfer(from_user=manager, to_user=colleague, by=head)
    client_transfer(from_user=colleague, to_user=manager, by=head)
    with CaptureQueriesContext(connection) as three:
        http.get(reverse("crm:transfer_log"))
    assert len(three) == len(one)
