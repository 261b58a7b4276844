"""A volunteer's record: contact details, the profile for matching, weekly availability.

The status is changed in ``status``; creating a volunteer writes the first
line of the status history (registered as applicant).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.models import Weekday
from municipality.models import Neighbourhood

from ..models import Availability, Initiative, Programme, Volunteer, VolunteerStatusChange
from .common import FieldError, active_pupils, ensure_not_anonymised, require_leader

S = Volunteer.Status

SCHOOL_LEVELS = ("PO", "VO")
MAX_CAPACITY = 20
MAX_TRAVEL_KM = 200
MAX_SLOTS = 21

Slot = tuple[int, dt.time, dt.time]


@dataclass(frozen=True)
class VolunteerProfile:
    """Contact details and everything matching looks at."""

    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""
    postcode: str = ""
    date_of_birth: dt.date | None = None
    neighbourhood_ids: Sequence[int] = field(default_factory=tuple)
    programme_ids: Sequence[int] = field(default_factory=tuple)  # empty: every programme
    max_travel_km: int | None = None
    online_possible: bool = False
    languages: Sequence[str] = field(default_factory=tuple)
    subjects: Sequence[str] = field(default_factory=tuple)
    school_levels: Sequence[str] = field(default_factory=tuple)
    education_level: str = ""
    capacity: int = 1


def _clean_words(values: Iterable[str]) -> list[str]:
    """Stripped, without empties and duplicates (ignoring case), in the given order."""
    seen: set[str] = set()
    result = []
    for value in values:
        word = " ".join(str(value).split())
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            result.append(word)
    return result


def _apply_profile(
    volunteer: Volunteer, initiative: Initiative, profile: VolunteerProfile
) -> tuple[list[int], list[int]]:
    """Copy the profile onto ``volunteer`` and validate it; returns the M2M ids."""
    errors: dict[str, list[str]] = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    volunteer.first_name = profile.first_name.strip()
    volunteer.last_name = profile.last_name.strip()
    volunteer.email = profile.email.strip()
    volunteer.phone = profile.phone.strip()
    volunteer.postcode = profile.postcode.strip().upper()
    volunteer.date_of_birth = profile.date_of_birth
    volunteer.max_travel_km = profile.max_travel_km
    volunteer.online_possible = profile.online_possible
    volunteer.languages = _clean_words(profile.languages)
    volunteer.subjects = _clean_words(profile.subjects)
    volunteer.school_levels = [level for level in SCHOOL_LEVELS if level in profile.school_levels]
    volunteer.education_level = profile.education_level
    volunteer.capacity = profile.capacity

    if not volunteer.first_name:
        error("first_name", _("Enter the first name."))
    if not volunteer.last_name:
        error("last_name", _("Enter the last name."))
    if profile.date_of_birth and profile.date_of_birth > timezone.localdate():
        error("date_of_birth", _("The date of birth cannot be in the future."))
    if not 1 <= profile.capacity <= MAX_CAPACITY:
        error(
            "capacity",
            _("A volunteer takes between 1 and %(max)s pupils at once.") % {"max": MAX_CAPACITY},
        )
    elif volunteer.pk:
        active = active_pupils(volunteer)
        if profile.capacity < active:
            error(
                "capacity",
                ngettext(
                    "This volunteer is matched with %(active)s pupil now; "
                    "the capacity cannot be lower.",
                    "This volunteer is matched with %(active)s pupils now; "
                    "the capacity cannot be lower.",
                    active,
                )
                % {"active": active},
            )
    if profile.max_travel_km is not None and not 0 <= profile.max_travel_km <= MAX_TRAVEL_KM:
        error(
            "max_travel_km",
            _("Enter a distance between 0 and %(max)s km.") % {"max": MAX_TRAVEL_KM},
        )
    unknown_levels = set(profile.school_levels) - set(SCHOOL_LEVELS)
    if unknown_levels:
        error("school_levels", _("Choose PO, VO or both."))

    neighbourhood_ids = sorted(set(profile.neighbourhood_ids))
    if neighbourhood_ids:
        allowed = set(
            Neighbourhood.objects.filter(
                pk__in=neighbourhood_ids, municipality__initiatives=initiative
            ).values_list("pk", flat=True)
        )
        if set(neighbourhood_ids) - allowed:
            error(
                "neighbourhoods",
                _("Choose neighbourhoods of the municipalities where %(initiative)s works.")
                % {"initiative": initiative.name},
            )
    programme_ids = sorted(set(profile.programme_ids))
    if programme_ids:
        allowed = set(
            Programme.objects.filter(pk__in=programme_ids, initiative=initiative).values_list(
                "pk", flat=True
            )
        )
        if set(programme_ids) - allowed:
            error(
                "programmes",
                _("Choose programmes of %(initiative)s.") % {"initiative": initiative.name},
            )

    try:
        volunteer.clean_fields(
            exclude=[
                "initiative",
                "user",
                "status",
                "languages",
                "subjects",
                "school_levels",
                "intake_date",
                "intake_notes",
                "start_date",
                "end_date",
                "stop_reason",
                *errors,
            ]
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                error(name, message)
    if errors:
        raise ValidationError(errors)
    return neighbourhood_ids, programme_ids


def _clean_slots(slots: Iterable[Slot]) -> list[Slot]:
    """Validate weekly slots: a real weekday, end after start, no overlaps."""
    cleaned = sorted((int(day), start, end) for day, start, end in slots)
    problems: list[str] = []
    if len(cleaned) > MAX_SLOTS:
        problems.append(_("Enter at most %(max)s time slots.") % {"max": MAX_SLOTS})
    for day, start, end in cleaned:
        if day not in Weekday.values:
            problems.append(_("Choose a day of the week."))
        elif end <= start:
            problems.append(
                _("On %(day)s the slot ends at %(end)s, not after it starts at %(start)s.")
                % {
                    "day": Weekday(day).label.lower(),
                    "start": formats.time_format(start, "H:i"),
                    "end": formats.time_format(end, "H:i"),
                }
            )
    for (day, start, end), (next_day, next_start, next_end) in itertools.pairwise(cleaned):
        if day == next_day and next_start < end and day in Weekday.values:
            problems.append(
                _("On %(day)s the slots %(first)s and %(second)s overlap.")
                % {
                    "day": Weekday(day).label.lower(),
                    "first": f"{formats.time_format(start, 'H:i')}-"
                    f"{formats.time_format(end, 'H:i')}",
                    "second": f"{formats.time_format(next_start, 'H:i')}-"
                    f"{formats.time_format(next_end, 'H:i')}",
                }
            )
    if problems:
        raise FieldError({"availability": problems}, code="invalid_availability")
    return cleaned


def _replace_availability(volunteer: Volunteer, slots: list[Slot]) -> None:
    volunteer.availability.all().delete()
    Availability.objects.bulk_create(
        Availability(volunteer=volunteer, weekday=day, start_time=start, end_time=end)
        for day, start, end in slots
    )


def _save_profile(
    volunteer: Volunteer,
    initiative: Initiative,
    profile: VolunteerProfile,
    availability: Iterable[Slot] | None,
) -> None:
    """Validate the profile and the slots (``None``: leave them), then save them.

    Both are checked before anything is saved, so one error lists every problem.
    """
    errors = {}
    try:
        neighbourhood_ids, programme_ids = _apply_profile(volunteer, initiative, profile)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    slots = None
    if availability is not None:
        try:
            slots = _clean_slots(availability)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    volunteer.save()
    volunteer.neighbourhoods.set(neighbourhood_ids)
    volunteer.programmes.set(programme_ids)
    if slots is not None:
        _replace_availability(volunteer, slots)


@transaction.atomic
def volunteer_create(
    *,
    user,
    initiative: Initiative,
    profile: VolunteerProfile,
    availability: Iterable[Slot] = (),
) -> Volunteer:
    """A new applicant. The application is the first line of the status history."""
    require_leader(user, initiative.pk)
    volunteer = Volunteer(initiative=initiative, status=S.APPLICANT)
    _save_profile(volunteer, initiative, profile, availability)
    VolunteerStatusChange.objects.create(
        volunteer=volunteer,
        from_status="",
        to_status=S.APPLICANT,
        date=timezone.localdate(),
        changed_by=user,
    )
    return volunteer


@transaction.atomic
def volunteer_update(
    *,
    user,
    volunteer: Volunteer,
    profile: VolunteerProfile,
    availability: Iterable[Slot] | None = None,
) -> Volunteer:
    """Change the profile; ``availability`` replaces all slots (``None``: leave them)."""
    require_leader(user, volunteer.initiative_id)
    ensure_not_anonymised(volunteer.pk)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    _save_profile(volunteer, volunteer.initiative, profile, availability)
    return volunteer


@transaction.atomic
def volunteer_set_availability(*, user, volunteer: Volunteer, slots: Iterable[Slot]) -> None:
    """Replace the volunteer's weekly slots; invalid input changes nothing."""
    require_leader(user, volunteer.initiative_id)
    # Also locks the volunteer, so two saves at once cannot both add their slots.
    ensure_not_anonymised(volunteer.pk)
    cleaned = _clean_slots(slots)
    _replace_availability(volunteer, cleaned)
