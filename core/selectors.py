"""Reads for the home page: one small overview per role.

Every query on personal data starts from ``visible_to(user)``. The
municipal overview counts only organisations, never pupils.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from accounts.scope import scope_for
from initiatives.models import Initiative, Programme, Volunteer
from municipality.models import Municipality
from referrals.models import ContactMoment, Match, MatchParticipant, Referral
from schools.models import SchoolLocation

# How many running matches the project leader's home page lists per initiative;
# the rest are on the match list.
HOME_MATCHES_PER_INITIATIVE = 10


@dataclass(frozen=True)
class MatchRow:
    """A running match on the home page, with its "Log a session" button."""

    match: Match
    pupil_id: int | None  # the first pupil (a group match has more)
    pupil_name: str
    pupil_count: int
    last_held: dt.date | None  # the last tutoring session that was held
    can_log: bool

    @property
    def other_pupils(self) -> int:
        return max(self.pupil_count - 1, 0)


def _with_home_facts(matches: QuerySet[Match]) -> QuerySet[Match]:
    """Annotate pupil name, number of pupils and last held session: no query per row."""
    current = MatchParticipant.objects.filter(match=OuterRef("pk"), left_on__isnull=True)
    first = current.order_by("pupil__last_name", "pupil__first_name", "pk")
    return matches.select_related("programme__initiative", "volunteer").annotate(
        pupil_first_id=Subquery(first.values("pupil_id")[:1]),
        pupil_first_name=Subquery(first.values("pupil__first_name")[:1]),
        pupil_last_name=Subquery(first.values("pupil__last_name")[:1]),
        pupil_count=Coalesce(
            Subquery(
                current.order_by().values("match").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        last_held=Subquery(
            ContactMoment.objects.filter(
                match=OuterRef("pk"),
                kind=ContactMoment.Kind.SESSION,
                attendance=ContactMoment.Attendance.HELD,
            )
            .order_by()
            .values("match")
            .annotate(last=Max("date"))
            .values("last")
        ),
    )


def _match_row(match: Match, *, can_log: bool) -> MatchRow:
    name = " ".join(n for n in (match.pupil_first_name, match.pupil_last_name) if n)
    return MatchRow(
        match=match,
        pupil_id=match.pupil_first_id,
        pupil_name=name,
        pupil_count=match.pupil_count,
        last_held=match.last_held,
        can_log=can_log,
    )


# Longest without a held session first: those are the ones to log or chase.
_LEAST_RECENTLY_HELD = (F("last_held").asc(nulls_first=True), F("start_date").asc(), F("pk").asc())


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def _status_counts(counts: dict[str, int]) -> list[StatusCount]:
    """Counts in the order of the referral life cycle, leaving out zeros."""
    return [
        StatusCount(status=value, label=label, count=counts[value])
        for value, label in Referral.Status.choices
        if counts.get(value)
    ]


@dataclass
class ProgrammeOverview:
    programme: Programme
    statuses: list[StatusCount]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.statuses)


@dataclass
class InitiativeOverview:
    initiative: Initiative
    programmes: list[ProgrammeOverview] = field(default_factory=list)
    # Running matches, longest without a held session first, at most
    # HOME_MATCHES_PER_INITIATIVE; ``active_matches`` counts them all.
    matches: list[MatchRow] = field(default_factory=list)
    active_matches: int = 0

    @property
    def more_matches(self) -> bool:
        return self.active_matches > len(self.matches)


def project_leader_overview(*, user, search: str = "") -> list[InitiativeOverview]:
    """The initiatives the user leads, with open referrals per programme and status.

    ``search`` narrows the running matches to those whose current pupil or
    volunteer carries every word of it in a name, so that the match a leader
    just held a session with is one search away from the home page, however
    many matches run.
    """
    scope = scope_for(user)
    initiatives = {
        initiative.pk: InitiativeOverview(initiative=initiative)
        for initiative in Initiative.objects.filter(pk__in=scope.led_initiative_ids)
    }
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Referral.objects.visible_to(user)
        .open()
        .filter(programme__initiative_id__in=scope.led_initiative_ids)
        .values("programme_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["programme_id"]][row["status"]] = row["n"]
    for programme in Programme.objects.visible_to(user).filter(
        initiative_id__in=initiatives, is_active=True
    ):
        initiatives[programme.initiative_id].programmes.append(
            ProgrammeOverview(programme=programme, statuses=_status_counts(counts[programme.pk]))
        )
    _add_running_matches(user, initiatives, search=search)
    return list(initiatives.values())


def _named(search: str) -> Q:
    """Matches whose current pupil or volunteer has every word of ``search`` in a name."""
    condition = Q()
    for word in search.split():
        pupil_named = MatchParticipant.objects.filter(
            Q(pupil__first_name__icontains=word) | Q(pupil__last_name__icontains=word),
            match=OuterRef("pk"),
            left_on__isnull=True,
        )
        condition &= (
            Exists(pupil_named)
            | Q(volunteer__first_name__icontains=word)
            | Q(volunteer__last_name__icontains=word)
        )
    return condition


def _add_running_matches(user, initiatives: dict[int, InitiativeOverview], *, search="") -> None:
    """The first running matches per initiative, and how many there are: one query."""
    per_initiative = F("programme__initiative_id")
    matches = (
        _with_home_facts(
            Match.objects.visible_to(user)
            .active()
            .filter(programme__initiative_id__in=initiatives)
            .filter(_named(search))
        )
        .annotate(
            place=Window(RowNumber(), partition_by=per_initiative, order_by=_LEAST_RECENTLY_HELD),
            initiative_total=Window(Count("pk"), partition_by=per_initiative),
        )
        .filter(place__lte=HOME_MATCHES_PER_INITIATIVE)
        .order_by("programme__initiative_id", "place")
    )
    for match in matches:
        overview = initiatives[match.programme.initiative_id]
        overview.matches.append(_match_row(match, can_log=True))
        overview.active_matches = match.initiative_total


@dataclass
class SchoolOverview:
    school: SchoolLocation
    statuses: list[StatusCount]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.statuses)


def school_referrer_overview(*, user) -> list[SchoolOverview]:
    """The user's schools with the number of the school's referrals per status."""
    scope = scope_for(user)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Referral.objects.visible_to(user)
        .filter(referring_school_id__in=scope.school_ids)
        .values("referring_school_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["referring_school_id"]][row["status"]] = row["n"]
    return [
        SchoolOverview(school=school, statuses=_status_counts(counts[school.pk]))
        for school in SchoolLocation.objects.visible_to(user).filter(pk__in=scope.school_ids)
    ]


@dataclass(frozen=True)
class VolunteerOverview:
    initiatives: list[Initiative]
    active_matches: int
    # The user's own running matches, longest without a held session first.
    matches: list[MatchRow] = field(default_factory=list)
    # The user's own volunteer record, to read what the initiative holds.
    record_id: int | None = None


def volunteer_overview(*, user) -> VolunteerOverview:
    """The initiatives the user volunteers for and their own running matches."""
    scope = scope_for(user)
    matches = _with_home_facts(
        Match.objects.visible_to(user).active().filter(volunteer__user_id=user.pk)
    ).order_by(*_LEAST_RECENTLY_HELD)
    rows = [
        _match_row(
            match,
            # as referrals.services.sessions.may_log_moments decides for a volunteer
            can_log=match.programme.initiative.volunteers_log_sessions
            and match.programme.initiative_id in scope.volunteer_initiative_ids,
        )
        for match in matches
    ]
    return VolunteerOverview(
        initiatives=list(Initiative.objects.filter(pk__in=scope.volunteer_initiative_ids)),
        active_matches=len(rows),
        matches=rows,
        record_id=Volunteer.objects.filter(user_id=user.pk).values_list("pk", flat=True).first(),
    )


@dataclass(frozen=True)
class MunicipalityOverview:
    municipality: Municipality
    initiatives: int
    programmes: int
    schools: int


def _count_per_municipality(queryset, field: str = "municipality_id"):
    """A subquery counting the rows of ``queryset`` per municipality (no join fan-out)."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def municipal_official_overview(*, user) -> list[MunicipalityOverview]:
    """Per municipality of the user: counts of organisations only, no personal data."""
    scope = scope_for(user)
    municipalities = Municipality.objects.filter(pk__in=scope.municipality_ids).annotate(
        initiative_count=_count_per_municipality(Initiative.municipalities.through.objects),
        programme_count=_count_per_municipality(
            Programme.municipalities.through.objects.filter(programme__is_active=True)
        ),
        school_count=_count_per_municipality(SchoolLocation.objects),
    )
    return [
        MunicipalityOverview(
            municipality=municipality,
            initiatives=municipality.initiative_count,
            programmes=municipality.programme_count,
            schools=municipality.school_count,
        )
        for municipality in municipalities
    ]
