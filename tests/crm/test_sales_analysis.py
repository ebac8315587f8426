"""The sales analysis report, the documents list and card, and the export: figures and access."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from crm.selectors.sales import SalesFilter, sales_analysis
from tests.crm.sales_factories import make_document, make_product
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

YEAR = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


@pytest.fixture
def sales(manager, colleague, outsider):
    """Two products sold to the manager's client, one to the colleague's and one to the outsider's."""
    ultrasound = make_product(name="Ultrasound", kind="equipment", equipment_type_name="УЗИ")
    gel = make_product(name="Gel", kind="consumable")
    own = ClientFactory(responsible=manager, name="Own clinic")
    other = ClientFactory(responsible=colleague, name="Colleague clinic")
    far = ClientFactory(responsible=outsider, name="Far clinic")
    make_document(own, date=dt.date(2026, 1, 10), lines=[(ultrasound, 1, 1000, 600), (gel, 10, 5, 2)], manager=manager)
    make_document(own, date=dt.date(2026, 4, 10), lines=[(gel, 20, 5)], manager=manager)
    make_document(other, date=dt.date(2026, 2, 1), lines=[(ultrasound, 2, 900)], manager=colleague)
    make_document(far, date=dt.date(2026, 2, 1), lines=[(ultrasound, 1, 5000)], manager=outsider)
    # Not counted: an invoice, an unposted shipment, one marked for deletion, one outside the year.
    make_document(own, kind="invoice", lines=[(ultrasound, 9, 1000)])
    make_document(own, posted=False, lines=[(ultrasound, 9, 1000)])
    make_document(own, deleted=True, lines=[(ultrasound, 9, 1000)])
    make_document(own, date=dt.date(2025, 12, 31), lines=[(ultrasound, 9, 1000)])
    return {"ultrasound": ultrasound, "gel": gel, "own": own, "other": other, "far": far}


def flt(**kwargs) -> SalesFilter:
    return SalesFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31), **kwargs)


def test_it_sums_by_product_then_client(sales, admin_user):
    analysis = sales_analysis(user=admin_user, flt=flt(), first="product", second="client")

    by_label = {row.label.split(" ", 1)[-1]: row for row in analysis.rows}
    assert by_label["Ultrasound"].amount == Decimal(1000 + 1800 + 5000)
    assert by_label["Ultrasound"].quantity == 4
    assert {c.label: c.amount for c in by_label["Ultrasound"].children} == {
        "Own clinic": 1000,
        "Colleague clinic": 1800,
        "Far clinic": 5000,
    }
    assert by_label["Gel"].amount == 150
    assert analysis.total.amount == Decimal(7950)
    assert by_label["Ultrasound"].gross_profit == 400


def test_it_groups_by_client_first_and_by_quarter(sales, admin_user):
    analysis = sales_analysis(user=admin_user, flt=flt(), first="client", second="period", period="quarter")

    own = next(row for row in analysis.rows if row.label == "Own clinic")
    assert [(c.label, c.amount) for c in own.children] == [("Q1 2026", 1050), ("Q2 2026", 100)]


def test_it_groups_by_product_kind_equipment_type_and_manager(sales, admin_user, manager):
    kinds = sales_analysis(user=admin_user, flt=flt(), first="product_kind", second=None)
    types = sales_analysis(user=admin_user, flt=flt(), first="equipment_type", second=None)
    managers = sales_analysis(user=admin_user, flt=flt(), first="manager", second=None)

    assert {r.key: r.amount for r in kinds.rows} == {"equipment": 7800, "consumable": 150}
    assert {r.key: r.amount for r in types.rows} == {"УЗИ": 7800, "": 150}
    assert {r.key: r.amount for r in managers.rows}[manager.pk] == 1150


@pytest.mark.parametrize(
    ("who", "total"),
    [("manager", 1150), ("colleague", 1800), ("outsider", 5000), ("head", 2950), ("admin_user", 7950)],
)
def test_each_role_sees_only_the_figures_of_their_clients(sales, request, who, total):
    user = request.getfixturevalue(who)

    assert sales_analysis(user=user, flt=flt()).total.amount == total


def test_the_page_shows_the_report_and_drills_down_to_documents(sales, manager, as_user, django_assert_max_num_queries):
    client = as_user(manager)
    client.get(reverse("crm:sales_analysis"))  # warm the session

    # The aggregate, then one query for the names of each of the two dimensions.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("crm:sales_analysis"), {**YEAR, "first": "product", "second": "client"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Own clinic" in body and "Colleague clinic" not in body and "Far clinic" not in body
    row = response.context["analysis"].rows[0]
    drill = client.get(row.children[0].url)
    assert drill.status_code == 200
    documents = list(drill.context["documents"])
    assert documents and all(d.client == sales["own"] for d in documents)


def test_engineers_do_not_see_sales(engineer, as_user):
    client = as_user(engineer)

    for name in ("crm:sales_analysis", "crm:sales_analysis_export", "crm:sales_documents"):
        assert client.get(reverse(name)).status_code == 403


def test_the_export_holds_the_visible_figures_and_is_formula_safe(sales, manager, as_user):
    sales["own"].name = "=HYPERLINK(1)"
    sales["own"].save()

    response = as_user(manager).get(reverse("crm:sales_analysis_export"), {**YEAR, "first": "client", "second": ""})

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    labels = [row[0] for row in values]
    assert "'=HYPERLINK(1)" in labels
    assert "Colleague clinic" not in labels and "Far clinic" not in labels
    assert values[-1][3] == 1150


def test_the_documents_list_shows_only_visible_documents_with_constant_queries(
    sales, manager, admin_user, as_user, django_assert_max_num_queries
):
    client = as_user(admin_user)
    client.get(reverse("crm:sales_documents"))  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(reverse("crm:sales_documents"), YEAR)
    # Unposted and deleted documents are listed too, with their status.
    assert len(response.context["documents"]) == 6

    response = as_user(manager).get(reverse("crm:sales_documents"), {**YEAR, "product": sales["gel"].pk})
    assert [d.client for d in response.context["documents"]] == [sales["own"], sales["own"]]


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("head", 200), ("admin_user", 200), ("colleague", 404), ("outsider", 404), ("engineer", 403)],
)
def test_the_document_card_follows_the_access_rule(sales, request, as_user, who, status):
    document = sales["own"].sales_documents.filter(kind="shipment", posted=True).first()

    response = as_user(request.getfixturevalue(who)).get(reverse("crm:sales_document_detail", args=[document.pk]))

    assert response.status_code == status


def test_save_as_selection_yields_the_buyers(sales, manager, as_user):
    from crm.models import Selection
    from crm.selections import selection_clients

    response = as_user(manager).post(
        reverse("crm:selection_create"),
        {
            "source": "sales",
            "name": "Gel buyers",
            "query": f"date_from=2026-01-01&date_to=2026-12-31&product={sales['gel'].pk}",
        },
    )

    assert response.status_code == 302
    selection = Selection.objects.get(name="Gel buyers")
    assert list(selection_clients(selection, manager)) == [sales["own"]]


def test_the_document_card_runs_constant_queries(manager, as_user, django_assert_max_num_queries):
    client_record = ClientFactory(responsible=manager)
    products = [make_product() for _ in range(10)]
    document = make_document(client_record, lines=[(p, 1, 10) for p in products], manager=manager)
    make_document(client_record, kind="invoice", lines=[(products[0], 1, 10)])
    http = as_user(manager)
    http.get(reverse("crm:sales_analysis"))

    with django_assert_max_num_queries(9):
        response = http.get(reverse("crm:sales_document_detail", args=[document.pk]))

    assert response.status_code == 200


def test_htmx_requests_get_only_the_results_partial(sales, manager, as_user):
    client = as_user(manager)

    analysis = client.get(reverse("crm:sales_analysis"), YEAR, HTTP_HX_REQUEST="true")
    documents = client.get(reverse("crm:sales_documents"), YEAR, HTTP_HX_REQUEST="true")

    assert b"<html" not in analysis.content and b'data-testid="sales-analysis-table"' in analysis.content
    assert b"<html" not in documents.content and b'data-testid="sales-documents-table"' in documents.content
