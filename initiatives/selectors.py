"""Reads for volunteers: the list, one record, and the retention figures.

Every read starts from ``Volunteer.objects.visible_to(user)``. The matching
facts (VOG, trainings, active pupils) come from ``referrals.matching.rules``
in bulk, so the list costs the same number of queries for one volunteer as
for a thousand, and "can be matched" here says exactly what the match
services will say.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from referrals.matching.rules import VolunteerFacts, add_years, blockers_from_facts, load_facts
from referrals.models import ImpactQuestion

from .models import (
    VOG,
    Availability,
    Initiative,
    Programme,
    Training,
    TrainingCompletion,
    Volunteer,
    VolunteerStatusChange,
)

S = Volunteer.Status

# The list's status filter: a status, everyone, or everyone still involved.
CURRENT = "current"
ALL = "all"


def tenure_months(start: dt.date | None, end: dt.date | None, *, today: dt.date) -> int | None:
    """Whole months from ``start`` to ``end`` (or ``today`` while still volunteering)."""
    if start is None:
        return None
    end = end or today
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(0, months)


# --- which volunteers a user may see ------------------------------------------


def leader_volunteers(user) -> QuerySet[Volunteer]:
    """Volunteers of the initiatives the user leads (an administrator: all).

    A project leader who is also a volunteer elsewhere sees their own record
    through ``volunteer_for_viewer``, not in this list.
    """
    scope = scope_for(user)
    volunteers = Volunteer.objects.visible_to(user)
    if not scope.is_superuser:
        volunteers = volunteers.filter(initiative_id__in=scope.led_initiative_ids)
    return volunteers


def led_initiatives(user) -> QuerySet[Initiative]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Initiative.objects.all()
    return Initiative.objects.filter(pk__in=scope.led_initiative_ids)


def volunteer_for_leader(*, user, pk: int) -> Volunteer:
    """One volunteer the user may manage; anything else is a 404."""
    return get_object_or_404(leader_volunteers(user).select_related("initiative"), pk=pk)


def volunteer_for_viewer(*, user, pk: int) -> tuple[Volunteer, bool]:
    """A volunteer the user may see, and whether they may manage it.

    Project leaders see their initiative's volunteers; a volunteer sees only
    their own record (read-only). Anyone else gets a 404.
    """
    volunteer = get_object_or_404(
        Volunteer.objects.visible_to(user).select_related("initiative"), pk=pk
    )
    return volunteer, scope_for(user).leads(volunteer.initiative_id)


# --- matching facts for many volunteers at once ---------------------------------


@dataclass(frozen=True)
class ProgrammeEligibility:
    programme: Programme
    blockers: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.blockers


@dataclass(frozen=True)
class VolunteerRow:
    volunteer: Volunteer
    tenure_months: int | None
    vog_issued_on: dt.date | None
    vog_valid_until: dt.date | None
    vog_valid: bool
    missing_trainings: tuple[str, ...]
    active_pupils: int
    eligibility: tuple[ProgrammeEligibility, ...]
    no_programme_reason: str = ""

    @property
    def capacity(self) -> int:
        return self.volunteer.capacity

    @property
    def can_match(self) -> bool:
        return any(e.eligible for e in self.eligibility)

    @property
    def reasons(self) -> list[str]:
        """Why the volunteer cannot be matched in any programme (empty when they can)."""
        if self.can_match:
            return []
        if not self.eligibility:
            return [self.no_programme_reason]
        common = [
            b
            for b in self.eligibility[0].blockers
            if all(b in e.blockers for e in self.eligibility)
        ]
        rest = [
            _("%(programme)s: %(reason)s") % {"programme": e.programme.name, "reason": b}
            for e in self.eligibility
            for b in e.blockers
            if b not in common
        ]
        return common + rest


@dataclass
class _Rules:
    """The programmes and required trainings of some initiatives, loaded once."""

    programmes: dict[int, list[Programme]] = field(default_factory=dict)  # by initiative
    initiative_required: dict[int, list[Training]] = field(default_factory=dict)
    programme_required: dict[int, list[Training]] = field(default_factory=dict)

    @classmethod
    def load(cls, initiative_ids: set[int]) -> _Rules:
        rules = cls()
        if not initiative_ids:
            return rules
        for programme in (
            Programme.objects.filter(initiative_id__in=initiative_ids, is_active=True)
            .prefetch_related("required_trainings")
            .order_by("name")
        ):
            rules.programmes.setdefault(programme.initiative_id, []).append(programme)
        for training in Training.objects.filter(
            initiative_id__in=initiative_ids, required=True
        ).order_by("name"):
            rules.initiative_required.setdefault(training.initiative_id, []).append(training)
        for programmes in rules.programmes.values():
            for programme in programmes:
                rules.programme_required[programme.pk] = list(programme.required_trainings.all())
        return rules

    def required_for(self, programme: Programme) -> list[Training]:
        """As ``referrals.matching.rules.required_trainings``, from memory."""
        by_pk = {t.pk: t for t in self.initiative_required.get(programme.initiative_id, [])}
        by_pk.update({t.pk: t for t in self.programme_required.get(programme.pk, [])})
        return sorted(by_pk.values(), key=lambda t: t.name)


def _row(facts: VolunteerFacts, rules: _Rules, *, today: dt.date) -> VolunteerRow:
    volunteer = facts.volunteer
    offered = rules.programmes.get(volunteer.initiative_id, [])
    if facts.programme_ids:
        programmes = [p for p in offered if p.pk in facts.programme_ids]
        no_programme_reason = _("None of this volunteer's programmes is active.")
    else:
        programmes = offered
        no_programme_reason = _("The initiative has no active programme.")
    eligibility = tuple(
        ProgrammeEligibility(
            programme=p,
            blockers=tuple(blockers_from_facts(facts, p, on=today, required=rules.required_for(p))),
        )
        for p in programmes
    )
    # Trainings everyone needs, plus those of the programmes chosen for this volunteer.
    required = {t.pk: t for t in rules.initiative_required.get(volunteer.initiative_id, [])}
    if facts.programme_ids:
        for p in programmes:
            required.update({t.pk: t for t in rules.programme_required.get(p.pk, [])})
    missing = tuple(
        t.name
        for t in sorted(required.values(), key=lambda t: t.name)
        if t.pk not in facts.completed_training_ids
    )
    valid_until = facts.vog_valid_until()
    return VolunteerRow(
        volunteer=volunteer,
        tenure_months=tenure_months(volunteer.start_date, volunteer.end_date, today=today),
        vog_issued_on=facts.vog_issued_on,
        vog_valid_until=valid_until,
        vog_valid=valid_until is not None and valid_until > today,
        missing_trainings=missing,
        active_pupils=facts.active_pupils,
        eligibility=eligibility,
        no_programme_reason=no_programme_reason,
    )


def volunteer_rows(
    volunteers: list[Volunteer], *, today: dt.date | None = None
) -> list[VolunteerRow]:
    """Rows for volunteers loaded with ``select_related("initiative")``, in seven queries."""
    today = today or timezone.localdate()
    facts = load_facts(volunteers)
    rules = _Rules.load({v.initiative_id for v in volunteers})
    return [_row(facts[v.pk], rules, today=today) for v in volunteers]


# --- the list -----------------------------------------------------------------


def volunteer_list(
    *,
    user,
    status: str = CURRENT,
    programme: Programme | None = None,
    search: str = "",
    today: dt.date | None = None,
) -> list[VolunteerRow]:
    """The volunteers a project leader manages, filtered, with their matching facts.

    ``status``: a ``Volunteer.Status``, ``CURRENT`` (everyone but the
    stopped) or ``ALL``. ``programme``: volunteers who work in it (including
    those who work in every programme of its initiative). ``search``: every
    word must occur in the first or last name.
    """
    volunteers = volunteer_queryset(user=user, status=status, programme=programme, search=search)
    return volunteer_rows(list(volunteers), today=today)


def volunteer_queryset(
    *, user, status: str = CURRENT, programme: Programme | None = None, search: str = ""
) -> QuerySet[Volunteer]:
    """The volunteers of ``volunteer_list``, by last name: to page through before the rows."""
    volunteers = leader_volunteers(user).select_related("initiative")
    if status == CURRENT:
        volunteers = volunteers.exclude(status=S.STOPPED)
    elif status in S.values:
        volunteers = volunteers.filter(status=status)
    if programme is not None:
        volunteers = volunteers.filter(
            Q(programmes=programme)
            | Q(programmes__isnull=True, initiative_id=programme.initiative_id)
        ).distinct()
    for word in search.split():
        volunteers = volunteers.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return volunteers.order_by("last_name", "first_name", "pk")


# --- retention ----------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    active: int
    new_last_year: int
    stopped_last_year: int
    # Of the volunteers who stopped in the last twelve months:
    median_tenure_months: float | None
    stop_reasons: list[tuple[str, int]]  # most frequent first

    @property
    def median_tenure_whole(self) -> int | None:
        """The median rounded to whole months (for choosing "month" or "months")."""
        if self.median_tenure_months is None:
            return None
        return int(self.median_tenure_months + 0.5)


def volunteer_retention(*, user, today: dt.date | None = None) -> Retention:
    """Active now, started and stopped in the last twelve months, and why people stop."""
    today = today or timezone.localdate()
    since = add_years(today, -1)  # the last twelve months: after this day, up to today
    volunteers = leader_volunteers(user)
    in_window = Q(end_date__gt=since, end_date__lte=today, status=S.STOPPED)
    counts = volunteers.aggregate(
        active=Count("pk", filter=Q(status=S.ACTIVE)),
        new=Count("pk", filter=Q(start_date__gt=since, start_date__lte=today)),
    )
    stopped = list(
        volunteers.filter(in_window)
        # the oldest spelling of a reason names it, whatever order the database returns
        .order_by("end_date", "pk")
        .values_list("start_date", "end_date", "stop_reason")
    )
    tenures = [tenure_months(start, end, today=today) for start, end, _reason in stopped if start]
    reasons: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for _start, _end, reason in stopped:
        reason = " ".join(reason.split()) or _("No reason recorded")
        key = reason.casefold()
        spelling.setdefault(key, reason)
        reasons[key] += 1
    return Retention(
        active=counts["active"],
        new_last_year=counts["new"],
        stopped_last_year=len(stopped),
        median_tenure_months=statistics.median(tenures) if tenures else None,
        stop_reasons=sorted(
            ((spelling[key], n) for key, n in reasons.items()), key=lambda item: (-item[1], item[0])
        ),
    )


def stop_reason_suggestions(*, initiative: Initiative) -> list[str]:
    """Reasons used before in this initiative, so the same reason is written the same way."""
    return sorted(
        set(
            Volunteer.objects.filter(initiative=initiative)
            .exclude(stop_reason="")
            .values_list("stop_reason", flat=True)
        )
    )


# --- one volunteer ------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerDetail:
    row: VolunteerRow
    status_changes: list[VolunteerStatusChange]
    vogs: list[VOG]
    completions: list[TrainingCompletion]
    trainings_to_follow: list[Training]  # of the initiative, not followed yet
    availability: list[Availability]
    neighbourhoods: list
    programmes: list[Programme]  # chosen for this volunteer (empty: every programme)
    active_matches: list


def volunteer_detail(
    *, user, volunteer: Volunteer, today: dt.date | None = None
) -> VolunteerDetail:
    """Everything the volunteer's page shows. The matches are those ``user`` may see."""
    from referrals.models import Match, MatchParticipant

    today = today or timezone.localdate()
    (row,) = volunteer_rows([volunteer], today=today)
    completions = list(
        volunteer.training_completions.select_related("training").order_by(
            "-completed_on", "training__name"
        )
    )
    followed = {c.training_id for c in completions}
    matches = list(
        Match.objects.visible_to(user)
        .filter(volunteer=volunteer, end_date__isnull=True)
        .select_related("programme")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=MatchParticipant.objects.filter(left_on__isnull=True)
                .select_related("pupil")
                .order_by("pupil__last_name", "pupil__first_name"),
                to_attr="current_participants",
            )
        )
        .order_by("start_date", "pk")
    )
    return VolunteerDetail(
        row=row,
        status_changes=list(
            volunteer.status_changes.select_related("changed_by").order_by(
                "date", "created_at", "pk"
            )
        ),
        vogs=list(volunteer.vogs.select_related("checked_by").order_by("-issued_on", "-pk")),
        completions=completions,
        trainings_to_follow=[
            t
            for t in Training.objects.filter(initiative_id=volunteer.initiative_id).order_by("name")
            if t.pk not in followed
        ],
        availability=list(volunteer.availability.order_by("weekday", "start_time")),
        neighbourhoods=list(volunteer.neighbourhoods.order_by("name")),
        programmes=list(volunteer.programmes.order_by("name")),
        active_matches=matches,
    )


# --- programmes and their impact questions ----------------------------------------


def programme_for_leader(*, user, pk: int) -> Programme:
    """A programme of an initiative the user leads; anything else is a 404."""
    return get_object_or_404(Programme.objects.managed_by(user).select_related("initiative"), pk=pk)


def impact_question_for_leader(*, user, pk: int) -> ImpactQuestion:
    """An impact question of a programme the user leads; anything else is a 404."""
    return get_object_or_404(
        ImpactQuestion.objects.filter(
            programme__in=Programme.objects.managed_by(user)
        ).select_related("programme__initiative"),
        pk=pk,
    )


def impact_questions(*, programme: Programme) -> list[ImpactQuestion]:
    """The programme's questions in the order they are asked, each with ``score_count``."""
    return list(
        ImpactQuestion.objects.filter(programme=programme)
        .annotate(score_count=Count("scores"))
        .order_by("order", "pk")
    )


def initiative_programmes(*, initiative: Initiative) -> list[Programme]:
    """The initiative's programmes with ``questions_asked`` and ``questions_total``."""
    return list(
        initiative.programmes.annotate(
            questions_total=Count("impact_questions"),
            questions_asked=Count("impact_questions", filter=Q(impact_questions__is_active=True)),
        ).order_by("-is_active", "name")
    )


def drop_in_programme_for_leader(*, user, pk: int) -> Programme:
    """A drop-in programme of an initiative the user leads; anything else is a 404."""
    return get_object_or_404(
        Programme.objects.managed_by(user)
        .filter(format=Programme.Format.DROP_IN)
        .select_related("initiative"),
        pk=pk,
    )


def drop_in_sessions(*, programme: Programme) -> list:
    """The programme's logged drop-in sessions, latest first (one query)."""
    return list(programme.drop_in_sessions.order_by("-date", "-pk"))
