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
