"""Loading what scoring needs from the database, in a fixed number of queries.

``load_pupil_profiles`` and ``load_volunteer_profiles`` build the plain
profiles of ``profiles``; ``eligible_facts`` loads the volunteers the hard
rules allow (``rules.blockers_from_facts``), whatever their number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import QuerySet

from core.models import SchoolGrade
from initiatives.models import Availability, Programme, Volunteer

from ...models import Guardian, Pupil, PupilAvailability, Referral
from ..rules import VolunteerFacts, blockers_from_facts, load_facts, required_trainings
from .profiles import (
    ANY_SUBJECT,
    DUTCH,
    SUPPORT_SUBJECTS,
    Place,
    PupilProfile,
    Slot,
    VolunteerProfile,
    level_of_grade,
    merge_slots,
    normalise_language,
    normalise_level,
    normalise_subject,
    postcode_area,
)

SESSIONS_PER_WEEK = {
    Programme.Frequency.WEEKLY: 1,
    Programme.Frequency.TWICE_WEEKLY: 2,
    Programme.Frequency.FORTNIGHTLY: 1,
}


def _to_minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _weekly_slots(availability: QuerySet, owner: str) -> dict[int, list[Slot]]:
    """Time slots per owner (``owner`` names the owner's id field), in one query."""
    slots: dict[int, list[Slot]] = defaultdict(list)
    for owner_id, weekday, start, end in availability.values_list(
        owner, "weekday", "start_time", "end_time"
    ):
        slots[owner_id].append((weekday, _to_minutes(start), _to_minutes(end)))
    return slots


def _texts(values) -> list[str]:
    """What was typed in a list field, trimmed, without the empty entries."""
    return [str(value).strip() for value in values or [] if str(value).strip()]


def minutes_needed(programme: Programme) -> int:
    return programme.session_minutes * SESSIONS_PER_WEEK.get(programme.session_frequency, 1)


def load_pupil_profiles(
    referrals: Sequence[Referral], programme: Programme
) -> dict[int, PupilProfile]:
    """Profiles keyed by referral pk, in the referrals' order.

    Three queries whatever their number (pupils with their neighbourhood,
    availability, guardians); the referrals need nothing prefetched.
    """
    pupil_ids = {r.pupil_id for r in referrals}
    pupils = {
        p.pk: p
        for p in Pupil.objects.select_related("neighbourhood__parent").filter(pk__in=pupil_ids)
    }
    slots = _weekly_slots(PupilAvailability.objects.filter(pupil_id__in=pupil_ids), "pupil_id")
    guardians: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for pupil_id, language, interpreter in (
        Guardian.objects.filter(pupil_id__in=pupil_ids)
        .order_by("pk")
        .values_list("pupil_id", "language", "interpreter_needed")
    ):
        guardians[pupil_id].append((language, interpreter))

    wanted = SUPPORT_SUBJECTS.get(programme.support_type)
    support_label = (
        Programme.SupportType(programme.support_type).label
        if programme.support_type in Programme.SupportType.values
        else programme.support_type
    )
    needed = minutes_needed(programme)
    profiles: dict[int, PupilProfile] = {}
    for referral in referrals:
        pupil = pupils[referral.pupil_id]
        places: set[Place] = set()
        labels: dict[Place, str] = {}
        neighbourhood = pupil.neighbourhood
        if neighbourhood is not None:
            places.add(("n", neighbourhood.pk))
            labels[("n", neighbourhood.pk)] = neighbourhood.name
            if neighbourhood.parent_id:
                places.add(("n", neighbourhood.parent_id))
                labels[("n", neighbourhood.parent_id)] = neighbourhood.parent.name
        area = postcode_area(pupil.postcode)
        if area:
            places.add(("pc", area))

        # The parents' languages: what the guardians speak; without any
        # recorded, the languages spoken at home.
        recorded = [(lang, need) for lang, need in guardians[pupil.pk] if lang.strip()]
        if not recorded:
            recorded = [(lang, False) for lang in _texts(pupil.home_languages)]
        language_labels: dict[str, str] = {}
        interpreter: set[str] = set()
        for lang, need in recorded:
            key = normalise_language(lang)
            language_labels.setdefault(key, str(lang).strip())
            if need:
                interpreter.add(key)
        if any(need for _lang, need in guardians[pupil.pk]) and not interpreter:
            # a guardian needs an interpreter but left the language blank
            interpreter = {k for k in language_labels if k != DUTCH}

        profiles[referral.pk] = PupilProfile(
            key=referral.pk,
            slots=merge_slots(slots[pupil.pk]),
            places=frozenset(places),
            place_labels=labels,
            languages=frozenset(language_labels),
            interpreter_languages=frozenset(interpreter),
            language_labels=language_labels,
            level=level_of_grade(pupil.grade),
            grade_label=SchoolGrade(pupil.grade).label if pupil.grade else "",
            wanted_subjects=wanted,
            support_label=str(support_label),
            online=programme.online,
            minutes_needed=needed,
        )
    return profiles


def load_volunteer_profiles(facts: Iterable[VolunteerFacts]) -> dict[int, VolunteerProfile]:
    """Profiles keyed by volunteer pk, in two queries (availability, neighbourhoods)."""
    facts = list(facts)
    ids = [f.volunteer.pk for f in facts]
    slots: dict[int, list[Slot]] = defaultdict(list)
    reach: dict[int, set[Place]] = defaultdict(set)
    if ids:
        slots = _weekly_slots(Availability.objects.filter(volunteer_id__in=ids), "volunteer_id")
        for (
            volunteer_id,
            neighbourhood_id,
            postcodes,
        ) in Volunteer.neighbourhoods.through.objects.filter(volunteer_id__in=ids).values_list(
            "volunteer_id", "neighbourhood_id", "neighbourhood__postcodes"
        ):
            reach[volunteer_id].add(("n", neighbourhood_id))
            for code in postcodes or []:
                area = postcode_area(str(code))
                if area:
                    reach[volunteer_id].add(("pc", area))
    profiles: dict[int, VolunteerProfile] = {}
    for f in facts:
        v = f.volunteer
        places = reach[v.pk]
        if not places and postcode_area(v.postcode):
            places = {("pc", postcode_area(v.postcode))}
        subject_labels = tuple(_texts(v.subjects))
        subjects = {normalise_subject(s) for s in subject_labels}
        if subjects:
            subjects.add(ANY_SUBJECT)
        profiles[v.pk] = VolunteerProfile(
            key=v.pk,
            slots=merge_slots(slots[v.pk]),
            reach=frozenset(places),
            online_possible=v.online_possible,
            languages=frozenset(normalise_language(lang) for lang in _texts(v.languages)),
            subjects=frozenset(subjects),
            subject_labels=subject_labels,
            school_levels=frozenset(normalise_level(level) for level in _texts(v.school_levels)),
            free_capacity=f.free_capacity,
        )
    return profiles


def eligible_facts(
    programme: Programme, *, on: dt.date, extra_pupils: int = 1, exclude: int | None = None
) -> list[VolunteerFacts]:
    """Facts of the volunteers who may take ``extra_pupils`` more pupils in ``programme``.

    Six queries whatever the number of volunteers. Only active volunteers of
    the initiative are loaded (leaving out the volunteer ``exclude``, a pk);
    the hard rules then decide, never this filter.
    """
    candidates = Volunteer.objects.filter(
        initiative_id=programme.initiative_id, status=Volunteer.Status.ACTIVE
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    volunteers = list(
        candidates.select_related("initiative").order_by("last_name", "first_name", "pk")
    )
    facts = load_facts(volunteers)
    required = required_trainings(programme)
    return [
        facts[v.pk]
        for v in volunteers
        if not blockers_from_facts(
            facts[v.pk], programme, on=on, required=required, extra_pupils=extra_pupils
        )
    ]
