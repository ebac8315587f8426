import datetime as dt
import importlib.machinery
import sys
import types
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client as HttpClient

from crm.demo.seed import seed_demo
from crm.models import Client, Contact, ContactPoint, Interaction, Region, Task, User
from crm.normalize import name_key, normalize_phone
from crm.validators import is_valid_inn

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _core_only(monkeypatch):
    """Leave the other apps' demo seeders out: these tests are about the core and the hook."""
    monkeypatch.setattr("crm.demo.seed.apps.get_app_configs", lambda: [])


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _quiet(_message: str) -> None:
    pass


def _snapshot() -> dict:
    return {
        "clients": list(
            Client.objects.order_by("inn").values_list(
                "inn", "kpp", "name", "kind", "status", "responsible__username", "region__code", "last_interaction_at"
            )
        ),
        "contacts": list(
            Contact.objects.order_by("client__inn", "last_name", "first_name", "birthday").values_list(
                "client__inn", "last_name", "first_name", "middle_name", "position", "birthday"
            )
        ),
        "interactions": sorted(
            Interaction.objects.values_list("client__inn", "kind", "occurred_at", "subject", "author__username")
        ),
        "tasks": sorted(Task.objects.values_list("client__inn", "title", "status", "due_at", "assignee__username")),
        "points": sorted(ContactPoint.objects.values_list("kind", "value", "normalized")),
    }


def _wipe_clients() -> None:
    Task.objects.all().delete()
    Interaction.objects.all().delete()
    ContactPoint.objects.all().delete()
    Contact.objects.all().delete()
    Client.objects.all().delete()


def test_it_creates_the_demo_logins_with_their_roles_and_regions(frozen):
    seed_demo(clients=30, seed=1, log=_quiet)

    users = {u.username: u for u in User.objects.select_related("region")}
    region_a = users["head"].region
    assert users["admin"].role == "admin"
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert (users["head"].role, users["manager"].role, users["engineer"].role) == ("head", "manager", "engineer")
    assert users["manager"].region == region_a == users["engineer"].region
    assert users["manager2"].role == "manager"
    assert users["manager2"].region != region_a
    assert region_a.name == "Москва и Московская область"
    assert users["manager2"].region.name == "Санкт-Петербург и Ленинградская область"
    assert region_a.service_engineer == users["engineer"]
    assert users["manager2"].region.service_engineer == users["engineer2"]
    assert {u.language for u in users.values()} == {"ru"}
    assert "Asia/Vladivostok" in {u.time_zone for u in users.values()}
    assert all(u.check_password("demo") for u in users.values())
    assert all(u.last_name and u.first_name and u.patronymic for u in users.values())


@pytest.mark.parametrize("username", ["admin", "head", "manager", "manager2", "engineer"])
def test_demo_users_can_log_in_with_password_demo(username):
    seed_demo(clients=5, seed=1, log=_quiet)

    response = HttpClient().post("/accounts/login/", {"username": username, "password": "demo"})

    assert response.status_code == 302
    assert "_auth_user_id" in response.client.session


def test_it_creates_realistic_clients_with_contacts_history_and_tasks(frozen):
    seed_demo(clients=30, seed=3, log=_quiet)

    clients = list(Client.objects.all())
    assert len(clients) == 30
    assert all(is_valid_inn(c.inn) for c in clients)
    assert len({c.inn for c in clients}) == 30
    assert all(c.name_key == name_key(c.name) for c in clients)
    assert all(len(c.kpp) == 9 for c in clients if len(c.inn) == 10)
    assert all(c.responsible is None or c.responsible.region_id == c.region_id for c in clients)
    assert 30 <= Contact.objects.count() <= 150
    assert Interaction.objects.count() >= 100
    phones = ContactPoint.objects.filter(kind="phone")
    assert phones.exists()
    assert all(normalize_phone(p.value) == p.normalized for p in phones)
    assert all(p.normalized.startswith("+7") for p in phones)
    for client in clients:
        latest = client.interactions.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
        assert client.last_interaction_at == latest
    assert all(i.occurred_at < NOW for i in Interaction.objects.all())
    assert Client.objects.forgotten(now=NOW).exists()
    assert Task.objects.filter(status="open").exists()
    assert Task.objects.filter(status="done").exists()


def test_regions_are_named_in_russian(frozen):
    seed_demo(clients=3, seed=1, log=_quiet)

    assert set(Region.objects.values_list("code", flat=True)) >= {"MOW", "SPE"}


def test_the_same_seed_gives_the_same_data(frozen):
    seed_demo(clients=30, seed=42, log=_quiet)
    first = _snapshot()
    _wipe_clients()

    seed_demo(clients=30, seed=42, log=_quiet)

    assert _snapshot() == first


def test_another_seed_gives_other_data(frozen):
    seed_demo(clients=30, seed=1, log=_quiet)
    first = _snapshot()
    _wipe_clients()

    seed_demo(clients=30, seed=2, log=_quiet)

    assert _snapshot()["clients"] != first["clients"]


def test_a_second_run_changes_nothing_and_says_so(frozen):
    call_command("seed_demo", clients=30, seed=1, stdout=StringIO())
    before = _snapshot()
    users = User.objects.count()

    out = StringIO()
    call_command("seed_demo", clients=30, seed=1, stdout=out)

    assert "already there" in out.getvalue()
    assert _snapshot() == before
    assert User.objects.count() == users


def test_force_extra_adds_clients_without_touching_existing_ones(frozen):
    seed_demo(clients=10, seed=1, log=_quiet)
    before = set(Client.objects.values_list("pk", "inn"))

    seed_demo(clients=5, seed=2, force_extra=True, log=_quiet)

    after = set(Client.objects.values_list("pk", "inn"))
    assert before < after
    assert len(after) == 15
    assert len({inn for _pk, inn in after}) == 15


def test_it_passes_a_context_with_the_options_to_each_apps_demo_seeder(frozen, monkeypatch):
    calls = []
    module = types.ModuleType("fakeapp.demo")
    module.__spec__ = importlib.machinery.ModuleSpec("fakeapp.demo", None)
    module.seed = calls.append
    monkeypatch.setitem(sys.modules, "fakeapp.demo", module)
    fake_config = types.SimpleNamespace(name="fakeapp", label="fakeapp")
    monkeypatch.setattr("crm.demo.seed.apps.get_app_configs", lambda: [fake_config])

    call_command("seed_demo", clients=4, seed=1, equipment=7, deals=3, stdout=StringIO())
    call_command("seed_demo", clients=4, seed=1, stdout=StringIO())

    assert len(calls) == 2
    ctx = calls[0]
    assert ctx.created is True
    assert ctx.options["equipment"] == 7
    assert ctx.options["deals"] == 3
    assert ctx.options["clients"] == 4
    assert sorted(ctx.client_ids) == sorted(Client.objects.values_list("pk", flat=True))
    assert ctx.users["manager"].username == "manager"
    assert {u.role for u in ctx.managers} == {"manager"}
    assert set(ctx.regions) >= {"A", "B"}
    assert ctx.today == dt.date(2026, 3, 10)
    assert calls[1].created is False
    assert calls[1].options["equipment"] is None


def test_skip_apps_leaves_those_apps_seeders_out(frozen, monkeypatch):
    calls = []
    module = types.ModuleType("fakeapp.demo")
    module.__spec__ = importlib.machinery.ModuleSpec("fakeapp.demo", None)
    module.seed = calls.append
    monkeypatch.setitem(sys.modules, "fakeapp.demo", module)
    fake_config = types.SimpleNamespace(name="fakeapp", label="fakeapp")
    monkeypatch.setattr("crm.demo.seed.apps.get_app_configs", lambda: [fake_config])

    call_command("seed_demo", clients=2, seed=1, skip_apps="other,fakeapp", stdout=StringIO())

    assert calls == []
    assert Client.objects.count() == 2
