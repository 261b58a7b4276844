"""The values the indicator engine returns: figures, tables and a set of both.

Everything here is immutable and JSON-friendly, so a set can be frozen as a
report snapshot (``IndicatorSet.as_dict()``) and shown again unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.periods import Period

from .scope import IndicatorScope

Number = int | float | None


@dataclass(frozen=True)
class Figure:
    """One number with its definition key (see docs/indicators.md)."""

    key: str  # e.g. "pupils_reached"
    label: str  # translated label
    value: Number
    target: int | None = None  # from the agreement's Target where one exists
    unit: str = ""  # "", "%", "hours", "days", "months", "points"
    is_count: bool = True  # counts of persons get small-number suppression

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "value": self.value,
            "target": self.target,
            "unit": self.unit,
            "is_count": self.is_count,
        }


@dataclass(frozen=True)
class Table:
    """A breakdown, e.g. reach by neighbourhood."""

    key: str
    title: str
    columns: tuple[str, ...]  # column labels
    rows: tuple[tuple[str, tuple[Number, ...]], ...]  # (row label, values)
    totals: tuple[Number, ...] | None = None  # column totals row, if any
    counts: bool = True  # cells are counts of persons (suppress)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": str(self.title),
            "columns": [str(c) for c in self.columns],
            "rows": [[str(label), list(values)] for label, values in self.rows],
            "totals": list(self.totals) if self.totals is not None else None,
            "counts": self.counts,
        }


def by_key(items, key: str):
    """The item whose ``key`` is ``key`` (figures and tables are few: a scan is fine)."""
    for item in items:
        if item.key == key:
            return item
    raise KeyError(key)


@dataclass(frozen=True)
class IndicatorSet:
    """Every figure and table for one scope and one period."""

    scope: IndicatorScope
    period: Period
    figures: tuple[Figure, ...]
    tables: tuple[Table, ...]

    def figure(self, key: str) -> Figure:
        return by_key(self.figures, key)

    def table(self, key: str) -> Table:
        return by_key(self.tables, key)

    def as_dict(self) -> dict:
        """JSON-serialisable and stable: same data, same dict (keys in a fixed order)."""
        return {
            "scope": self.scope.as_dict(),
            "period": {
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
                "label": self.period.label,
            },
            "figures": [figure.as_dict() for figure in self.figures],
            "tables": [table.as_dict() for table in self.tables],
        }
