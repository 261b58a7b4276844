"""Helpers shared by the demo-world steps: time line, random streams, bulk writes."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from django.db import models
from django.utils import timezone

from core.periods import Period, school_year_start

BATCH_SIZE = 2000


class Clock:
    """The demo's time line: two school years, the previous and the current one.

    Everything that must lie in the past (VOG issue dates, consent, evaluations)
    lies on or before ``latest``, yesterday, so the database's ``<= now()``
    checks hold in every time zone.
    """

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or timezone.localdate()
        self.latest = self.today - dt.timedelta(days=1)
        self.current = school_year_start(self.latest)
        self.previous = self.current - 1
        self.school_years = (self.previous, self.current)

    def period(self, school_year: int) -> Period:
        return Period.school_year(school_year)

    def window(self, school_year: int) -> tuple[dt.date, dt.date]:
        """When referrals and matches of a school year happen: (first day, last day)."""
        if school_year < self.current:
            return dt.date(school_year, 9, 1), dt.date(school_year + 1, 7, 10)
        first = dt.date(school_year, 8, 20)
        if (self.latest - first).days < 21:
            first = dt.date(school_year, 8, 1)
        return first, self.latest

    def clamp(self, day: dt.date, *, limit: dt.date | None = None) -> dt.date:
        return min(day, limit or self.latest)

    @staticmethod
    def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def lerp(start: dt.date, end: dt.date, fraction: float) -> dt.date:
    """The date ``fraction`` of the way from start to end."""
    if end <= start:
        return start
    return start + dt.timedelta(days=int((end - start).days * fraction))


def is_school_holiday(day: dt.date) -> bool:
    """Roughly the holidays of the middle and south regions (Utrecht, Dordrecht)."""
    month, d = day.month, day.day
    return (
        (month == 7 and d >= 12)
        or month == 8
        or (month == 10 and 18 <= d <= 26)
        or (month == 12 and d >= 20)
        or (month == 1 and d <= 4)
        or (month == 2 and 14 <= d <= 22)
        or (month == 4 and d >= 25)
        or (month == 5 and d <= 4)
    )


def streams(seed: int):
    """A factory of independent, reproducible random streams, one per purpose.

    Separate streams keep names stable when only the dates change (a later
    "today" adds sessions but must not rename the pupils).
    """

    def stream(name: str) -> random.Random:
        return random.Random(f"{seed}:{name}")

    return stream


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def bulk(model: type[models.Model], objects: Iterable[models.Model]) -> list:
    """bulk_create in batches; returns the objects with their primary keys set."""
    return model.objects.bulk_create(list(objects), batch_size=BATCH_SIZE)


class BulkWriter:
    """Collects unsaved rows and writes them in batches, to keep memory flat."""

    def __init__(self, model: type[models.Model], batch_size: int = 5000) -> None:
        self.model = model
        self.batch_size = batch_size
        self.pending: list[models.Model] = []
        self.count = 0

    def add(self, obj: models.Model) -> None:
        self.pending.append(obj)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.model.objects.bulk_create(self.pending, batch_size=BATCH_SIZE)
            self.count += len(self.pending)
            self.pending = []
