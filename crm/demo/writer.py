"""Fast inserts of generated rows: COPY on PostgreSQL, batched executemany elsewhere.

Rows are dicts keyed by the model's column attnames (`client_id`, not `client`); columns a
row leaves out get the field's default, so a field added later with a default does not break
the demo. Nothing here calls save() or sends signals: demo rows are not audited.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import connection as default_connection
from django.db import models
from django.utils import timezone

BATCH_SIZE = 5000


def _copy_text(value: Any) -> str:
    """Encode one value for COPY ... FROM STDIN in the text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class BulkWriter:
    def __init__(self, connection=None) -> None:
        self.connection = connection or default_connection
        self.use_copy = self.connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def allocate_ids(self, model: type[models.Model], count: int) -> list[int]:
        """Reserve `count` primary keys for rows that other rows will point at."""
        if count <= 0:
            return []
        table = model._meta.db_table
        pk = model._meta.pk.column
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
                )
                return [row[0] for row in cursor.fetchall()]
            quoted = self.connection.ops.quote_name
            cursor.execute(f"SELECT MAX({quoted(pk)}) FROM {quoted(table)}")  # noqa: S608 (names from the model)
            start = (cursor.fetchone()[0] or 0) + 1
            return list(range(start, start + count))

    def insert(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
        rows = list(rows)
        if not rows:
            return 0
        fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])]
        now = timezone.now()
        defaults = {}
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                defaults[field.attname] = now
            elif field.attname not in rows[0]:
                defaults[field.attname] = field.get_default()
        columns = [f.attname for f in fields]
        if self.use_copy:
            self._copy(model, fields, [[row.get(c, defaults.get(c)) for c in columns] for row in rows])
        else:
            self._executemany(model, fields, rows, defaults)
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + len(rows)
        return len(rows)

    def _copy(self, model, fields, values: list[list[Any]]) -> None:
        quoted = self.connection.ops.quote_name
        sql = f"COPY {quoted(model._meta.db_table)} ({', '.join(quoted(f.column) for f in fields)}) FROM STDIN"
        with self.connection.cursor() as cursor:
            for start in range(0, len(values), BATCH_SIZE * 10):
                buffer = io.StringIO()
                for row in values[start : start + BATCH_SIZE * 10]:
                    buffer.write("\t".join(_copy_text(v) for v in row))
                    buffer.write("\n")
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)

    def _executemany(self, model, fields, rows, defaults) -> None:
        quoted = self.connection.ops.quote_name
        placeholders = ", ".join(["%s"] * len(fields))
        sql = (
            f"INSERT INTO {quoted(model._meta.db_table)} ({', '.join(quoted(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES ({placeholders})"
        )
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH_SIZE):
                batch = [
                    [f.get_db_prep_save(row.get(f.attname, defaults.get(f.attname)), self.connection) for f in fields]
                    for row in rows[start : start + BATCH_SIZE]
                ]
                cursor.executemany(sql, batch)
