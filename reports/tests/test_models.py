"""Database constraints on reports."""

import datetime as dt

import pytest

from core.tests.constraints import violates
from municipality.tests.factories import FundingAgreementFactory, MunicipalityFactory
from reports.models import Report

pytestmark = pytest.mark.django_db


def test_report_period_ending_before_it_starts_is_rejected_by_database():
    municipality = MunicipalityFactory()

    with violates("report_period_valid"):
        Report.objects.create(
            kind=Report.Kind.MUNICIPAL_OVERVIEW,
            municipality=municipality,
            period_start=dt.date(2025, 8, 1),
            period_end=dt.date(2025, 7, 31),
        )


def _report(**fields) -> Report:
    agreement = fields.pop("agreement", None) or FundingAgreementFactory()
    defaults = {
        "municipality": agreement.municipality,
        "funding_agreement": agreement,
        "period_start": dt.date(2025, 8, 1),
        "period_end": dt.date(2026, 7, 31),
    }
    return Report.objects.create(**{**defaults, **fields})


def test_agreement_report_without_an_agreement_is_rejected_by_database():
    with violates("report_kind_matches_agreement"):
        _report(funding_agreement=None)


def test_overview_report_with_an_agreement_is_rejected_by_database():
    with violates("report_kind_matches_agreement"):
        _report(kind=Report.Kind.MUNICIPAL_OVERVIEW)


def test_progress_above_hundred_is_rejected_by_database():
    report = _report()

    with violates("report_progress_range"):
        Report.objects.filter(pk=report.pk).update(progress=101)


def test_version_zero_is_rejected_by_database():
    with violates("report_version_positive"):
        _report(version=0)


def test_one_version_twice_for_an_agreement_and_period_is_rejected_by_database():
    report = _report()

    with violates("report_agreement_version_unique"):
        _report(agreement=report.funding_agreement)


def test_one_overview_version_twice_for_a_period_is_rejected_by_database():
    municipality = MunicipalityFactory()
    fields = {
        "kind": Report.Kind.MUNICIPAL_OVERVIEW,
        "municipality": municipality,
        "funding_agreement": None,
    }
    _report(**fields)

    with violates("report_overview_version_unique"):
        _report(**fields)


def test_two_automatic_reports_for_one_agreement_and_period_are_rejected_by_database():
    report = _report(automatic=True)

    with violates("report_automatic_once"):
        _report(agreement=report.funding_agreement, version=2, automatic=True)
