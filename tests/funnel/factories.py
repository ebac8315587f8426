"""Factories and a ready-made scenario for the funnel tests."""

import datetime as dt

import factory
from django.utils import timezone

from funnel import models
from tests.factories import ClientFactory, UserFactory


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Scenario

    name = factory.Sequence(lambda n: f"Scenario {n}")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Stage

    scenario = factory.SubFactory(ScenarioFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)


class LossReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.LossReason
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Reason {n}")


class DealFactory(factory.django.DjangoModelFactory):
    """A deal placed directly at a stage (no history, no triggers): for reads and the board."""

    class Meta:
        model = models.Deal

    client = factory.SubFactory(ClientFactory)
    scenario = factory.LazyAttribute(lambda d: d.stage.scenario)
    stage = factory.SubFactory(StageFactory)
    title = factory.Sequence(lambda n: f"Deal {n}")
    amount = 1000
    responsible = factory.LazyAttribute(lambda d: d.client.responsible or UserFactory())
    stage_entered_at = factory.LazyFunction(timezone.now)
    stage_deadline_at = factory.LazyAttribute(
        lambda d: d.stage_entered_at + dt.timedelta(days=d.stage.target_days) if d.stage.target_days else None
    )


def make_scenario(name: str = "Wholesale") -> tuple[models.Scenario, dict[str, models.Stage]]:
    """Incoming request → Invoice → Prepayment → Shipment, then Won and Lost."""
    scenario = ScenarioFactory(name=name)
    spec = [
        ("request", "Incoming request", "open", "", 3, 10),
        ("invoice", "Invoice", "open", "invoice_issued", 5, 40),
        ("paid", "100 % prepayment", "open", "fully_paid", 5, 80),
        ("shipment", "Shipment", "won", "shipped", None, 100),
        ("lost", "Lost", "lost", "", None, 0),
    ]
    stages = {}
    for i, (key, title, outcome, event, target, prob) in enumerate(spec):
        stages[key] = models.Stage.objects.create(
            scenario=scenario,
            name=title,
            position=i,
            outcome=outcome,
            on_event=event,
            target_days=target,
            probability=prob,
        )
    return scenario, stages
