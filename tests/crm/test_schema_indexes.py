"""Every foreign key has an index that leads with it, on the migrated database."""

import pytest
from django.apps import apps
from django.db import connection, models

pytestmark = pytest.mark.django_db

OUR_APPS = {"crm", "equipment", "funnel", "integrations", "telemarketing"}


def _leading_columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {c["columns"][0] for c in constraints.values() if (c["index"] or c["unique"]) and c["columns"]}


def test_every_foreign_key_leads_an_index():
    """Deleting or merging a row looks up what refers to it: without an index, over the whole table."""
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or not model._meta.managed or model._meta.proxy:
            continue
        leading = _leading_columns(model._meta.db_table)
        for field in model._meta.local_fields:
            if isinstance(field, models.ForeignKey) and field.column not in leading:
                missing.append(f"{model._meta.db_table}.{field.column}")
    assert not missing
