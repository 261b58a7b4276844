"""Reads for accountability reports: who sees which report, and report periods.

Who sees a report: the officials of its municipality, and for a report on a
funding agreement also the project leaders of the agreement's initiative
(administrators see all). Every view, download and export starts from
``reports_visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import DenseRank
from django.shortcuts import get_object_or_404

from accounts.scope import scope_for
from core.periods import Period, school_year_start
from core.querysets import any_of
from municipality.models import FundingAgreement, Municipality

from .models import Report


def reports_visible_to(user) -> QuerySet[Report]:
    scope = scope_for(user)
    qs = Report.objects.all()
    if scope.is_superuser:
        return qs
    condition = any_of(
        Q(municipality_id__in=scope.municipality_ids) if scope.municipality_ids else None,
        Q(
            kind=Report.Kind.AGREEMENT,
            funding_agreement__initiative_id__in=scope.led_initiative_ids,
        )
        if scope.led_initiative_ids
        else None,
    )
    return qs.none() if condition is None else qs.filter(condition)


def may_use_reports(user) -> bool:
    """Whether the user has a role that can see reports at all (else 403)."""
    scope = scope_for(user)
    return bool(scope.is_superuser or scope.municipality_ids or scope.led_initiative_ids)


def report_detail(*, user, pk: int) -> Report:
    """A report the user may see (else 404), with what its pages show."""
    return get_object_or_404(
        reports_visible_to(user).select_related(
            "municipality",
            "funding_agreement__funder",
            "funding_agreement__initiative",
            "requested_by",
        ),
        pk=pk,
    )


def report_list(*, user) -> QuerySet[Report]:
    """The reports the user may see, newest period first, versions together."""
    return (
        reports_visible_to(user)
        .select_related(
            "municipality",
            "funding_agreement__funder",
            "funding_agreement__initiative",
            "requested_by",
        )
        .order_by(*GROUP_ORDER, "-version")
    )


# Reports in the order of their subject and period (a group); newest version first within.
GROUP_ORDER = (
    "municipality__name",
    "municipality_id",
    "kind",
    "funding_agreement_id",
    "-period_start",
    "-period_end",
)


@dataclass
class ReportGroup:
    """All versions of the report on one subject (agreement or overview) and period."""

    title: str
    subject: str
    period: Period
    versions: list[Report]

    @property
    def latest(self) -> Report:
        return self.versions[0]


def report_groups(reports) -> list[ReportGroup]:
    """Group reports (ordered as ``report_list``) by subject and period, newest version first."""
    groups: dict[tuple, ReportGroup] = {}
    for report in reports:
        key = (
            report.kind,
            report.municipality_id,
            report.funding_agreement_id,
            report.period_start,
            report.period_end,
        )
        group = groups.get(key)
        if group is None:
            group = groups[key] = ReportGroup(
                title=report.get_kind_display(),
                subject=report_subject(report),
                period=Period(report.period_start, report.period_end),
                versions=[],
            )
        group.versions.append(report)
    return list(groups.values())


GROUP_KEY = ("kind", "municipality_id", "funding_agreement_id", "period_start", "period_end")


def report_group_page(*, user, number, per_page: int) -> tuple[Page, list[ReportGroup]]:
    """One page of the user's report groups (subject and period), with all their versions.

    The groups are paged in the database: each report is numbered with its
    group's place in the order (``DENSE_RANK``), and only the reports of the
    page's groups are read, however many years of reports there are. Two
    queries: the number of groups and the page's reports.
    """
    reports = report_list(user=user)
    keys = reports.values_list(*GROUP_KEY).order_by(*GROUP_ORDER).distinct()
    page = Paginator(keys, per_page).get_page(number)
    if not page.paginator.count:
        return page, []
    place = Window(
        DenseRank(),
        order_by=[
            F(name[1:]).desc() if name.startswith("-") else F(name).asc() for name in GROUP_ORDER
        ],
    )
    of_page = (
        reports.defer("figures")
        .annotate(group_place=place)
        .filter(group_place__gte=page.start_index(), group_place__lte=page.end_index())
    )
    return page, report_groups(of_page)


def report_subject(report: Report) -> str:
    """What the report is about, e.g. 'Fonds Kansrijk - Taal Doet Meer' or 'Utrecht'."""
    agreement = report.funding_agreement
    if agreement is None:
        return str(report.municipality)
    return agreement_label(agreement)


def agreement_label(agreement: FundingAgreement) -> str:
    label = f"{agreement.funder} - {agreement.initiative}"
    if agreement.reference:
        label += f" ({agreement.reference})"
    return label


# --- periods -------------------------------------------------------------------


def agreement_periods(agreement: FundingAgreement) -> list[Period]:
    """The periods an agreement is accounted for in, in order.

    Each calendar or school year (the agreement's period kind) within the
    agreement, cut to the agreement's dates; for an agreement over more than
    one year also the whole agreement, last.
    """
    start, end = agreement.start_date, agreement.end_date
    if agreement.period_kind == FundingAgreement.PeriodKind.SCHOOL_YEAR:
        years = range(school_year_start(start), school_year_start(end) + 1)
        make = Period.school_year
    else:
        years = range(start.year, end.year + 1)
        make = Period.calendar_year
    periods = []
    for year in years:
        whole = make(year)
        periods.append(Period(max(whole.start, start), min(whole.end, end)))
    if len(periods) > 1:
        periods.append(Period(start, end))
    return periods


def overview_periods(*, municipality: Municipality, today: dt.date) -> list[Period]:
    """School and calendar years a municipal overview can be asked for, newest first.

    From the year of the municipality's first funding agreement (or last year)
    up to the current one.
    """
    first = (
        FundingAgreement.objects.filter(municipality=municipality)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    first_year = min(first.year, today.year - 1) if first else today.year - 1
    periods = []
    for year in range(school_year_start(today), first_year - 1, -1):
        periods.append(Period.school_year(year))
    for year in range(today.year, first_year - 1, -1):
        periods.append(Period.calendar_year(year))
    return periods


def requestable_agreements(*, user) -> QuerySet[FundingAgreement]:
    """The funding agreements the user may ask a report for."""
    return FundingAgreement.objects.visible_to(user).select_related(
        "funder", "initiative", "municipality"
    )


def requestable_municipalities(*, user) -> QuerySet[Municipality]:
    """The municipalities whose overview the user may ask for (officials; admins all)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Municipality.objects.filter(funding_agreements__isnull=False).distinct()
    return Municipality.objects.filter(pk__in=scope.municipality_ids)
