"""xlsx export of the client and contact lists: exactly the filtered rows, permission, formula-safe."""

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.exports import safe_cell_value, xlsx_bytes
from crm.models import ContactPoint
from tests.factories import ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db


def sheet_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_export_has_exactly_the_filtered_rows(as_user, manager, colleague):
    ClientFactory(responsible=manager, name="Alpha", kind="customer")
    ClientFactory(responsible=manager, name="Beta", kind="prospect")
    ClientFactory(responsible=manager, name="Archived", status="archived")
    ClientFactory(responsible=colleague, name="Not mine", kind="customer")
    rows = sheet_rows(as_user(manager).get(reverse("crm:client_list"), {"_export": "xlsx", "kind": "customer"}))
    assert rows[0][1] == "Legal name"
    assert [r[1] for r in rows[1:]] == ["Alpha"]
    all_rows = sheet_rows(as_user(manager).get(reverse("crm:client_list"), {"_export": "xlsx", "sort": "name"}))
    assert [r[1] for r in all_rows[1:]] == ["Alpha", "Beta"]


def test_export_cells_never_become_formulas(as_user, manager):
    c = ClientFactory(responsible=manager, name='=HYPERLINK("http://evil","x")', short_name="+cmd", inn="")
    ContactPoint.objects.create(client=c, kind="email", value="@evil", normalized="@evil")
    ClientFactory(responsible=manager, name="-2+3", inn="", notes="")
    rows = sheet_rows(as_user(manager).get(reverse("crm:client_list"), {"_export": "xlsx", "sort": "name"}))
    values = [v for row in rows[1:] for v in row if isinstance(v, str)]
    assert '\'=HYPERLINK("http://evil","x")' in values
    assert "'+cmd" in values
    assert "'-2+3" in values
    assert "'@evil" in values
    assert not any(v.startswith(("=", "+", "-", "@")) for v in values)


def test_export_writes_dates_as_dates(as_user, manager):
    ClientFactory(responsible=manager, last_interaction_at=timezone.now())
    rows = sheet_rows(as_user(manager).get(reverse("crm:client_list"), {"_export": "xlsx"}))
    assert isinstance(rows[1][11], dt.datetime)


def test_export_needs_the_permission(as_user, manager, engineer, head, admin_user):
    c = ClientFactory(responsible=manager)
    TaskFactory(client=c, assignee=engineer)
    url = reverse("crm:client_list")
    assert as_user(engineer).get(url, {"_export": "xlsx"}).status_code == 403
    assert as_user(engineer).get(reverse("crm:contact_list"), {"_export": "xlsx"}).status_code == 403
    for user in (manager, head, admin_user):
        assert as_user(user).get(url, {"_export": "xlsx"}).status_code == 200


def test_outsider_export_has_none_of_the_managers_clients(as_user, manager, outsider):
    ClientFactory(responsible=manager, name="Secret")
    rows = sheet_rows(as_user(outsider).get(reverse("crm:client_list"), {"_export": "xlsx"}))
    assert rows[1:] == []


def test_contact_export(as_user, manager, colleague):
    ContactFactory(client=ClientFactory(responsible=manager), last_name="=Mine")
    ContactFactory(client=ClientFactory(responsible=colleague), last_name="Theirs")
    rows = sheet_rows(as_user(manager).get(reverse("crm:contact_list"), {"_export": "xlsx"}))
    assert len(rows) == 2
    assert rows[1][1].startswith("'=Mine")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (None, ""), (5, 5), ("a\x01b", "ab")],
)
def test_safe_cell_value(value, expected):
    assert safe_cell_value(value) == expected


def test_xlsx_bytes_opens():
    data = xlsx_bytes(["A"], [["=x"], [dt.date(2026, 1, 2)]])
    rows = list(load_workbook(BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1] == ("'=x",)
    assert rows[2][0].date() == dt.date(2026, 1, 2)


def test_money_stays_a_number_in_the_sheet():
    from decimal import Decimal

    assert safe_cell_value(Decimal("1234567.89")) == Decimal("1234567.89")
