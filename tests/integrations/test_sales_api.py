"""The push API for sales documents: token auth, validation, idempotency, the schema."""

import copy

import pytest
from rest_framework.test import APIClient

from crm.models import SalesDocument, SalesDocumentLine
from crm.signals import sales_document_posted
from integrations.models import ApiToken
from integrations.services.api_tokens import api_token_issue
from tests.integrations.sales_files import INN_1

pytestmark = pytest.mark.django_db

URL = "/api/v1/sales-documents"

DOCUMENT = {
    "kind": "shipment",
    "external_id": "SHP-100",
    "version": "1",
    "number": "100",
    "date": "2026-03-15",
    "client": {"inn": INN_1, "name": "ООО «Клиника»", "region": "Region A"},
    "manager": "manager",
    "lines": [
        {
            "product": {"sku": "MR-1", "name": "Монитор Mindray", "kind": "equipment"},
            "quantity": "2",
            "price": "100.00",
            "amount": "200.00",
            "cost": "120.00",
            "serial_numbers": ["A1", "A2"],
        }
    ],
}


@pytest.fixture
def key(admin_user):
    return api_token_issue(token=ApiToken(name="1C", user=admin_user), by=admin_user)


def api(key=None) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_tokens_are_stored_hashed(key):
    token = ApiToken.objects.get()
    assert key not in (token.key_hash, token.prefix + "x")
    assert token.matches(key) and not token.matches(key + "x")


@pytest.mark.parametrize("header", [None, "Token wrong", "Token", "Basic abc"])
def test_a_missing_or_wrong_token_is_refused(key, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.post(URL, DOCUMENT, format="json")

    assert response.status_code in (401, 403)
    assert SalesDocument.objects.count() == 0


def test_an_inactive_token_is_refused(key):
    ApiToken.objects.update(is_active=False)

    assert api(key).post(URL, DOCUMENT, format="json").status_code == 401


def test_a_token_of_a_non_admin_is_refused(manager):
    raw = ApiToken.generate()
    token = ApiToken(name="x", user=manager)
    token.set_key(raw)
    token.save()

    assert api(raw).post(URL, DOCUMENT, format="json").status_code == 403


def test_a_good_document_is_written_once(key, manager, django_capture_on_commit_callbacks):
    received = []
    sales_document_posted.connect(lambda **kw: received.append(kw["document"].pk), weak=False, dispatch_uid="t-api")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = api(key).post(URL, DOCUMENT, format="json")
        with django_capture_on_commit_callbacks(execute=True):
            second = api(key).post(URL, [DOCUMENT], format="json")
    finally:
        sales_document_posted.disconnect(dispatch_uid="t-api")

    assert first.status_code == 200, first.json()
    assert first.json()["created"] == 1 and second.json()["unchanged"] == 1
    document = SalesDocument.objects.get()
    assert document.source == "api" and document.manager == manager
    line = document.lines.get()
    assert line.cost == 120 and line.serial_numbers == ["A1", "A2"]
    assert len(received) == 1
    assert ApiToken.objects.get().last_used_at is not None


def test_a_new_version_updates_the_document(key):
    api(key).post(URL, DOCUMENT, format="json")
    changed = copy.deepcopy(DOCUMENT)
    changed["version"] = "2"
    changed["lines"][0].update(quantity="3", amount="300.00")

    response = api(key).post(URL, changed, format="json")

    assert response.json()["updated"] == 1
    assert SalesDocumentLine.objects.get().quantity == 3


def test_a_list_with_one_bad_document_writes_nothing(key):
    bad = copy.deepcopy(DOCUMENT)
    bad["external_id"] = "SHP-101"
    bad["client"]["inn"] = "1234567890"
    bad["lines"][0]["amount"] = "999.00"

    response = api(key).post(URL, [DOCUMENT, bad], format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["index"] == 1
    assert "checksum" in str(errors[0]["errors"]["client"]["inn"])
    assert "does not match" in str(errors[0]["errors"]["lines"])
    assert SalesDocument.objects.count() == 0


def test_the_schema_documents_the_endpoint(client):
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert b"sales-documents" in response.content


def test_an_admin_issues_a_token_in_the_admin_and_sees_the_key_once(admin_user):
    from django.contrib.messages import get_messages
    from django.test import Client as HttpClient
    from django.urls import reverse

    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    http = HttpClient()
    http.force_login(admin_user)

    response = http.post(
        reverse("admin:integrations_apitoken_add"), {"name": "1C УТ", "user": admin_user.pk, "is_active": "on"}
    )

    assert response.status_code == 302
    token = ApiToken.objects.get()
    message = next(str(m) for m in get_messages(response.wsgi_request))
    key = message.split()[3].rstrip(".")
    assert token.matches(key)
    assert api(key).post(URL, DOCUMENT, format="json").status_code == 200
