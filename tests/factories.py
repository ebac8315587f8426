"""factory_boy factories of the core models; later apps add theirs in tests/<app>/factories.py."""

import datetime as dt

import factory
from django.utils import timezone

from crm import models


def _inn10(n: int) -> str:
    """Build a valid 10-digit INN from a sequence number."""
    body = f"77{n:07d}"[:9]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10
    return body + str(check)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Region
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Region {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = "manager"
    region = factory.SubFactory(RegionFactory)
    language = "en"
    password = factory.django.Password("pass")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Client

    kind = "customer"
    name = factory.Sequence(lambda n: f"ООО «Компания {n}»")
    inn = factory.Sequence(_inn10)
    region = factory.LazyAttribute(lambda c: c.responsible.region if c.responsible else None)
    responsible = factory.SubFactory(UserFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contact

    client = factory.SubFactory(ClientFactory)
    last_name = factory.Sequence(lambda n: f"Иванов{n}")
    first_name = "Иван"
    middle_name = "Иванович"
    position = "Главный инженер"


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ContactPoint

    kind = "phone"
    value = factory.Sequence(lambda n: f"+7 495 {n % 1000:03d}-{n % 100:02d}-{(n * 7) % 100:02d}")
    normalized = factory.LazyAttribute(lambda p: "+7495" + "".join(ch for ch in p.value if ch.isdigit())[4:])


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Interaction

    kind = "call_out"
    occurred_at = factory.LazyFunction(timezone.now)
    client = factory.SubFactory(ClientFactory)
    subject = factory.Sequence(lambda n: f"Call {n}")
    author = factory.LazyAttribute(lambda i: i.client.responsible)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Task

    title = factory.Sequence(lambda n: f"Task {n}")
    assignee = factory.SubFactory(UserFactory)
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
