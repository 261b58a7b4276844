"""Fast loading of generated rows into PostgreSQL with COPY, following the models.

``TableWriter`` takes rows as keyword arguments named after the model's
fields (``pupil_id=...``), fills every field that is not given the way the
model would (its default, ``auto_now`` timestamps, ``""`` for a blank text
field, NULL for a nullable one) and refuses a row that leaves out a required
field. Rows are encoded in COPY's text format and streamed through
psycopg 3's ``cursor.copy``. Primary keys are assigned here, so related rows
can point at each other before anything is written; ``reset_sequences``
moves the identity sequences past them afterwards.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable

from django.db import models

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_MISSING = object()


def encode(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, float)):
        return str(value)
    raise TypeError(f"cannot COPY a {type(value).__name__}: {value!r}")


class TableWriter:
    """Rows of one model (or many-to-many table), buffered and copied in chunks."""

    CHUNK = 20_000

    def __init__(self, model: type[models.Model], *, now: dt.datetime, first_id: int = 1):
        self.model = model
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.names = [f.attname for f in self.fields]
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        self.defaults = {f.attname: self._default(f, now) for f in self.fields}
        self.next_id = first_id
        self.lines: list[str] = []
        self.count = 0

    @staticmethod
    def _default(field: models.Field, now: dt.datetime):
        if field.primary_key:
            return _MISSING
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.has_default():
            return field.get_default()
        if field.null:
            return None
        if field.blank and isinstance(field, (models.CharField, models.TextField)):
            return ""
        return _MISSING

    def add(self, **values) -> int:
        """Queue one row; returns its primary key."""
        pk = values.pop("id", None)
        if pk is None:
            pk = self.next_id
            self.next_id += 1
        values["id"] = pk
        cells = []
        for name in self.names:
            value = values.get(name, _MISSING)
            if value is _MISSING:
                value = self.defaults[name]
                if value is _MISSING:
                    raise ValueError(f"{self.model.__name__}: {name} is required")
            if name in self.json:
                value = json.dumps(value, ensure_ascii=False)
            cells.append(encode(value))
        self.lines.append("\t".join(cells))
        self.count += 1
        return pk

    def flush(self, cursor) -> None:
        """Copy the queued rows (one COPY statement, streamed in chunks)."""
        if not self.lines:
            return
        self.copy(cursor, self.lines)
        self.lines = []

    def copy(self, cursor, lines: Iterable[str]) -> None:
        columns = ", ".join(f'"{c}"' for c in self.columns)
        statement = f'COPY "{self.table}" ({columns}) FROM STDIN'
        with cursor.copy(statement) as copy:
            chunk: list[str] = []
            for line in lines:
                chunk.append(line)
                if len(chunk) >= self.CHUNK:
                    copy.write("\n".join(chunk) + "\n")
                    chunk = []
            if chunk:
                copy.write("\n".join(chunk) + "\n")


def drop_indexes(cursor, table: str) -> list[str]:
    """Drop the table's plain indexes (not those of its constraints); returns their definitions."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [table],
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in found]


def reset_sequences(cursor, tables: Iterable[str]) -> None:
    for table in tables:
        # The table names come from the models.
        sql = f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
        sql += f'GREATEST((SELECT max(id) FROM "{table}"), 1))'  # noqa: S608
        cursor.execute(sql)
