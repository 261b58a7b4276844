"""The weights of the score: the whole score in one place (see the package docstring)."""

from __future__ import annotations

import numpy as np

AVAILABILITY = 35.0
LOCATION = 25.0
ONLINE = 20.0  # location points when sessions can be online instead
LANGUAGE_SHARED = 10.0  # the volunteer speaks a language of the parents
LANGUAGE_INTERPRETER = 20.0  # ... and the parents would otherwise need an interpreter
SUBJECT = 10.0
LEVEL = 7.0
CAPACITY = 3.0
CAPACITY_FULL_AT = 3  # free places that earn the whole capacity bonus
NEUTRAL = 0.5  # share of a part's points when the information is missing
MAX_SCORE = AVAILABILITY + LOCATION + LANGUAGE_INTERPRETER + SUBJECT + LEVEL + CAPACITY
assert MAX_SCORE == 100.0


def points(value: float) -> float:
    """Points as shown: one decimal. The matrix rounds the same way."""
    return float(np.round(value, 1))


def neutral_points(weight: float) -> float:
    """The points of a part whose information is missing on either side."""
    return points(weight * NEUTRAL)


def capacity_points(free: int) -> float:
    return points(CAPACITY * min(free, CAPACITY_FULL_AT) / CAPACITY_FULL_AT)
