"""The equipment card: access, history, edit, visits that move dates, archive, photos."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from equipment.models import Equipment, ServiceVisit
from tests.equipment.factories import EquipmentFactory, EquipmentTypeFactory, ProductFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(manager, engineer):
    product = ProductFactory(maintenance_interval_months=6, warranty_months=24, service_life_years=10)
    return EquipmentFactory(
        client=ClientFactory(responsible=manager), product=product, service_responsible=engineer, model="GA-90"
    )


def test_card_access(as_user, unit, manager, colleague, outsider, head, admin_user, engineer):
    for user, status in (
        (manager, 200),
        (head, 200),
        (admin_user, 200),
        (engineer, 200),
        (colleague, 404),
        (outsider, 404),
    ):
        assert as_user(user).get(f"/equipment/{unit.pk}/").status_code == status, user.username


def test_card_queries_are_constant(as_user, unit, engineer, django_assert_max_num_queries):
    for day in range(5):
        ServiceVisit.objects.create(equipment=unit, date=dt.date(2026, 1, 1 + day), kind="repair", engineer=engineer)
    http = as_user(engineer)
    with django_assert_max_num_queries(12):
        http.get(f"/equipment/{unit.pk}/")


def test_a_maintenance_visit_moves_the_dates(as_user, unit, engineer):
    response = as_user(engineer).post(
        f"/equipment/{unit.pk}/visits/new/", {"date": "2026-01-15", "kind": "maintenance", "findings": "OK"}
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.last_maintenance_on == dt.date(2026, 1, 15)
    assert unit.next_maintenance_on == dt.date(2026, 7, 15)
    assert ServiceVisit.objects.get().engineer == engineer


def test_a_repair_visit_sets_the_last_repair(as_user, unit, engineer):
    as_user(engineer).post(f"/equipment/{unit.pk}/visits/new/", {"date": "2026-02-01", "kind": "repair"})
    unit.refresh_from_db()
    assert unit.last_repair_on == dt.date(2026, 2, 1)
    assert unit.last_maintenance_on is None


def test_an_installation_sets_commissioning_and_an_empty_warranty(as_user, unit, engineer):
    as_user(engineer).post(f"/equipment/{unit.pk}/visits/new/", {"date": "2026-02-10", "kind": "installation"})
    unit.refresh_from_db()
    assert unit.commissioned_on == dt.date(2026, 2, 10)
    assert unit.warranty_until == dt.date(2028, 2, 10)
    assert unit.end_of_life_on == dt.date(2036, 2, 10)
    assert unit.next_maintenance_on == dt.date(2026, 8, 10)


def test_an_installation_keeps_a_warranty_already_set(as_user, unit, engineer):
    unit.warranty_until = dt.date(2030, 1, 1)
    unit.save()
    as_user(engineer).post(f"/equipment/{unit.pk}/visits/new/", {"date": "2026-02-10", "kind": "installation"})
    unit.refresh_from_db()
    assert unit.warranty_until == dt.date(2030, 1, 1)


def test_a_visit_in_the_future_is_refused(as_user, unit, engineer):
    response = as_user(engineer).post(
        f"/equipment/{unit.pk}/visits/new/",
        {"date": (dt.date.today() + dt.timedelta(days=10)).isoformat(), "kind": "repair"},
    )
    assert response.status_code == 200 and "date" in response.context["form"].errors
    assert ServiceVisit.objects.count() == 0


def test_managers_may_not_record_visits_or_edit(as_user, unit, manager):
    assert (
        as_user(manager).post(f"/equipment/{unit.pk}/visits/new/", {"date": "2026-01-01", "kind": "repair"}).status_code
        == 403
    )
    assert as_user(manager).get(f"/equipment/{unit.pk}/edit/").status_code == 403


def test_outsiders_get_404_on_every_action(as_user, unit, outsider, region_b):
    from tests.factories import UserFactory

    other_engineer = UserFactory(role="engineer", region=region_b)
    http = as_user(other_engineer)
    assert http.get(f"/equipment/{unit.pk}/edit/").status_code == 404
    assert http.post(f"/equipment/{unit.pk}/visits/new/", {"date": "2026-01-01", "kind": "repair"}).status_code == 404
    assert http.post(f"/equipment/{unit.pk}/archive/").status_code == 404
    assert ServiceVisit.objects.count() == 0


def test_edit_is_audited_field_by_field(as_user, unit, engineer):
    data = {
        "equipment_type": unit.equipment_type_id,
        "manufacturer": "Atlas",
        "model": "GA-91",
        "serial_number": unit.serial_number,
        "source": "manual",
        "status": "under_repair",
        "location": "Цех 2",
        "service_responsible": engineer.pk,
    }
    response = as_user(engineer).post(f"/equipment/{unit.pk}/edit/", data)
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.model == "GA-91" and unit.status == "under_repair"
    body = as_user(engineer).get(f"/equipment/{unit.pk}/").content.decode()
    assert "GA-90" in body and "GA-91" in body


def test_edit_refuses_a_future_production_year(as_user, unit, engineer):
    data = {
        "equipment_type": unit.equipment_type_id,
        "source": "manual",
        "status": "in_operation",
        "production_year": dt.date.today().year + 2,
    }
    response = as_user(engineer).post(f"/equipment/{unit.pk}/edit/", data)
    assert response.status_code == 200 and "production_year" in response.context["form"].errors


def test_archive_keeps_the_record(as_user, unit, engineer):
    as_user(engineer).post(f"/equipment/{unit.pk}/archive/")
    unit.refresh_from_db()
    assert unit.is_archived
    as_user(engineer).post(f"/equipment/{unit.pk}/archive/", {"restore": "1"})
    unit.refresh_from_db()
    assert not unit.is_archived
    assert Equipment.objects.count() == 1


def test_a_photo_that_is_not_an_image_is_refused(as_user, unit, engineer):
    response = as_user(engineer).post(
        f"/equipment/{unit.pk}/photos/", {"photo": SimpleUploadedFile("x.png", b"nope", content_type="image/png")}
    )
    assert response.status_code == 302
    assert unit.photos.count() == 0


def test_equipment_type_defaults(db):
    kind = EquipmentTypeFactory(name="Dryer")
    assert (kind.maintenance_lead_days, kind.warranty_lead_days) == (30, 30)


def _edit_data(unit, engineer, rows, *, initial=0):
    data = {
        "equipment_type": unit.equipment_type_id,
        "manufacturer": unit.manufacturer,
        "model": unit.model,
        "serial_number": unit.serial_number,
        "source": "manual",
        "status": "in_operation",
        "service_responsible": engineer.pk,
        "components-TOTAL_FORMS": len(rows),
        "components-INITIAL_FORMS": initial,
        "components-MIN_NUM_FORMS": 0,
        "components-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data.update({f"components-{index}-{key}": value for key, value in row.items()})
    return data


def test_components_are_added_changed_and_removed_on_the_edit_page_with_history(as_user, unit, engineer):
    from auditlog.models import LogEntry

    from equipment.models import EquipmentComponent

    http = as_user(engineer)
    page = http.get(f"/equipment/{unit.pk}/edit/")
    assert 'data-testid="components"' in page.content.decode()
    part = ProductFactory(name="Блок управления", kind="spare_part")

    added = http.post(
        f"/equipment/{unit.pk}/edit/",
        _edit_data(
            unit,
            engineer,
            [{"name": "Компрессорная головка", "serial_number": "HD-1"}, {"product": part.pk, "serial_number": "CU-7"}],
        ),
    )

    assert added.status_code == 302
    head, unit_ = EquipmentComponent.objects.order_by("pk")
    assert (head.name, head.serial_number) == ("Компрессорная головка", "HD-1")
    assert (unit_.product, unit_.serial_number) == (part, "CU-7")

    changed = http.post(
        f"/equipment/{unit.pk}/edit/",
        _edit_data(
            unit,
            engineer,
            [
                {"id": head.pk, "name": "Компрессорная головка", "serial_number": "HD-2"},
                {"id": unit_.pk, "product": part.pk, "serial_number": "CU-7", "DELETE": "on"},
            ],
            initial=2,
        ),
    )

    assert changed.status_code == 302
    assert list(EquipmentComponent.objects.values_list("serial_number", flat=True)) == ["HD-2"]
    history = LogEntry.objects.filter(content_type__model="equipmentcomponent")
    assert history.filter(action=LogEntry.Action.DELETE, object_repr="Блок управления").exists()
    assert any("HD-1" in str(entry.changes) for entry in history.filter(action=LogEntry.Action.UPDATE))
    body = http.get(f"/equipment/{unit.pk}/").content.decode()
    assert "HD-2" in body and "CU-7" not in body


def test_a_component_row_without_name_or_product_is_an_error_and_saves_nothing(as_user, unit, engineer):
    from equipment.models import EquipmentComponent

    response = as_user(engineer).post(
        f"/equipment/{unit.pk}/edit/", _edit_data(unit, engineer, [{"serial_number": "X-1"}]) | {"model": "GA-99"}
    )

    assert response.status_code == 200
    assert "Enter the component" in response.content.decode()
    assert not EquipmentComponent.objects.exists()
    unit.refresh_from_db()
    assert unit.model == "GA-90"  # the unit's own fields are not saved either


def test_components_of_another_unit_cannot_be_changed_through_this_one(as_user, unit, engineer):
    from equipment.models import EquipmentComponent

    other = EquipmentFactory(client=unit.client)
    foreign = EquipmentComponent.objects.create(equipment=other, name="Чужой узел", serial_number="F-1")

    as_user(engineer).post(
        f"/equipment/{unit.pk}/edit/",
        _edit_data(unit, engineer, [{"id": foreign.pk, "name": "Чужой узел", "serial_number": "F-2"}], initial=1),
    )

    foreign.refresh_from_db()
    assert foreign.serial_number == "F-1" and foreign.equipment == other
    assert not EquipmentComponent.objects.filter(equipment=other).exclude(pk=foreign.pk).exists()
