"""Database constraints on school locations and their yearly figures."""

import pytest

from core.tests.constraints import violates, violates_unique_field
from schools.models import SchoolLocation, SchoolYearFigure
from schools.tests.factories import SchoolLocationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["12ab00", "12AB0X", "12AB0", "12-B00", ""])
def test_malformed_location_code_is_rejected_by_database(code):
    school = SchoolLocationFactory()

    with violates("school_location_code_format"):
        SchoolLocation.objects.filter(pk=school.pk).update(location_code=code)


def test_duplicate_location_code_is_rejected_by_database():
    school = SchoolLocationFactory()

    with violates_unique_field(SchoolLocation, "location_code"):
        SchoolLocationFactory(location_code=school.location_code)


def test_two_figures_for_one_school_year_are_rejected_by_database():
    school = SchoolLocationFactory()
    SchoolYearFigure.objects.create(school=school, school_year=2025, pupil_count=312)

    with violates("school_year_figure_unique"):
        SchoolYearFigure.objects.create(school=school, school_year=2025, pupil_count=313)
