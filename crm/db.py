"""Database helpers shared by the apps' migrations and services."""

from collections.abc import Iterator, Sequence
from typing import TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import migrations, models
from django.db.models import Lookup


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs only on PostgreSQL (trigram indexes, extensions); a no-op on SQLite."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of `items` of at most `size`: bounded IN lists and batched writes."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AnyOf(Lookup):
    """`field__any_of=[ids]`: one array parameter (`= ANY(%s)`) on PostgreSQL instead of `IN (%s, …)`.

    For a long list of ids known in Python (an engineer's thousand clients) it spares building,
    quoting and parsing a parameter per id; elsewhere it is a plain IN.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet  # as IN does: the query (or this arm of an OR) matches nothing
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register_lookups() -> None:
    """Make `any_of` available on integer columns and foreign keys (CrmConfig.ready)."""
    models.IntegerField.register_lookup(AnyOf)
    models.ForeignKey.register_lookup(AnyOf)
