"""The adult language coaching section of the municipal dashboard."""

from __future__ import annotations

import datetime as dt

import pytest

from initiatives.models import DropInSession
from initiatives.tests.factories import ProgrammeFactory
from municipality.tests.factories import NeighbourhoodFactory
from municipality.tests.test_dashboards import (
    LAST_YEAR,
    _frozen_today,  # noqa: F401 - the autouse fixture freezing today
    _queries,
    dashboard_url,
    figure,
    reach,
    text,
)
from schools.tests.factories import SchoolLocationFactory

pytestmark = pytest.mark.django_db


def adult_programme(side, **kwargs):
    return ProgrammeFactory(
        initiative=side.initiative,
        name="Taalcoaching Volwassenenpunt",
        adult=True,
        municipalities=[side.municipality],
        **kwargs,
    )


def test_no_adult_section_without_adult_programmes(world, client_for):
    reach(world.a, 6)
    page = text(client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR)))
    assert 'data-section="adults"' not in page
    assert "adult_learners_reached" not in page


def test_adult_section_with_learners_and_language_cafe(world, client_for):
    programme = adult_programme(world.a)
    cafe = ProgrammeFactory(
        initiative=world.a.initiative,
        name="Taalcafé Zuidpunt",
        drop_in=True,
        municipalities=[world.a.municipality],
    )
    reach(world.a, 6)
    reach(world.a, 7, programme=programme)
    DropInSession.objects.create(programme=cafe, date=dt.date(2024, 10, 1), headcount=23)
    DropInSession.objects.create(programme=cafe, date=dt.date(2024, 11, 1), headcount=19)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert 'data-section="adults"' in text(response)
    assert figure(response, "adult_learners_reached") == "7"
    # pupils reached leaves the adults out
    assert figure(response, "pupils_reached") == "6"
    assert figure(response, "dropin_visits") == "42"
    assert figure(response, "dropin_sessions") == "2"


def test_small_adult_counts_are_shown_as_fewer_than_five(world, client_for):
    programme = adult_programme(world.a)
    reach(world.a, 6)
    reach(world.a, 2, programme=programme)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert figure(response, "adult_learners_reached") == "&lt;5"


def test_query_count_does_not_grow_with_adult_rows(world, client_for):
    programme = adult_programme(world.a)
    cafe = ProgrammeFactory(
        initiative=world.a.initiative, drop_in=True, municipalities=[world.a.municipality]
    )
    client = client_for(world.a.municipal_official)
    url = dashboard_url(period=LAST_YEAR)
    client.get(url)
    reach(world.a, 1, programme=programme)
    DropInSession.objects.create(programme=cafe, date=dt.date(2024, 10, 1), headcount=5)
    few = _queries(client, url)

    for index in range(4):
        neighbourhood = NeighbourhoodFactory(municipality=world.a.municipality)
        school = SchoolLocationFactory(municipality=world.a.municipality)
        reach(world.a, 3, programme=programme, school=school, neighbourhood=neighbourhood)
        DropInSession.objects.create(
            programme=cafe, date=dt.date(2024, 10, 2 + index), headcount=5 + index
        )

    assert _queries(client, url) == few


def test_adult_learners_reached_against_the_agreements_target(world, client_for):
    from municipality.models import FundingAgreement, Target
    from municipality.tests.factories import FunderFactory, FundingAgreementFactory, TargetFactory

    programme = adult_programme(world.a)
    reach(world.a, 6)
    reach(world.a, 7, programme=programme)
    agreement = FundingAgreementFactory(
        municipality=world.a.municipality,
        initiative=world.a.initiative,
        funder=FunderFactory(municipal=True, municipality=world.a.municipality),
        programmes=[world.a.programme, programme],
        period_kind=FundingAgreement.PeriodKind.SCHOOL_YEAR,
        start_date=dt.date(2024, 8, 1),
        end_date=dt.date(2025, 7, 31),
    )
    TargetFactory(agreement=agreement, indicator=Target.Indicator.ADULT_LEARNERS_REACHED, value=10)
    TargetFactory(agreement=agreement, indicator=Target.Indicator.ADULT_TRACKS_STARTED, value=8)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    [block] = response.context["dashboard"].targets
    assert [(line.key, line.realised, line.target) for line in block.lines] == [
        ("adult_learners_reached", "7", 10),
        ("adult_tracks_started", "7", 8),
    ]
    assert figure(response, "adult_tracks_started") == "7"
    # the adults' tracks are not school-age matches
    assert figure(response, "matches_started") == "6"
