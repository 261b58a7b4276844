"""Suggested volunteers for one waiting pupil, ranked, with the reasons for each score."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from initiatives.models import Volunteer

from ...models import Referral
from .load import eligible_facts, load_pupil_profiles, load_volunteer_profiles
from .reasons import Reason, rank


@dataclass(frozen=True)
class Suggestion:
    volunteer: Volunteer
    score: float  # 0..100
    reasons: tuple[Reason, ...]
    free_capacity: int


def suggestions_for(
    referral: Referral, *, on: dt.date | None = None, limit: int = 10
) -> list[Suggestion]:
    """Volunteers who may be matched with this referral's pupil, best first.

    Only volunteers without a hard-rule blocker (``rules.blockers_from_facts``)
    are suggested. Twelve queries, whatever the number of volunteers.
    """
    on = on or timezone.localdate()
    referral = Referral.objects.select_related("programme__initiative").get(pk=referral.pk)
    programme = referral.programme
    facts = eligible_facts(programme, on=on)
    if not facts:
        return []
    volunteers = {f.volunteer.pk: f.volunteer for f in facts}
    pupil = load_pupil_profiles([referral], programme)[referral.pk]
    profiles = list(load_volunteer_profiles(facts).values())
    return [
        Suggestion(
            volunteer=volunteers[profile.key],
            score=score,
            reasons=reasons,
            free_capacity=profile.free_capacity,
        )
        for profile, score, reasons in rank(pupil, profiles, limit=limit)
    ]
