"""One pair at a time: the score of a pupil and a volunteer and a reason for each part.

``explain`` gives six reasons in a fixed order (availability, location or
online, language, subject, level, capacity); the score is their sum. The
vectorised ``matrix.score_components`` computes the same points for many
pairs at once; a test holds the two together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import formats
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .profiles import DUTCH, PO, VO, PupilProfile, Slot, VolunteerProfile
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


@dataclass(frozen=True)
class Reason:
    """One line of explanation under a score."""

    code: str  # "availability", "location", "language", "subject", "level", "capacity", "online"
    text: str  # translated sentence, e.g. "Both are available on Wednesday 14:00-16:00."
    points: float  # contribution to the score (may be 0)


def _neutral(code: str, text: str, weight: float) -> Reason:
    """The reason for a part whose information is missing: half its points."""
    return Reason(code, text, neutral_points(weight))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_name(weekday: int) -> str:
    """The weekday's name as the active language writes it mid-sentence ("woensdag")."""
    return formats.date_format(dt.date(2024, 1, weekday), "l")  # 1 January 2024: a Monday


def overlap(a: Sequence[Slot], b: Sequence[Slot]) -> list[Slot]:
    """The weekly time both merged slot lists share."""
    shared: list[Slot] = []
    for day, start, end in a:
        for other_day, other_start, other_end in b:
            if other_day == day:
                lo, hi = max(start, other_start), min(end, other_end)
                if lo < hi:
                    shared.append((day, lo, hi))
    return sorted(shared)


def _availability_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "availability"
    if not pupil.slots:
        return _neutral(
            code,
            _("No availability recorded for the pupil, so this counts as neutral."),
            AVAILABILITY,
        )
    if not volunteer.slots:
        return _neutral(
            code,
            _("No availability recorded for the volunteer, so this counts as neutral."),
            AVAILABILITY,
        )
    shared = overlap(pupil.slots, volunteer.slots)
    minutes = sum(end - start for _day, start, end in shared)
    if not minutes:
        return Reason(code, _("Their weekly availability does not overlap."), 0.0)
    slots = get_text_list(
        [f"{day_name(day)} {_clock(s)}-{_clock(e)}" for day, s, e in shared],
        _("and"),
    )
    earned = points(AVAILABILITY * min(1.0, minutes / pupil.minutes_needed))
    values = {"slots": slots, "minutes": minutes, "needed": pupil.minutes_needed}
    if minutes >= pupil.minutes_needed:
        text = _("Both are available on %(slots)s (%(minutes)s minutes a week).") % values
    else:
        text = (
            _(
                "Both are available on %(slots)s (%(minutes)s minutes a week, "
                "less than the %(needed)s minutes the sessions take)."
            )
            % values
        )
    return Reason(code, text, earned)


def _location_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "location"
    shared = pupil.places & volunteer.reach
    if shared:
        # prefer naming the neighbourhood over the postcode area
        place = min(shared, key=lambda p: (p[0] != "n", str(p[1])))
        if place[0] == "n":
            text = _("Goes to %(neighbourhood)s, where the pupil lives.") % {
                "neighbourhood": pupil.place_labels.get(place, "")
            }
        else:
            text = _("Goes to postcode area %(area)s, where the pupil lives.") % {"area": place[1]}
        return Reason(code, text, points(LOCATION))
    if pupil.online and volunteer.online_possible:
        return Reason("online", _("Can work online, which this programme allows."), points(ONLINE))
    if not pupil.places:
        return _neutral(
            code,
            _(
                "The pupil's neighbourhood and postcode are not recorded, "
                "so this counts as neutral."
            ),
            LOCATION,
        )
    if not volunteer.reach:
        return _neutral(
            code,
            _("No neighbourhoods recorded for the volunteer, so this counts as neutral."),
            LOCATION,
        )
    named = sorted(
        (p for p in pupil.places if p[0] == "n"), key=lambda p: pupil.place_labels.get(p, "")
    )
    if named:
        text = _("Does not go to %(neighbourhood)s, where the pupil lives.") % {
            "neighbourhood": pupil.place_labels.get(named[-1], "")
        }
    else:
        area = next(p[1] for p in pupil.places if p[0] == "pc")
        text = _("Does not go to postcode area %(area)s, where the pupil lives.") % {"area": area}
    return Reason(code, text, 0.0)


def _language_names(pupil: PupilProfile, keys: Iterable[str]) -> str:
    # the parents' own languages first, Dutch last
    ordered = sorted(keys, key=lambda k: (k == DUTCH, pupil.language_labels.get(k, k)))
    return get_text_list([pupil.language_labels.get(k, k) for k in ordered], _("and"))


def _language_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "language"
    most = LANGUAGE_INTERPRETER if pupil.interpreter_languages else LANGUAGE_SHARED
    if not pupil.languages:
        return _neutral(
            code, _("The parents' language is not recorded, so this counts as neutral."), most
        )
    if not volunteer.languages:
        return _neutral(
            code, _("No languages recorded for the volunteer, so this counts as neutral."), most
        )
    if pupil.interpreter_languages:
        wanted = pupil.interpreter_languages
        fits = _("Speaks %(language)s, so the parents need no interpreter.")
        misses = _("Does not speak %(language)s; the parents need an interpreter.")
    else:
        wanted = pupil.languages
        fits = _("Speaks %(language)s, a language of the parents.")
        misses = _("Speaks none of the parents' languages (%(languages)s).")
    spoken = wanted & volunteer.languages
    if spoken:
        return Reason(code, fits % {"language": _language_names(pupil, spoken)}, points(most))
    names = _language_names(pupil, wanted)
    return Reason(code, misses % {"language": names, "languages": names}, 0.0)


def _subject_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "subject"
    if pupil.wanted_subjects is None:
        return _neutral(
            code,
            _("This programme asks for no particular subject, so this counts as neutral."),
            SUBJECT,
        )
    if not volunteer.subjects:
        return _neutral(
            code, _("No subjects recorded for the volunteer, so this counts as neutral."), SUBJECT
        )
    values = {
        "subjects": get_text_list(list(volunteer.subject_labels), _("and")),
        "support": pupil.support_label,
    }
    if pupil.wanted_subjects & volunteer.subjects:
        text = _("Teaches %(subjects)s, which fits this programme (%(support)s).") % values
        return Reason(code, text, points(SUBJECT))
    text = _("Teaches %(subjects)s, which does not fit this programme (%(support)s).") % values
    return Reason(code, text, 0.0)


def _level_label(level: str) -> str:
    return _("primary school (PO)") if level == PO else _("secondary school (VO)")


def _level_reason(pupil: PupilProfile, volunteer: VolunteerProfile) -> Reason:
    code = "level"
    if pupil.level is None:
        return _neutral(
            code, _("The pupil's year group is not recorded, so this counts as neutral."), LEVEL
        )
    if not volunteer.school_levels:
        return _neutral(
            code,
            _("No school levels recorded for the volunteer, so this counts as neutral."),
            LEVEL,
        )
    values = {"level": _level_label(pupil.level), "grade": pupil.grade_label}
    if pupil.level in volunteer.school_levels:
        text = _("Works with pupils in %(level)s, like this pupil (%(grade)s).") % values
        return Reason(code, text, points(LEVEL))
    values["levels"] = get_text_list(
        [_level_label(v) for v in sorted(volunteer.school_levels) if v in (PO, VO)]
        or sorted(volunteer.school_levels),
        _("and"),
    )
    text = _("Works with pupils in %(levels)s; this pupil is in %(level)s (%(grade)s).") % values
    return Reason(code, text, 0.0)


def _capacity_reason(volunteer: VolunteerProfile) -> Reason:
    free = volunteer.free_capacity
    text = ngettext("%(count)s free place.", "%(count)s free places.", free) % {"count": free}
    return Reason("capacity", text, capacity_points(free))


def explain(pupil: PupilProfile, volunteer: VolunteerProfile) -> tuple[float, tuple[Reason, ...]]:
    """The score of one pair and its reasons, one per part, in a fixed order."""
    reasons = (
        _availability_reason(pupil, volunteer),
        _location_reason(pupil, volunteer),
        _language_reason(pupil, volunteer),
        _subject_reason(pupil, volunteer),
        _level_reason(pupil, volunteer),
        _capacity_reason(volunteer),
    )
    return points(sum(r.points for r in reasons)), reasons


def rank(
    pupil: PupilProfile, volunteers: Sequence[VolunteerProfile], *, limit: int | None = None
) -> list[tuple[VolunteerProfile, float, tuple[Reason, ...]]]:
    """Volunteers for one pupil, best first (ties: more free places, then input order)."""
    scored = [(v, *explain(pupil, v)) for v in volunteers]
    order = sorted(
        range(len(scored)), key=lambda i: (-scored[i][1], -scored[i][0].free_capacity, i)
    )
    chosen = [scored[i] for i in order]
    return chosen if limit is None else chosen[:limit]
