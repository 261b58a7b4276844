"""Reads of referrals, for the school's and the project leader's pages.

Every list starts from ``visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import scope_for

from ..models import (
    ContactMoment,
    Goal,
    GoalEvaluation,
    Guardian,
    MatchParticipant,
    Pupil,
    Referral,
    ReferralStatusChange,
)

S = Referral.Status

NEXT_STEP = {
    S.DRAFT: _("Complete and submit the referral"),
    S.SUBMITTED: _("The initiative reviews the referral"),
    S.INTAKE: _("Driehoeksgesprek with parents, school and initiative"),
    S.WAITING: _("Waiting for a volunteer"),
    S.MATCHED: _("Tutoring under way"),
    S.COMPLETED: _("None: guidance completed"),
    S.DECLINED: _("None: referral declined"),
    S.WITHDRAWN: _("None: referral withdrawn"),
    S.STOPPED_EARLY: _("None: guidance stopped early"),
}


def next_step(referral: Referral) -> str:
    return str(NEXT_STEP[S(referral.status)])


def days_waiting(referral: Referral, *, today: dt.date | None = None) -> int | None:
    """Days since submission while the pupil has no volunteer yet."""
    if referral.status not in (S.SUBMITTED, S.INTAKE, S.WAITING) or not referral.submitted_at:
        return None
    today = today or timezone.localdate()
    return (today - timezone.localtime(referral.submitted_at).date()).days


def _sessions_held_subquery():
    return Coalesce(
        Subquery(
            ContactMoment.objects.filter(
                match__participants__referral=OuterRef("pk"),
                kind=ContactMoment.Kind.SESSION,
                attendance=ContactMoment.Attendance.HELD,
            )
            .order_by()
            .values("match__participants__referral")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _matched_since_subquery():
    return Subquery(
        MatchParticipant.objects.filter(referral=OuterRef("pk"), left_on__isnull=True)
        .order_by()
        .values("referral")
        .annotate(first=Min("joined_on"))
        .values("first")
    )


def school_referrals(
    *, user, status: str | None = None, school_year: int | None = None
) -> QuerySet[Referral]:
    """The referrals of the user's school(s), for the school referrer's list."""
    scope = scope_for(user)
    qs = (
        Referral.objects.visible_to(user)
        .filter(referring_school_id__in=scope.school_ids)
        .select_related("pupil", "programme", "referring_school")
        .annotate(sessions_held=_sessions_held_subquery(), matched_since=_matched_since_subquery())
        .order_by("-status_changed_at", "-pk")
    )
    if status:
        qs = qs.filter(status=status)
    if school_year:
        qs = qs.filter(school_year=school_year)
    return qs


def school_referral_detail(*, user, pk: int) -> Referral:
    """One referral as the school sees it (404 outside the user's school)."""
    scope = scope_for(user)
    qs = (
        Referral.objects.visible_to(user)
        .select_related("pupil", "programme__initiative", "referring_school")
        .annotate(sessions_held=_sessions_held_subquery(), matched_since=_matched_since_subquery())
        .prefetch_related(
            Prefetch(
                "status_changes", queryset=ReferralStatusChange.objects.order_by("changed_at", "pk")
            ),
        )
    )
    if not scope.is_superuser:
        qs = qs.filter(referring_school_id__in=scope.school_ids)
    return get_object_or_404(qs, pk=pk)


@dataclass
class GoalView:
    goal: Goal
    results: dict[str, str]  # evaluation moment -> result label


def goals_with_evaluations(referral: Referral) -> list[GoalView]:
    goals = list(Goal.objects.filter(plan__referral=referral).order_by("review_date", "pk"))
    results: dict[int, dict[str, str]] = {g.pk: {} for g in goals}
    for ge in GoalEvaluation.objects.filter(goal__in=goals).select_related("evaluation"):
        results[ge.goal_id][ge.evaluation.moment] = ge.get_result_display()
    return [GoalView(goal=g, results=results[g.pk]) for g in goals]


def _led_referrals(user) -> QuerySet[Referral]:
    """Referrals of the programmes the user manages as project leader."""
    scope = scope_for(user)
    qs = Referral.objects.visible_to(user)
    if scope.is_superuser:
        return qs
    return qs.filter(programme__initiative_id__in=scope.led_initiative_ids)


def inbox(*, user) -> QuerySet[Referral]:
    """New referrals across the project leader's programmes, oldest first."""
    qs = _led_referrals(user).filter(status=S.SUBMITTED)
    return qs.select_related("pupil", "programme", "referring_school").order_by(
        "submitted_at", "pk"
    )


def intake_referrals(*, user) -> QuerySet[Referral]:
    qs = _led_referrals(user).filter(status=S.INTAKE)
    return qs.select_related("pupil", "programme", "referring_school").order_by(
        "submitted_at", "pk"
    )


def waitlist(*, user, programme=None) -> QuerySet[Referral]:
    """Waiting pupils: by priority, then date of referral."""
    qs = _led_referrals(user).filter(status=S.WAITING)
    if programme is not None:
        qs = qs.filter(programme=programme)
    return (
        qs.select_related("pupil", "programme", "referring_school")
        .prefetch_related(Prefetch("pupil__guardians", queryset=Guardian.objects.order_by("pk")))
        .order_by("priority", "submitted_at", "pk")
    )


def leader_referral_detail(*, user, pk: int) -> Referral:
    qs = _led_referrals(user).select_related(
        "pupil__school", "pupil__neighbourhood", "programme__initiative", "referring_school"
    )
    return get_object_or_404(qs, pk=pk)


def possible_duplicates(
    *, user, initiative, first_name: str, last_name: str, date_of_birth: dt.date, exclude=None
) -> QuerySet[Pupil]:
    """Pupils that may be the same child: same name and date of birth, or already active.

    Only among pupils the user may see, so the hint never reveals a child of
    another school or initiative.
    """
    qs = Pupil.objects.visible_to(user).filter(
        initiative=initiative,
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        date_of_birth=date_of_birth,
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.annotate(
        open_referrals=Count("referrals", filter=Q(referrals__status__in=Referral.OPEN_STATUSES))
    ).order_by("pk")


def school_duplicates(
    *, user, initiative, first_name: str, last_name: str, date_of_birth: dt.date, exclude=None
) -> QuerySet[Referral]:
    """The referrals by the user's schools of pupils that may be this child.

    What a school referrer is told before saving, on the page and in the API.
    """
    pupils = possible_duplicates(
        user=user,
        initiative=initiative,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        exclude=exclude,
    )
    return (
        Referral.objects.visible_to(user)
        .filter(pupil__in=pupils.values("pk"), referring_school_id__in=scope_for(user).school_ids)
        .select_related("pupil", "programme")
        .order_by("-pk")
    )


def _same_child(user, *, initiative, pupil_ref) -> QuerySet[Pupil]:
    """Other pupils the user may see with the same name and date of birth.

    ``pupil_ref`` gives the pupil's fields: the pupil itself, or ``OuterRef``
    expressions for a list. Anonymised pupils match nothing (their name is
    a placeholder).
    """
    return (
        Pupil.objects.visible_to(user)
        .filter(
            initiative=initiative,
            first_name__iexact=pupil_ref("first_name"),
            last_name__iexact=pupil_ref("last_name"),
            date_of_birth=pupil_ref("date_of_birth"),
            anonymised_at__isnull=True,
        )
        .exclude(pk=pupil_ref("pk"))
    )


def possible_duplicates_of(*, user, referral: Referral) -> list[Pupil]:
    """Other pupils that may be this referral's child, each with the referrals the user sees.

    What ``possible_duplicates`` finds before saving, shown after: e.g. a
    child a parent or another school referred who is already active. Only
    pupils and referrals the user may see; a fixed number of queries.
    """
    pupil = referral.pupil
    if pupil.anonymised_at is not None:
        return []
    return list(
        _same_child(
            user,
            initiative=pupil.initiative_id,
            pupil_ref=lambda field: getattr(pupil, field),
        )
        .annotate(
            open_referrals=Count(
                "referrals", filter=Q(referrals__status__in=Referral.OPEN_STATUSES)
            )
        )
        .select_related("school")
        .prefetch_related(
            Prefetch(
                "referrals",
                queryset=Referral.objects.visible_to(user)
                .select_related("programme")
                .order_by("-submitted_at", "-pk"),
                to_attr="visible_referrals",
            )
        )
        .order_by("pk")
    )


def with_possible_duplicate(referrals: QuerySet[Referral], *, user) -> QuerySet[Referral]:
    """Annotate ``has_possible_duplicate``: one subquery, whatever the number of rows."""
    return referrals.annotate(
        has_possible_duplicate=Exists(
            _same_child(
                user,
                initiative=OuterRef("pupil__initiative_id"),
                pupil_ref=lambda field: OuterRef(f"pupil__{field}"),
            )
        )
    )


# --- the klantmanager (client manager) ----------------------------------------------


def client_manager_referrals(*, user) -> QuerySet[Referral]:
    """The adults the user referred as klantmanager: what their pages and the API show."""
    return Referral.objects.visible_to(user).filter(
        referred_by=user, source=Referral.Source.CLIENT_MANAGER
    )


@dataclass(frozen=True)
class Track:
    """A coaching track as the klantmanager sees it: dates and end reason only."""

    start_date: dt.date
    end_date: dt.date | None
    end_reason: str


def coaching_tracks(referral: Referral) -> list[Track]:
    """The start and stop of each coaching track of ``referral`` (one query), oldest first."""
    from ..models import MatchParticipant

    participations = (
        MatchParticipant.objects.filter(referral=referral)
        .select_related("match")
        .order_by("match__start_date", "pk")
    )
    return [
        Track(
            start_date=p.joined_on or p.match.start_date,
            end_date=p.left_on or p.match.end_date,
            end_reason=p.match.get_end_reason_display() if p.match.end_reason else "",
        )
        for p in participations
    ]
