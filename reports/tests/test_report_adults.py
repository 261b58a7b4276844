"""The annual report's adult section: only with adult programmes in scope."""

from __future__ import annotations

import pytest

from initiatives.tests.factories import ProgrammeFactory
from reports import snapshot
from reports.pdf import report_html
from reports.tests.test_services import (  # noqa: F401 - autouse fixtures
    agreement_for,
    frozen,
    media,
    reached,
    request,
)

pytestmark = pytest.mark.django_db


def adult_programme(side):
    return ProgrammeFactory(
        initiative=side.initiative,
        name="Taalcoaching Volwassenenpunt",
        adult=True,
        municipalities=[side.municipality],
    )


def test_report_without_adult_programmes_has_no_adult_section(world):
    agreement = agreement_for(world.a)
    reached(world.a, 6)
    data = snapshot.build_snapshot(request(world.a.municipal_official, agreement))

    assert data["adult_figures"] == []
    assert 'id="adults"' not in report_html(data)


def test_report_with_an_adult_programme_has_the_adult_section_suppressed(world):
    programme = adult_programme(world.a)
    agreement = agreement_for(world.a, programmes=[world.a.programme, programme])
    reached(world.a, 6)
    reached(world.a, 7, programme=programme)
    reached(world.a, 2, programme=ProgrammeFactory(initiative=world.a.initiative))

    data = snapshot.build_snapshot(request(world.a.municipal_official, agreement))
    figures = {f["key"]: f for f in data["adult_figures"]}

    assert figures["adult_learners_reached"]["value"] == "7"
    assert figures["adult_tracks_ended"]["value"] == "0"
    html = report_html(data)
    assert 'id="adults"' in html
    assert 'data-figure="adult_learners_reached"' in html
    # the adult figures are not repeated in the targets table
    main = {f["key"] for f in data["figures"] if f["section"] != "adults"}
    assert "adult_learners_reached" not in main
    pupils = next(f for f in data["figures"] if f["key"] == "pupils_reached")
    # the world's own pupil and six more; the seven adults are left out
    assert pupils["value"] == "7"


def test_small_adult_count_in_the_report_is_fewer_than_five(world):
    programme = adult_programme(world.a)
    agreement = agreement_for(world.a, programmes=[world.a.programme, programme])
    reached(world.a, 6)
    reached(world.a, 3, programme=programme)

    data = snapshot.build_snapshot(request(world.a.municipal_official, agreement))
    figures = {f["key"]: f for f in data["adult_figures"]}

    assert figures["adult_learners_reached"]["value"] == "<5"
