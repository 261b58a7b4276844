"""The report snapshot: every figure it prints comes with its definition."""

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


def test_every_printed_figure_has_a_definition(world):
    """Pupils, volunteers and the adult section (language coaching and a café) together."""
    coaching = ProgrammeFactory(
        initiative=world.a.initiative, adult=True, municipalities=[world.a.municipality]
    )
    cafe = ProgrammeFactory(
        initiative=world.a.initiative, drop_in=True, municipalities=[world.a.municipality]
    )
    agreement = agreement_for(world.a, programmes=[world.a.programme, coaching, cafe])
    reached(world.a, 6)
    reached(world.a, 6, programme=coaching)

    data = snapshot.build_snapshot(request(world.a.municipal_official, agreement))

    printed = {f["key"] for f in data["figures"]}
    defined = {d["key"] for d in data["definitions"]}
    for key in (
        "volunteer_capacity",
        "volunteer_free_places",
        "adult_tracks_ended",
        "adult_meetings_held_pct",
        "adult_impact_learners",
        "dropin_sessions",
    ):
        assert key in printed
    assert printed - defined == set()
    html = report_html(data)
    for definition in data["definitions"]:
        assert definition["text"].split(":")[0][:40] in html.replace("&#x27;", "'")
