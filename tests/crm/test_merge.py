"""Merging duplicate clients: every related record moves, the merged client is archived, a log is written."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm.models import Client, Contact, ContactPoint, Interaction, MergeLog, Task, TransferLog
from crm.services.clients import client_update
from crm.services.merge import client_merge
from tests.factories import ClientFactory, ContactFactory, InteractionFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(manager, colleague, admin_user):
    kept = ClientFactory(responsible=manager, name="ООО «Ромашка»", inn="", kpp="", website="")
    merged = ClientFactory(
        responsible=colleague, name="Ромашка ООО", inn="7707083893", kpp="770701001", website="romashka.ru"
    )
    client_update(client=merged, fields={"notes": "Big buyer"}, by=admin_user)  # an audit entry of its own
    return kept, merged


def test_every_related_record_moves_to_the_kept_client(pair, admin_user, manager, colleague):
    kept, merged = pair
    contact = ContactFactory(client=merged)
    contact_phone = ContactPoint.objects.create(
        contact=contact, kind="phone", value="+74950000001", normalized="+74950000001"
    )
    client_phone = ContactPoint.objects.create(
        client=merged, kind="phone", value="+74950000002", normalized="+74950000002"
    )
    interaction = InteractionFactory(client=merged, contact=contact)
    task = TaskFactory(client=merged, assignee=colleague)
    subject_task = TaskFactory(
        assignee=colleague, content_type=ContentType.objects.get_for_model(Client), object_id=merged.pk
    )
    both = TransferLog.objects.create(by=admin_user, from_user=colleague, to_user=manager, client_count=2, task_count=0)
    both.clients.add(kept, merged)
    only_merged = TransferLog.objects.create(
        by=admin_user, from_user=colleague, to_user=manager, client_count=1, task_count=0
    )
    only_merged.clients.add(merged)
    audit_before = LogEntry.objects.get_for_object(merged).count()

    log = client_merge(kept=kept, merged=merged, by=admin_user)

    assert Contact.objects.get(pk=contact.pk).client == kept
    assert ContactPoint.objects.get(pk=contact_phone.pk).contact == contact
    assert ContactPoint.objects.get(pk=client_phone.pk).client == kept
    assert Interaction.objects.get(pk=interaction.pk).client == kept
    assert Task.objects.get(pk=task.pk).client == kept
    assert Task.objects.get(pk=subject_task.pk).object_id == kept.pk
    assert set(both.clients.all()) == {kept}
    assert set(only_merged.clients.all()) == {kept}
    assert LogEntry.objects.get_for_object(merged).count() >= audit_before  # history of the duplicate stays
    assert log.moved["crm.contact"] == 1
    assert log.moved["crm.contactpoint"] == 1
    assert log.moved["crm.interaction"] == 1
    assert log.moved["crm.task"] == 1
    assert log.moved["crm.task.subject"] == 1
    assert log.moved["crm.transferlog.clients"] == 1


def test_kept_client_takes_empty_fields_and_the_inn(pair, admin_user):
    kept, merged = pair
    client_merge(kept=kept, merged=merged, by=admin_user)
    kept.refresh_from_db()
    merged.refresh_from_db()
    assert kept.inn == "7707083893"
    assert kept.kpp == "770701001"
    assert kept.website == "romashka.ru"
    assert kept.name == "ООО «Ромашка»"  # filled only where empty
    assert merged.status == "archived"
    assert merged.inn == ""
    assert f"#{kept.pk}" in merged.notes


def test_log_records_who_and_a_snapshot(pair, admin_user):
    kept, merged = pair
    log = client_merge(kept=kept, merged=merged, by=admin_user)
    log = MergeLog.objects.get(pk=log.pk)
    assert log.by == admin_user
    assert log.kept == kept
    assert log.merged_client_id == merged.pk
    assert log.merged_snapshot["inn"] == "7707083893"
    assert log.merged_snapshot["name"] == "Ромашка ООО"


def test_only_an_administrator_merges(pair, head, manager):
    kept, merged = pair
    for user in (head, manager):
        with pytest.raises(PermissionDenied):
            client_merge(kept=kept, merged=merged, by=user)
    assert Client.objects.get(pk=merged.pk).status == "active"


def test_merge_page_access(as_user, pair, admin_user, head, manager, engineer):
    url = reverse("crm:client_merge")
    for user in (head, manager, engineer):
        assert as_user(user).get(url).status_code == 403
    assert as_user(admin_user).get(url).status_code == 200


def test_merge_page_previews_then_merges_on_confirmation(as_user, pair, admin_user):
    kept, merged = pair
    http = as_user(admin_user)
    url = reverse("crm:client_merge")
    preview = http.get(url, {"kept": kept.pk, "merged": merged.pk})
    assert preview.context["preview"]["merged"] == merged
    unconfirmed = http.post(url, {"kept": kept.pk, "merged": merged.pk})
    assert unconfirmed.status_code == 200 and "confirm" in unconfirmed.context["form"].errors
    assert not MergeLog.objects.exists()
    done = http.post(url, {"kept": kept.pk, "merged": merged.pk, "confirm": "on"})
    assert done.status_code == 302
    assert MergeLog.objects.get().kept == kept


@pytest.mark.parametrize("bad", [{"kept": "", "merged": ""}, {"kept": "999999", "merged": "1"}, "same"])
def test_merge_page_bad_input(as_user, pair, admin_user, bad):
    kept, _merged = pair
    if bad == "same":
        bad = {"kept": kept.pk, "merged": kept.pk}
    response = as_user(admin_user).post(reverse("crm:client_merge"), {**bad, "confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not MergeLog.objects.exists()


def test_a_client_cannot_be_merged_into_itself(pair, admin_user):
    from django.core.exceptions import ValidationError

    kept, _ = pair
    with pytest.raises(ValidationError):
        client_merge(kept=kept, merged=kept, by=admin_user)


def test_rows_a_unique_constraint_forbids_stay_with_the_archived_duplicate(pair, admin_user):
    """A later app's one-row-per-client table: the conflicting row is kept on the merged client, not lost."""
    from django.db import connection

    kept, merged = pair
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNIQUE INDEX test_one_task_title_per_client ON crm_task (client_id, title)")
    TaskFactory(client=kept, assignee=admin_user, title="Same")
    clash = TaskFactory(client=merged, assignee=admin_user, title="Same")
    free = TaskFactory(client=merged, assignee=admin_user, title="Other")
    log = client_merge(kept=kept, merged=merged, by=admin_user)
    assert Task.objects.get(pk=free.pk).client == kept
    assert Task.objects.get(pk=clash.pk).client == merged
    assert log.moved["crm.task"] == 1 and log.moved["crm.task:left_on_merged"] == 1
