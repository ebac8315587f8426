"""The engineer's one-minute phone form: logs equipment found at a client, competitor inline."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Client
from equipment.models import Equipment, EquipmentPhoto
from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

# The smallest valid GIF.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@pytest.fixture
def site(manager, engineer):
    client = ClientFactory(responsible=manager)
    # The engineer services one unit there, so the client is in their scope.
    EquipmentFactory(client=client, service_responsible=engineer)
    return client


def _post(http, data, **files):
    return http.post("/equipment/new/", {**data, **files})


def test_an_engineer_logs_a_competitors_machine_with_a_new_competitor_and_photo(as_user, engineer, site):
    kind = EquipmentTypeFactory(name="Compressor")
    response = _post(
        as_user(engineer),
        {
            "client": site.pk,
            "equipment_type": kind.pk,
            "manufacturer": "Kaeser",
            "model": "SK 15",
            "serial_number": "K-777",
            "production_year": 2018,
            "competitor_name": "ООО «Конкурент»",
            "competitor_inn": "7707083893",
        },
        photo=SimpleUploadedFile("unit.gif", GIF, content_type="image/gif"),
    )
    unit = Equipment.objects.get(serial_number="K-777")
    assert response.status_code == 302 and response["Location"] == f"/equipment/{unit.pk}/"
    assert unit.source == "visit"
    assert unit.competitor.kind == "competitor" and unit.competitor.inn == "7707083893"
    assert unit.service_responsible == engineer
    assert unit.created_by == engineer
    assert EquipmentPhoto.objects.filter(equipment=unit).count() == 1


def test_an_existing_competitor_is_reused_by_inn(as_user, engineer, site):
    existing = ClientFactory(kind="competitor", inn="7707083893", responsible=None, region=None)
    _post(
        as_user(engineer),
        {
            "client": site.pk,
            "equipment_type": EquipmentTypeFactory().pk,
            "competitor_inn": "7707083893",
            "competitor_name": "x",
        },
    )
    assert Equipment.objects.get(source="visit").competitor == existing
    assert Client.objects.filter(kind="competitor").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"production_year": dt.date.today().year + 1}, "production_year"),
        ({"competitor_inn": "1234567890", "competitor_name": "X"}, "competitor_inn"),
        ({"client": ""}, "client"),
        ({"equipment_type": ""}, "equipment_type"),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_saved(as_user, engineer, site, data, field):
    base = {"client": site.pk, "equipment_type": EquipmentTypeFactory().pk, "model": "M"}
    before = Equipment.objects.count()
    response = _post(as_user(engineer), {**base, **data})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Equipment.objects.count() == before
    assert Client.objects.filter(kind="competitor").count() == 0


def test_a_file_that_is_not_an_image_is_refused(as_user, engineer, site):
    response = _post(
        as_user(engineer),
        {"client": site.pk, "equipment_type": EquipmentTypeFactory().pk},
        photo=SimpleUploadedFile("unit.jpg", b"not an image at all", content_type="image/jpeg"),
    )
    assert response.status_code == 200 and "photo" in response.context["form"].errors
    assert Equipment.objects.filter(source="visit").count() == 0


def test_a_too_large_photo_is_refused(as_user, engineer, site, settings):
    settings.EQUIPMENT_PHOTO_MAX_BYTES = 10
    response = _post(
        as_user(engineer),
        {"client": site.pk, "equipment_type": EquipmentTypeFactory().pk},
        photo=SimpleUploadedFile("unit.gif", GIF, content_type="image/gif"),
    )
    assert response.status_code == 200
    assert "too large" in str(response.context["form"].errors["photo"])
    assert Equipment.objects.filter(source="visit").count() == 0


def test_a_client_outside_the_users_scope_cannot_be_chosen(as_user, colleague, manager):
    foreign = ClientFactory(responsible=manager)
    response = _post(as_user(colleague), {"client": foreign.pk, "equipment_type": EquipmentTypeFactory().pk})
    assert "client" in response.context["form"].errors
    assert Equipment.objects.count() == 0


def test_client_autocomplete_offers_only_visible_clients(as_user, manager, colleague):
    ClientFactory(responsible=manager, name="ООО Ромашка")
    assert "Ромашка" in as_user(manager).get("/equipment/clients/", {"client_search": "Ромаш"}).content.decode()
    assert "Ромашка" not in as_user(colleague).get("/equipment/clients/", {"client_search": "Ромаш"}).content.decode()
