"""Selections: saved, named filters that yield clients through the viewer's access rule."""

import pytest

from crm.models import Selection
from crm.selections import register_source, selection_clients
from tests.equipment.factories import EquipmentFactory
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_saving_the_journal_filter_as_a_selection(as_user, manager):
    mine = ClientFactory(responsible=manager, name="ООО Атлас-клиент")
    EquipmentFactory(client=mine, manufacturer="Atlas")
    other = ClientFactory(responsible=manager, name="ООО Другой")
    EquipmentFactory(client=other, manufacturer="Kaeser")
    http = as_user(manager)

    response = http.post(
        "/selections/new/",
        {"source": "equipment", "query": "manufacturer=Atlas&page=3&sort=-id", "name": "Atlas owners"},
    )

    selection = Selection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/selections/{selection.pk}/"
    assert selection.params == {"manufacturer": "Atlas"}
    assert selection.owner == manager and selection.source == "equipment"
    body = http.get(f"/selections/{selection.pk}/").content.decode()
    assert "Атлас-клиент" in body and "Другой" not in body


def test_a_shared_selection_yields_only_the_viewers_clients(as_user, manager, colleague):
    EquipmentFactory(client=ClientFactory(responsible=manager, name="ООО Моё"), manufacturer="Atlas")
    EquipmentFactory(client=ClientFactory(responsible=colleague, name="ООО Чужое"), manufacturer="Atlas")
    selection = Selection.objects.create(
        name="S", owner=manager, source="equipment", params={"manufacturer": "Atlas"}, is_shared=True
    )

    body = as_user(colleague).get(f"/selections/{selection.pk}/").content.decode()

    assert "Чужое" in body and "Моё" not in body


def test_a_private_selection_is_404_for_others(as_user, manager, colleague, outsider, admin_user):
    selection = Selection.objects.create(name="S", owner=manager, source="equipment", params={})
    assert as_user(colleague).get(f"/selections/{selection.pk}/").status_code == 404
    assert as_user(outsider).get(f"/selections/{selection.pk}/").status_code == 404
    assert as_user(manager).get(f"/selections/{selection.pk}/").status_code == 200
    assert as_user(admin_user).get(f"/selections/{selection.pk}/").status_code == 200


def test_the_list_shows_own_and_shared_selections(as_user, manager, colleague):
    Selection.objects.create(name="Mine", owner=manager, source="clients", params={})
    Selection.objects.create(name="Shared", owner=colleague, source="clients", params={}, is_shared=True)
    Selection.objects.create(name="Private", owner=colleague, source="clients", params={})
    body = as_user(manager).get("/selections/").content.decode()
    assert "Mine" in body and "Shared" in body and "Private" not in body


def test_the_clients_source_uses_the_clients_filter(manager):
    ClientFactory(responsible=manager, kind="customer", name="ООО Клиент")
    ClientFactory(responsible=manager, kind="prospect", name="ООО Потенциальный")
    selection = Selection(name="S", owner=manager, source="clients", params={"kind": "prospect"})
    assert [c.name for c in selection_clients(selection, manager)] == ["ООО Потенциальный"]


def test_a_registered_source_is_narrowed_by_access(manager, colleague):
    from crm.models import Client

    register_source("test_all", "All", lambda params, user: Client.objects.all())
    ClientFactory(responsible=manager)
    ClientFactory(responsible=colleague)
    selection = Selection(name="S", owner=manager, source="test_all", params={})
    assert selection_clients(selection, manager).count() == 1


def test_bad_input_saves_nothing(as_user, manager):
    http = as_user(manager)
    http.post("/selections/new/", {"source": "nope", "query": "", "name": "X"})
    http.post("/selections/new/", {"source": "equipment", "query": "", "name": "   "})
    assert Selection.objects.count() == 0


def test_only_the_owner_archives(as_user, manager, colleague):
    selection = Selection.objects.create(name="S", owner=manager, source="clients", params={}, is_shared=True)
    assert as_user(colleague).post(f"/selections/{selection.pk}/archive/").status_code == 403
    as_user(manager).post(f"/selections/{selection.pk}/archive/")
    selection.refresh_from_db()
    assert selection.is_archived


def test_the_selection_page_runs_constant_queries(as_user, manager, django_assert_max_num_queries):
    for _ in range(5):
        EquipmentFactory(client=ClientFactory(responsible=manager), manufacturer="Atlas")
    selection = Selection.objects.create(name="S", owner=manager, source="equipment", params={"manufacturer": "Atlas"})
    http = as_user(manager)
    with django_assert_max_num_queries(12):
        http.get(f"/selections/{selection.pk}/")
