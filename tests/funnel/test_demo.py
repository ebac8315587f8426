"""The funnel's demo data: two scenarios, deals at every stage, won and lost with reasons, history; idempotent."""

import random

import pytest
from django.utils import timezone

from crm.demo import DemoContext
from crm.demo.writer import BulkWriter
from funnel import demo
from funnel.models import Deal, Scenario, StageChange
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_seed_creates_a_year_of_deals_once(manager, colleague, head):
    clients = [ClientFactory(responsible=u, region=u.region) for u in (manager, colleague, head) for _ in range(5)]
    ctx = DemoContext(
        rng=random.Random(1),
        today=timezone.localdate(),
        now=timezone.now(),
        users={},
        managers=[manager, colleague],
        regions={},
        client_ids=[c.pk for c in clients],
        options={"deals": 300},
        writer=BulkWriter(),
        log=lambda message: None,
    )
    demo.seed(ctx)
    assert Scenario.objects.count() == 2
    assert Deal.objects.count() == 300
    wholesale = Scenario.objects.get(name="Оптовая продажа")
    open_stages = set(wholesale.stages.filter(outcome="open").values_list("pk", flat=True))
    assert open_stages <= set(Deal.objects.filter(status="open").values_list("stage_id", flat=True))
    assert Deal.objects.filter(status="won").exists()
    lost = Deal.objects.filter(status="lost")
    assert lost.exists() and not lost.filter(loss_reason__isnull=True).exists()
    assert not lost.filter(lost_from_stage__isnull=True).exists()
    # Every deal's history starts with its creation and ends at its current stage.
    assert StageChange.objects.filter(from_stage__isnull=True).count() == 300
    demo.seed(ctx)
    assert Deal.objects.count() == 300
