"""Reads for the home page: one small overview per role.

Every query on personal data starts from ``visible_to(user)``. The
municipal overview counts only organisations, never pupils.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from accounts.scope import scope_for
from initiatives.models import Initiative, Programme
from municipality.models import Municipality
from referrals.models import Match, Referral
from schools.models import SchoolLocation


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


def project_leader_overview(*, user) -> list[InitiativeOverview]:
    """The initiatives the user leads, with open referrals per programme and status."""
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
    return list(initiatives.values())


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


def volunteer_overview(*, user) -> VolunteerOverview:
    """The initiatives the user volunteers for and how many matches they have running."""
    scope = scope_for(user)
    return VolunteerOverview(
        initiatives=list(Initiative.objects.filter(pk__in=scope.volunteer_initiative_ids)),
        active_matches=Match.objects.visible_to(user)
        .active()
        .filter(volunteer__user_id=user.pk)
        .count(),
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
