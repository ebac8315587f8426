"""Database helpers shared by the apps' migrations and services."""

from collections.abc import Iterator, Sequence
from typing import TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import migrations, models
from django.db.models import CharField, DateField, Func, IntegerField, Lookup, Value


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


class DaysBetween(Func):
    """Whole days from `start` to `end` (two dates): `end - start` on PostgreSQL."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        start, end = self.get_source_expressions()
        return Func(end, start).as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra):
        start, end = self.get_source_expressions()
        return Func(end, start).as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)", arg_joiner=") - julianday("
        )


class PlusDays(Func):
    """`date` plus a whole number of days (an integer expression)."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        # date + integer is a date on PostgreSQL; a bigint (a count's arithmetic) must be cast.
        (date, date_params), (days, days_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({date} + CAST({days} AS integer))", [*date_params, *days_params]

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", ", **extra
        )


class DottedDate(Func):
    """A date as text in DD.MM.YYYY, the notation of the titles triggers write."""

    output_field = CharField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="to_char(%(expressions)s, 'DD.MM.YYYY')", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        (date,) = self.get_source_expressions()
        return Func(Value("%d.%m.%Y"), date, function="strftime").as_sql(compiler, connection)


class RoundedQuotient(Func):
    """`dividend / divisor` of two non-negative integers, rounded half to even as Python's round().

    q + 1 when the remainder is over half the divisor, q + (q mod 2) when it is exactly half.
    """

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (a, a_params), (b, b_params) = (compiler.compile(e) for e in self.get_source_expressions())
        # "%%" is the modulo operator once the driver has substituted the parameters.
        q, r = f"(({a}) / ({b}))", f"(({a}) %% ({b}))"
        sql = f"({q} + CASE WHEN 2 * {r} > ({b}) THEN 1 WHEN 2 * {r} = ({b}) THEN {q} %% 2 ELSE 0 END)"
        # Parameters in the order the placeholders appear in `sql`.
        params = [*a_params, *b_params, *a_params, *b_params, *b_params, *a_params, *b_params, *b_params]
        params += [*a_params, *b_params]
        return sql, params


def register_lookups() -> None:
    """Make `any_of` available on integer columns and foreign keys (CrmConfig.ready)."""
    models.IntegerField.register_lookup(AnyOf)
    models.ForeignKey.register_lookup(AnyOf)
