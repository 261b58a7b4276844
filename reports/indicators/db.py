"""Small database helpers: day numbers and medians, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import QuerySet

EPOCH = dt.date(1970, 1, 1)


class DayNumber(models.Func):
    """A date as a whole number of days since 1970-01-01, so dates can be subtracted and summed."""

    output_field = models.IntegerField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday('1970-01-01') is 2440587.5; julianday of any date ends in .5,
        # so the difference is a whole number.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
            **extra_context,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        # date - date is an integer number of days in PostgreSQL.
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s - DATE '1970-01-01')",
            **extra_context,
        )


class ProbedPerRow(models.Func):
    """``(EXISTS (...)) IS TRUE``: the same truth, checked row by row through an index.

    PostgreSQL turns a plain ``EXISTS`` in ``WHERE`` into a semi-join, and for
    "a held session of this participation's match" it then hashed every
    session of the year in the country (2.1 million rows) to keep the 10,000
    participations of one municipality: 1.0 s. Wrapped, the subquery stays a
    per-row probe of the (match, date) index: 0.12 s. Only for subqueries
    whose outer rows are few next to the rows the subquery reads.
    """

    template = "(%(expressions)s) IS TRUE"
    arity = 1
    output_field = models.BooleanField()


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def middle_values(qs: QuerySet, field: str, count: int) -> list:
    """The one or two middle values of ``field`` in ``qs`` (``count`` rows), from the database.

    The database sorts and skips to the middle (ORDER BY ... LIMIT 2 OFFSET
    (n-1)/2); only those values come back. Always one query, also when the
    set is empty, so the number of queries never depends on the data.
    """
    offset = max(0, (count - 1) // 2)
    values = list(qs.order_by(field).values_list(field, flat=True)[offset : offset + 2])
    if count == 0:
        return []
    return values[:1] if count % 2 else values[:2]


def rounded(value: float | None, digits: int) -> float | None:
    """``value`` rounded to ``digits`` decimals, halves away from zero (3.25 -> 3.3).

    Python's ``round`` rounds halves to even (3.25 -> 3.2), which readers of
    a report would take for a mistake.
    """
    if value is None:
        return None
    step = Decimal(1).scaleb(-digits)
    return float(Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP))
