"""Periods: school years (1 August - 31 July) and calendar years."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def school_year_start(day: dt.date) -> int:
    """The calendar year in which the school year containing ``day`` started."""
    return day.year if day.month >= 8 else day.year - 1


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    @classmethod
    def school_year(cls, start_year: int) -> Period:
        return cls(dt.date(start_year, 8, 1), dt.date(start_year + 1, 7, 31))

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        if self.start.month == 8 and self.start.day == 1 and self.end.year == self.start.year + 1:
            return f"{self.start.year}-{self.end.year}"
        if self.start == dt.date(self.start.year, 1, 1) and self.end == dt.date(
            self.start.year, 12, 31
        ):
            return str(self.start.year)
        return f"{self.start.isoformat()} - {self.end.isoformat()}"


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"
