import pytest
import time_machine
from django.utils import timezone

from crm.services.system import beat_heartbeat_record

pytestmark = pytest.mark.django_db


def test_it_answers_503_until_beat_has_run(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["beat"]["ok"] is False


def test_it_answers_200_when_database_broker_and_beat_are_up(client):
    beat_heartbeat_record()
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


def test_it_reports_a_stale_beat(client):
    with time_machine.travel(timezone.now() - timezone.timedelta(minutes=30)):
        beat_heartbeat_record()
    assert client.get("/healthz").status_code == 503


@pytest.fixture
def beat_is_running(db):
    beat_heartbeat_record()


def test_it_answers_503_when_the_broker_is_down(client, beat_is_running, settings, monkeypatch):
    from crm.celery import app

    nobody_listens = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_URL = nobody_listens
    monkeypatch.setattr(app.conf, "broker_url", nobody_listens)
    monkeypatch.setattr(app.conf, "broker_write_url", None)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True
    assert body["beat"]["ok"] is True


class BrokenConnection:
    """A database connection whose every query fails, as when PostgreSQL is down."""

    vendor = "postgresql"

    def cursor(self):
        from django.db import OperationalError

        raise OperationalError("could not connect to server")


def test_it_answers_503_when_the_database_is_down(client, beat_is_running, monkeypatch):
    from crm.services import system

    monkeypatch.setattr(system, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert body["beat"]["ok"] is False  # not read without a database
    assert "could not connect" not in response.content.decode()  # no details leak out
