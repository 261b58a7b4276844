"""The hard rules of matching: who may be matched at all, and why not.

These rules are never broken, neither by a suggestion nor by a batch
proposal nor by a project leader choosing a volunteer by hand: the match
services call ``matching_blockers`` and refuse with its messages.

Facts are loaded in bulk (``load_facts``) so that a batch over a thousand
volunteers costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from initiatives.models import VOG, Programme, Training, TrainingCompletion, Volunteer

from ..models import MatchParticipant


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class VolunteerFacts:
    """What the rules need to know about one volunteer."""

    volunteer: Volunteer
    vog_issued_on: dt.date | None = None
    completed_training_ids: set[int] = field(default_factory=set)
    programme_ids: set[int] = field(default_factory=set)  # empty: every programme
    active_pupils: int = 0

    def vog_valid_until(self) -> dt.date | None:
        if self.vog_issued_on is None:
            return None
        return add_years(self.vog_issued_on, self.volunteer.initiative.vog_max_age_years)

    @property
    def free_capacity(self) -> int:
        return max(0, self.volunteer.capacity - self.active_pupils)


def load_facts(volunteers: Iterable[Volunteer]) -> dict[int, VolunteerFacts]:
    """Facts for many volunteers in four queries, whatever their number.

    The volunteers should come with ``select_related("initiative")``.
    """
    facts = {v.pk: VolunteerFacts(volunteer=v) for v in volunteers}
    ids = list(facts)
    if not ids:
        return facts
    for row in (
        VOG.objects.filter(volunteer_id__in=ids)
        .values("volunteer_id")
        .annotate(newest=Max("issued_on"))
    ):
        facts[row["volunteer_id"]].vog_issued_on = row["newest"]
    for volunteer_id, training_id in TrainingCompletion.objects.filter(
        volunteer_id__in=ids
    ).values_list("volunteer_id", "training_id"):
        facts[volunteer_id].completed_training_ids.add(training_id)
    for volunteer_id, programme_id in Volunteer.programmes.through.objects.filter(
        volunteer_id__in=ids
    ).values_list("volunteer_id", "programme_id"):
        facts[volunteer_id].programme_ids.add(programme_id)
    for volunteer_id, count in active_pupil_counts(ids).items():
        facts[volunteer_id].active_pupils = count
    return facts


def active_pupil_counts(volunteer_ids: Iterable[int]) -> dict[int, int]:
    """Pupils in each volunteer's running matches (volunteers without any are left out)."""
    return dict(
        MatchParticipant.objects.filter(
            match__volunteer_id__in=list(volunteer_ids),
            left_on__isnull=True,
            match__end_date__isnull=True,
        )
        .values("match__volunteer_id")
        .annotate(n=Count("pk"))
        .values_list("match__volunteer_id", "n")
    )


def required_trainings(programme: Programme) -> list[Training]:
    """Trainings required by the initiative for everyone, plus by the programme."""
    return list(
        Training.objects.filter(
            Q(initiative_id=programme.initiative_id, required=True) | Q(required_by=programme)
        )
        .distinct()
        .order_by("name")
    )


def blockers_from_facts(
    facts: VolunteerFacts,
    programme: Programme,
    *,
    on: dt.date,
    required: list[Training],
    extra_pupils: int = 1,
) -> list[str]:
    """Why this volunteer may not take ``extra_pupils`` more pupils in ``programme``.

    An empty list means the volunteer may be matched. Every message is a
    sentence a project leader can act on.
    """
    volunteer = facts.volunteer
    problems: list[str] = []
    if volunteer.initiative_id != programme.initiative_id:
        problems.append(_("This volunteer does not work for the initiative of this programme."))
        return problems
    if facts.programme_ids and programme.pk not in facts.programme_ids:
        problems.append(_("This volunteer does not work in this programme."))
    if volunteer.status != Volunteer.Status.ACTIVE:
        problems.append(
            _("This volunteer is not active (status: %(status)s).")
            % {"status": Volunteer.Status(volunteer.status).label}
        )
    valid_until = facts.vog_valid_until()
    if valid_until is None:
        problems.append(_("No VOG has been recorded for this volunteer."))
    elif valid_until <= on:
        problems.append(
            _("The VOG issued on %(date)s is older than %(years)s years.")
            % {
                "date": formats.date_format(facts.vog_issued_on, "j F Y"),
                "years": volunteer.initiative.vog_max_age_years,
            }
        )
    missing = [t.name for t in required if t.pk not in facts.completed_training_ids]
    if missing:
        problems.append(
            ngettext(
                "Required training not followed: %(names)s.",
                "Required trainings not followed: %(names)s.",
                len(missing),
            )
            % {"names": ", ".join(missing)}
        )
    if facts.active_pupils + extra_pupils > volunteer.capacity:
        problems.append(
            _(
                "No free capacity: already matched with %(active)s of at most "
                "%(capacity)s pupils at once."
            )
            % {"active": facts.active_pupils, "capacity": volunteer.capacity}
        )
    return problems


def matching_blockers(
    volunteer: Volunteer, programme: Programme, *, on: dt.date, extra_pupils: int = 1
) -> list[str]:
    """``blockers_from_facts`` for one volunteer (loads its facts)."""
    facts = load_facts([volunteer])[volunteer.pk]
    return blockers_from_facts(
        facts, programme, on=on, required=required_trainings(programme), extra_pupils=extra_pupils
    )
