"""Many pairs at once: every part's points for all pupils and volunteers, with numpy.

The same rules as ``reasons.explain``, vectorised, for the batch proposal
and the benchmark. A test holds the two together.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from .profiles import PupilProfile, Slot, VolunteerProfile
from .weights import (
    AVAILABILITY,
    LANGUAGE_INTERPRETER,
    LANGUAGE_SHARED,
    LEVEL,
    LOCATION,
    ONLINE,
    SUBJECT,
    capacity_points,
    neutral_points,
    points,
)


def _shares(left: Sequence[frozenset], right: Sequence[frozenset]) -> np.ndarray:
    """Boolean matrix: does left[i] share an element with right[j]?"""
    index: dict = {}
    for items in left:
        for item in items:
            index.setdefault(item, len(index))
    a = np.zeros((len(left), len(index)), dtype=np.float32)
    b = np.zeros((len(right), len(index)), dtype=np.float32)
    for i, items in enumerate(left):
        for item in items:
            a[i, index[item]] = 1.0
    for j, items in enumerate(right):
        for item in items:
            col = index.get(item)
            if col is not None:
                b[j, col] = 1.0
    return (a @ b.T) > 0


def overlap_minutes(
    pupil_slots: Sequence[Sequence[Slot]], volunteer_slots: Sequence[Sequence[Slot]]
) -> np.ndarray:
    """Weekly minutes of shared availability for every pair (merged slots).

    Every day is cut at every start and end anyone has, so each elementary
    segment is either wholly inside a slot or outside it; the overlap is then
    one matrix product of "available in segment" indicators weighted by the
    segments' lengths. Exact, and fast for thousands of rows.
    """
    bounds: dict[int, set[int]] = defaultdict(set)
    for slots in (*pupil_slots, *volunteer_slots):
        for day, start, end in slots:
            bounds[day].update((start, end))
    cuts: dict[int, list[int]] = {}
    first: dict[int, int] = {}
    widths: list[int] = []
    for day in sorted(bounds):
        cuts[day] = sorted(bounds[day])
        first[day] = len(widths)
        widths.extend(np.diff(cuts[day]).tolist())

    def indicators(rows: Sequence[Sequence[Slot]]) -> np.ndarray:
        out = np.zeros((len(rows), len(widths)), dtype=np.float32)
        for i, slots in enumerate(rows):
            for day, start, end in slots:
                lo = first[day] + bisect.bisect_left(cuts[day], start)
                hi = first[day] + bisect.bisect_left(cuts[day], end)
                out[i, lo:hi] = 1.0
        return out

    weights = np.asarray(widths, dtype=np.float32)
    return (indicators(pupil_slots) * weights) @ indicators(volunteer_slots).T


def _part(weight: float, unknown: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """Neutral points where either side is unknown, else all points where they fit, or 0."""
    return np.where(unknown, neutral_points(weight), np.where(fit, points(weight), 0.0))


def score_components(
    pupils: Sequence[PupilProfile], volunteers: Sequence[VolunteerProfile]
) -> dict[str, np.ndarray]:
    """Each part's points for every pupil (rows) and volunteer (columns).

    The same rules as ``explain``, vectorised. Keys: availability, location
    (the online points included), language, subject, level, capacity.
    """
    n, m = len(pupils), len(volunteers)

    def rows(values) -> np.ndarray:
        return np.asarray(values).reshape(n, 1)

    def cols(values) -> np.ndarray:
        return np.asarray(values).reshape(1, m)

    def unknown(pupil_missing, volunteer_missing) -> np.ndarray:
        """Pairs where the pupil's or the volunteer's side is not recorded."""
        return rows([pupil_missing(p) for p in pupils]) | cols(
            [volunteer_missing(v) for v in volunteers]
        )

    def shares(pupil_sets, volunteer_sets) -> np.ndarray:
        return _shares([pupil_sets(p) for p in pupils], [volunteer_sets(v) for v in volunteers])

    # availability: one lookup table per distinct weekly need, so the rounding
    # is exactly that of ``explain``
    minutes = overlap_minutes([p.slots for p in pupils], [v.slots for v in volunteers])
    minutes = minutes.astype(np.int64)
    need = np.asarray([p.minutes_needed for p in pupils], dtype=np.int64)
    availability = np.zeros((n, m))
    longest = int(minutes.max(initial=0))
    for value in np.unique(need):
        table = np.round(AVAILABILITY * np.minimum(1.0, np.arange(longest + 1) / value), 1)
        chosen = need == value
        availability[chosen] = table[minutes[chosen]]
    availability = np.where(
        unknown(lambda p: not p.slots, lambda v: not v.slots),
        neutral_points(AVAILABILITY),
        availability,
    )

    # location (or online)
    online = rows([p.online for p in pupils]) & cols([v.online_possible for v in volunteers])
    location = np.where(
        shares(lambda p: p.places, lambda v: v.reach),
        points(LOCATION),
        np.where(
            online,
            points(ONLINE),
            np.where(
                unknown(lambda p: not p.places, lambda v: not v.reach),
                neutral_points(LOCATION),
                0.0,
            ),
        ),
    )

    # language: weighs more when the parents need an interpreter
    languages_unknown = unknown(lambda p: not p.languages, lambda v: not v.languages)
    language = np.where(
        rows([bool(p.interpreter_languages) for p in pupils]),
        _part(
            LANGUAGE_INTERPRETER,
            languages_unknown,
            shares(lambda p: p.interpreter_languages, lambda v: v.languages),
        ),
        _part(
            LANGUAGE_SHARED,
            languages_unknown,
            shares(lambda p: p.languages, lambda v: v.languages),
        ),
    )

    subject = _part(
        SUBJECT,
        unknown(lambda p: p.wanted_subjects is None, lambda v: not v.subjects),
        shares(lambda p: p.wanted_subjects or frozenset(), lambda v: v.subjects),
    )
    level = _part(
        LEVEL,
        unknown(lambda p: p.level is None, lambda v: not v.school_levels),
        shares(
            lambda p: frozenset({p.level}) if p.level else frozenset(),
            lambda v: v.school_levels,
        ),
    )
    capacity = np.broadcast_to(
        cols([capacity_points(v.free_capacity) for v in volunteers]).astype(np.float64), (n, m)
    )

    return {
        "availability": availability,
        "location": location,
        "language": language,
        "subject": subject,
        "level": level,
        "capacity": capacity,
    }


def score_matrix(
    pupils: Sequence[PupilProfile], volunteers: Sequence[VolunteerProfile]
) -> np.ndarray:
    """Scores 0..100 for every pupil (rows) and volunteer (columns)."""
    parts = score_components(pupils, volunteers)
    return sum(parts.values())
