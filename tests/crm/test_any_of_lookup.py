"""`field__any_of=[ids]`: one array parameter on PostgreSQL, a plain IN elsewhere; same rows either way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Client
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_finds_the_same_rows_as_in_and_nothing_for_an_empty_list():
    owner = UserFactory()
    a, b, c = ClientFactory(responsible=owner), ClientFactory(), ClientFactory(responsible=owner)

    assert set(Client.objects.filter(pk__any_of=[a.pk, c.pk])) == {a, c}
    assert set(Client.objects.filter(responsible__any_of=[owner.pk])) == {a, c}
    assert list(Client.objects.filter(pk__any_of=[])) == []
    assert set(Client.objects.filter(pk__any_of=[b.pk]) | Client.objects.filter(pk=a.pk)) == {a, b}


def test_a_long_list_is_one_parameter_on_postgresql():
    ids = list(range(1, 2001))
    with CaptureQueriesContext(connection) as captured:
        list(Client.objects.filter(pk__any_of=ids))
    sql = captured.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and sql.count("%s") == 0
    else:
        assert " IN (" in sql
