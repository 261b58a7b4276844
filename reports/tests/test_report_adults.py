"""The annual report's adult section: only with adult programmes in scope."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

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


def test_report_shows_an_adult_target_in_the_adult_section(world):
    from municipality.tests.factories import TargetFactory

    programme = adult_programme(world.a)
    agreement = agreement_for(world.a, programmes=[world.a.programme, programme])
    TargetFactory(agreement=agreement, indicator="adult_learners_reached", value=14)
    reached(world.a, 6)
    reached(world.a, 7, programme=programme)

    data = snapshot.build_snapshot(request(world.a.municipal_official, agreement))
    figures = {f["key"]: f for f in data["adult_figures"]}

    learners = figures["adult_learners_reached"]
    assert (learners["value"], learners["target"], learners["of_target"]) == ("7", 14, "50%")
    assert figures["adult_tracks_started"]["value"] == "7"
    html = report_html(data)
    row = html.split('data-figure="adult_learners_reached"', 1)[1].split("</tr>", 1)[0]
    assert ">14<" in row and "50%" in row
    # The definitions say which programmes the school-age figures count.
    with translation.override("nl"):
        note = gettext(
            "The figures about pupils, referrals, matches, sessions, goals and impact count "
            "only programmes for pupils (school age); adult language coaching has figures of "
            "its own. Volunteers serve both and are counted once for all programmes."
        )
    assert note in html
    # The adult tracks are not among the school-age matches started: the
    # world's own match and six more (not fourteen).
    matches = next(f for f in data["figures"] if f["key"] == "matches_started")
    assert matches["value"] == "7"
