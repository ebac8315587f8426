"""Asking for another manager's client: the request, its notifications, and the head's decision."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from crm.models import Client, Notification, TransferLog
from funnel.models import TransferRequest, TransferRequestStatus
from funnel.services.deals import deal_create
from funnel.services.transfers import transfer_request_approve, transfer_request_create, transfer_request_reject
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(colleague):
    return ClientFactory(responsible=colleague, region=colleague.region, inn="7707083893")


@pytest.fixture
def pending(theirs, manager):
    return transfer_request_create(client=theirs, by=manager, reason="They called me")


def test_a_request_records_the_owner_and_notifies_owner_and_region_heads(theirs, manager, colleague, head, region_b):
    other_head = UserFactory(username="head_b", role="head", region=region_b)
    request = transfer_request_create(client=theirs, by=manager, reason="They called me")
    assert (request.owner, request.requested_by, request.status) == (colleague, manager, "pending")
    assert request.reason == "They called me"
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"colleague", "head"}
    assert other_head.username not in recipients


def test_a_second_pending_request_is_refused(pending, theirs, manager):
    with pytest.raises(ValidationError) as exc:
        transfer_request_create(client=theirs, by=manager)
    assert exc.value.code == "pending"
    assert TransferRequest.objects.count() == 1


def test_one_cannot_ask_for_ones_own_or_an_unowned_client(manager, own_client, region_a):
    with pytest.raises(ValidationError) as exc:
        transfer_request_create(client=own_client, by=manager)
    assert exc.value.code == "own"
    nobodys = ClientFactory(responsible=None, region=region_a)
    with pytest.raises(ValidationError) as exc:
        transfer_request_create(client=nobodys, by=manager)
    assert exc.value.code == "unowned"
    assert not TransferRequest.objects.exists()


def test_only_managers_ask(theirs, head, engineer):
    for user in (head, engineer):
        with pytest.raises(PermissionDenied):
            transfer_request_create(client=theirs, by=user)
    assert not TransferRequest.objects.exists()


def test_the_head_approves_through_the_crm_transfer_and_the_manager_can_open_a_deal(
    pending, theirs, manager, head, scenario
):
    transfer_request_approve(request=pending, by=head, comment="Fine")
    pending.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.responsible == manager
    assert pending.status == TransferRequestStatus.APPROVED
    assert pending.decided_by == head and pending.decided_at is not None
    log = TransferLog.objects.get()
    assert pending.transfer_log == log
    assert list(log.clients.all()) == [theirs]
    assert (log.from_user.username, log.to_user.username, log.by) == ("colleague", "manager", head)
    assert Notification.objects.filter(recipient=manager).exists()
    deal = deal_create(client=theirs, scenario=scenario, title="Now mine", by=manager)
    assert deal.responsible == manager


def test_approving_closes_other_pending_requests_for_the_client(theirs, manager, head, region_a):
    third = UserFactory(username="third", role="manager", region=region_a)
    first = transfer_request_create(client=theirs, by=manager)
    second = transfer_request_create(client=theirs, by=third)
    transfer_request_approve(request=first, by=head)
    second.refresh_from_db()
    assert second.status == TransferRequestStatus.REJECTED


def test_the_head_rejects_and_the_client_stays(pending, theirs, colleague, head, manager):
    transfer_request_reject(request=pending, by=head, comment="Not now")
    pending.refresh_from_db()
    theirs.refresh_from_db()
    assert pending.status == TransferRequestStatus.REJECTED
    assert pending.decision_comment == "Not now"
    assert theirs.responsible == colleague
    assert not TransferLog.objects.exists()
    assert Notification.objects.filter(recipient=manager, title__contains="rejected").exists()


def test_a_decided_request_cannot_be_decided_again(pending, head):
    transfer_request_reject(request=pending, by=head)
    with pytest.raises(ValidationError) as exc:
        transfer_request_approve(request=pending, by=head)
    assert exc.value.code == "decided"
    assert not TransferLog.objects.exists()


def test_approval_fails_when_the_client_changed_hands(pending, theirs, head, region_a):
    Client.objects.filter(pk=theirs.pk).update(responsible=UserFactory(role="manager", region=region_a))
    with pytest.raises(ValidationError) as exc:
        transfer_request_approve(request=pending, by=head)
    assert exc.value.code == "owner_changed"
    pending.refresh_from_db()
    assert pending.status == TransferRequestStatus.PENDING


def test_a_head_of_another_region_and_managers_cannot_decide(pending, region_b, colleague, manager):
    other_head = UserFactory(username="head_b", role="head", region=region_b)
    for user in (other_head, colleague, manager):
        with pytest.raises(PermissionDenied):
            transfer_request_approve(request=pending, by=user)
    pending.refresh_from_db()
    assert pending.status == TransferRequestStatus.PENDING


def test_an_administrator_approves(pending, theirs, admin_user, manager):
    transfer_request_approve(request=pending, by=admin_user)
    theirs.refresh_from_db()
    assert theirs.responsible == manager


# Pages


def test_the_manager_asks_by_inn_in_one_form(as_user, manager, theirs):
    response = as_user(manager).post(reverse("funnel:transfer_request_new"), {"inn": theirs.inn, "reason": "Called"})
    assert response.status_code == 302
    assert TransferRequest.objects.get().client == theirs


def test_the_ask_page_reports_bad_input_and_saves_nothing(as_user, manager, theirs):
    client = as_user(manager)
    for inn, message in (("12", "10 or 12 digits"), ("7736050003", "No client with this INN")):
        response = client.post(reverse("funnel:transfer_request_new"), {"inn": inn})
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not TransferRequest.objects.exists()


def test_the_ask_page_is_for_managers_only(as_user, head, engineer):
    for user in (head, engineer):
        assert as_user(user).get(reverse("funnel:transfer_request_new")).status_code == 403


def test_the_new_deal_page_links_to_the_ask_page(as_user, manager):
    response = as_user(manager).get(reverse("funnel:deal_new"))
    assert reverse("funnel:transfer_request_new") in response.content.decode()


def test_the_requests_page_lists_pending_requests_of_the_heads_region(
    as_user, pending, head, admin_user, region_b, django_assert_max_num_queries
):
    other_head = UserFactory(username="head_b", role="head", region=region_b)
    web = as_user(head)
    with django_assert_max_num_queries(12):
        response = web.get(reverse("funnel:transfer_requests"))
    assert pending.client.name in response.content.decode()
    assert pending.client.name in as_user(admin_user).get(reverse("funnel:transfer_requests")).content.decode()
    assert pending.client.name not in as_user(other_head).get(reverse("funnel:transfer_requests")).content.decode()


def test_managers_cannot_open_the_requests_page(as_user, manager, colleague, outsider):
    for user in (manager, colleague, outsider):
        assert as_user(user).get(reverse("funnel:transfer_requests")).status_code == 403


def test_approve_and_reject_buttons(as_user, pending, theirs, head, manager):
    response = as_user(head).post(reverse("funnel:transfer_request_approve", args=[pending.pk]), {"comment": "ok"})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.responsible == manager
    # Deciding twice shows an error and changes nothing.
    as_user(head).post(reverse("funnel:transfer_request_reject", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.status == TransferRequestStatus.APPROVED


def test_a_head_of_another_region_gets_404_on_the_decision(as_user, pending, region_b, theirs, colleague):
    other_head = UserFactory(username="head_b", role="head", region=region_b)
    response = as_user(other_head).post(reverse("funnel:transfer_request_approve", args=[pending.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.responsible == colleague


def test_a_manager_cannot_approve_by_post(as_user, pending, manager, colleague, outsider):
    for user in (manager, colleague, outsider):
        assert as_user(user).post(reverse("funnel:transfer_request_approve", args=[pending.pk])).status_code == 403
    pending.refresh_from_db()
    assert pending.status == TransferRequestStatus.PENDING
