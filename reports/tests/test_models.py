"""Database constraints on reports."""

import datetime as dt

import pytest

from core.tests.constraints import violates
from municipality.tests.factories import MunicipalityFactory
from reports.models import Report

pytestmark = pytest.mark.django_db


def test_report_period_ending_before_it_starts_is_rejected_by_database():
    municipality = MunicipalityFactory()

    with violates("report_period_valid"):
        Report.objects.create(
            municipality=municipality,
            period_start=dt.date(2025, 8, 1),
            period_end=dt.date(2025, 7, 31),
        )
