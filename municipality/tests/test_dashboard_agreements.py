"""Figures per funding agreement: the same in every output, no small count by difference.

The municipal dashboard shows the municipality's figures and each agreement's
realised figures; the agreement's own report and the API show the
agreement's figures again. Together they must not tell how many pupils were
reached outside an agreement when that is 1 to 4
(``municipality.dashboards.per_agreement``). Data and dates as in
``test_dashboards`` (school year 2024-2025, time frozen in March 2026).
"""

from __future__ import annotations

import re

import pytest

from core.periods import Period
from initiatives.tests.factories import ProgrammeFactory
from municipality.tests.factories import FunderFactory
from municipality.tests.test_dashboards import (  # noqa: F401 - autouse fixture
    LAST_YEAR,
    _frozen_today,
    dashboard_url,
    figure,
    reach,
)
from municipality.tests.test_dashboards import agreement_for as _agreement_for
from reports import services, snapshot

pytestmark = pytest.mark.django_db

PERIOD = Period.school_year(2024)
INDICATORS = "/api/v1/indicators/"


def _second_programme(world, name="Tweede"):
    return ProgrammeFactory(
        initiative=world.a.initiative, name=name, municipalities=[world.a.municipality]
    )


def agreement_for(side, *, target):
    """An agreement over the side's programme, each with a funder of its own."""
    return _agreement_for(side, target=target, funder=FunderFactory())


def _second_agreement(world, programme):
    agreement = agreement_for(world.a, target=20)
    agreement.programmes.set([programme])
    return agreement


def _realised(response) -> dict[int, str]:
    """Per agreement on the dashboard, its realised pupils as shown."""
    dashboard = response.context["dashboard"]
    return {
        block.agreement.pk: next(line.realised for line in block.lines)
        for block in dashboard.targets
    }


def _report_figure(world, agreement, key="pupils_reached") -> str:
    report = services.report_request(
        user=world.a.municipal_official, agreement=agreement, period=PERIOD
    )
    data = snapshot.build_snapshot(report)
    return next(f["value"] for f in data["figures"] if f["key"] == key)


def _api(api_for, world, **params) -> dict:
    body = api_for(world.a.municipal_official).get(INDICATORS, {"school_year": 2024, **params})
    assert body.status_code == 200
    return body.json()


def _api_figure(body, key="pupils_reached"):
    return next(f for f in body["figures"] if f["key"] == key)["value"]


def test_an_agreement_reaching_all_but_a_few_pupils_is_withheld_everywhere(
    world, client_for, api_for
):
    # 10 pupils in the agreement's programme, 3 in one without an agreement:
    # 13 beside 10 would tell that 3 were reached outside the agreement.
    unfunded = _second_programme(world, "Onbekostigd")
    reach(world.a, 10)
    reach(world.a, 3, programme=unfunded)
    agreement = agreement_for(world.a, target=20)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))
    assert figure(response, "pupils_reached") == "13"
    assert _realised(response) == {agreement.pk: "x"}
    assert _report_figure(world, agreement) == "x"
    assert _api_figure(_api(api_for, world, funding_agreement=agreement.pk)) == "x"
    # the project leader still sees the exact figure
    exact = api_for(world.a.project_leader).get(
        INDICATORS, {"school_year": 2024, "funding_agreement": agreement.pk}
    )
    assert _api_figure(exact.json()) == 10


def test_two_agreements_are_published_alike_on_the_dashboard_in_reports_and_the_api(
    world, client_for, api_for
):
    # A reaches 3 and B 10 of the municipality's 13: B's 10 would give A's 3 away.
    second = _second_programme(world)
    reach(world.a, 3)
    reach(world.a, 10, programme=second)
    a = agreement_for(world.a, target=20)
    b = _second_agreement(world, second)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert figure(response, "pupils_reached") == "13"
    assert _realised(response) == {a.pk: "<5", b.pk: "x"}
    # B's own report and the API's answer for B do not print B = 10 either
    assert _report_figure(world, b) == "x"
    assert _report_figure(world, a) == "<5"
    assert _api_figure(_api(api_for, world, funding_agreement=b.pk)) == "x"
    body = _api(api_for, world)
    realised = next(t for t in body["tables"] if t["key"] == "realised_by_agreement")
    assert {row["values"][0] for row in realised["rows"]} == {"<5", "x"}
    assert "10" not in re.findall(r"\d+", str(realised["rows"]))


def test_the_municipal_overview_publishes_the_agreements_as_the_dashboard(world, client_for):
    second = _second_programme(world)
    reach(world.a, 3)
    reach(world.a, 10, programme=second)
    agreement_for(world.a, target=20)
    _second_agreement(world, second)

    report = services.report_request(
        user=world.a.municipal_official, municipality=world.a.municipality, period=PERIOD
    )
    data = snapshot.build_snapshot(report)

    by_agreement = next(t for t in data["tables"] if t["key"] == "by_agreement")
    # column 0: pupils reached
    assert sorted(row["cells"][0] for row in by_agreement["rows"]) == ["<5", "x"]
    assert by_agreement["totals"][0] == "13"


def test_agreements_that_reach_well_apart_from_the_rest_are_published(world, client_for):
    second = _second_programme(world)
    reach(world.a, 6)
    reach(world.a, 7, programme=second)
    a = agreement_for(world.a, target=20)
    b = _second_agreement(world, second)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert _realised(response) == {a.pk: "6", b.pk: "7"}
    assert _report_figure(world, b) == "7"
