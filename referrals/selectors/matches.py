"""Reads for the matching pages: the matches a user sees, a pupil's match history,
and the volunteers who may be matched.

The matching pages show matches to project leaders (their initiatives') and
volunteers (their own running ones) only: ``matches_for``, not
``Match.objects.visible_to``, which also lets a school see its pupils' matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.scope import scope_for
from initiatives.models import Programme, Volunteer

from ..matching.scoring import eligible_facts
from ..models import Match, MatchParticipant, Pupil, PupilAvailability, Referral


def matches_for(user) -> QuerySet[Match]:
    """The matches of the user's initiatives as leader, and their own active ones as volunteer.

    Not ``Match.objects.visible_to``: that also lets a school see its
    pupils' matches, which these pages do not show.
    """
    # The rule of ``visible_to``, leaving out the part that is the school's.
    scope = replace(scope_for(user), school_ids=frozenset())
    if scope.is_superuser:
        return Match.objects.all()
    condition = Match.objects.scope_filter(scope)
    return Match.objects.filter(condition) if condition is not None else Match.objects.none()


def sessions_held_count():
    """Held tutoring sessions of the outer match: a subquery, no query per row.

    What the match's pages and the API count as sessions (meetings) held.
    """
    from ..models import ContactMoment

    held = (
        ContactMoment.objects.filter(
            match_id=OuterRef("pk"),
            kind=ContactMoment.Kind.SESSION,
            attendance=ContactMoment.Attendance.HELD,
        )
        .order_by()
        .values("match_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def with_meetings_held(matches: QuerySet[Match]) -> QuerySet[Match]:
    """Annotate ``meetings_held``: held sessions of each match."""
    return matches.annotate(meetings_held=sessions_held_count())


def match_detail(*, user, pk: int) -> Match:
    """One match of ``matches_for(user)`` (else 404): programme, volunteer, ``meetings_held``."""
    return get_object_or_404(
        with_meetings_held(matches_for(user).select_related("programme__initiative", "volunteer")),
        pk=pk,
    )


def match_list(*, user, active: bool) -> QuerySet[Match]:
    """Running matches, newest first, or ended ones, last ended first; pupils prefetched."""
    order = ("-start_date", "-pk") if active else ("-end_date", "-pk")
    return (
        matches_for(user)
        .filter(end_date__isnull=active)
        .select_related("programme", "volunteer")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=MatchParticipant.objects.select_related("pupil").order_by(
                    "pupil__last_name", "pupil__first_name", "pk"
                ),
            )
        )
        .order_by(*order)
    )


def match_participants(match: Match) -> list[MatchParticipant]:
    """Everyone who took part in ``match``: current members first, then who left."""
    return list(
        match.participants.select_related("pupil__school", "referral").order_by(
            "left_on", "pupil__last_name", "pk"
        )
    )


def referral_matches(referral_ids: Iterable[int]) -> list[Match]:
    """Every match (current and earlier) of these referrals, newest first.

    The caller has checked that the user may see the referrals.
    """
    return list(
        Match.objects.filter(participants__referral_id__in=list(referral_ids))
        .distinct()
        .select_related("volunteer", "programme")
        .order_by("-start_date", "-pk")
    )


def pupil_availability(pupil: Pupil) -> QuerySet[PupilAvailability]:
    """The pupil's weekly time slots, by day and time."""
    return pupil.availability.order_by("weekday", "start_time")


@dataclass
class Eligible:
    volunteers: list[Volunteer]
    free_capacity: dict[int, int]

    @property
    def ids(self) -> list[int]:
        return [v.pk for v in self.volunteers]

    def queryset(self) -> QuerySet[Volunteer]:
        return Volunteer.objects.filter(pk__in=self.ids).order_by("last_name", "first_name")


def eligible_volunteers(
    programme: Programme, *, extra: int = 1, exclude: int | None = None
) -> Eligible:
    """Volunteers who may take ``extra`` more pupils in ``programme`` today (fixed queries)."""
    facts = eligible_facts(programme, on=timezone.localdate(), extra_pupils=extra, exclude=exclude)
    return Eligible(
        volunteers=[f.volunteer for f in facts],
        free_capacity={f.volunteer.pk: f.free_capacity for f in facts},
    )


def initiative_volunteer(*, user, initiative_id: int, pk: int) -> Volunteer | None:
    """A volunteer of the initiative whom the user may see, or None."""
    return (
        Volunteer.objects.visible_to(user)
        .filter(initiative_id=initiative_id, pk=pk)
        .select_related("initiative")
        .first()
    )


def programme_volunteers(programme: Programme, pks: Iterable[int]) -> dict[int, Volunteer]:
    """The volunteers of the programme's initiative among ``pks``, by pk."""
    volunteers = Volunteer.objects.filter(
        initiative_id=programme.initiative_id, pk__in=set(pks)
    ).select_related("initiative")
    return {v.pk: v for v in volunteers}


def batch_referrals(*, user, programme: Programme, ids: list[int]) -> list[Referral]:
    """The referrals ``ids`` of the programme that the user sees, in the order of ``ids``.

    Whatever their status now: the batch page shows them as reviewed.
    """
    found = {
        r.pk: r
        for r in Referral.objects.visible_to(user)
        .filter(programme=programme, pk__in=ids)
        .select_related("pupil__neighbourhood__parent", "programme__initiative")
    }
    return [found[i] for i in ids if i in found]
