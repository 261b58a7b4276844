"""Recently computed figures on the dashboards and the API (reports.indicators.cache).

The rest of the suite runs with the cache off (config.settings.test); these
tests turn it on, with a memory cache of their own so that parallel test
processes sharing a Redis never see each other's figures.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.periods import Period
from municipality.dashboards.selectors import DashboardFilters, municipal_dashboard
from municipality.dashboards.warm import warm_dashboards
from municipality.models import Target
from municipality.tests.test_dashboards import (
    LAST_YEAR,
    TODAY,
    _spy_on_the_engine,
    _whole,
    agreement_for,
    dashboard_url,
    figure,
    figure_text,
    reach,
)

MAX_AGE = 600


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture(autouse=True)
def figures_kept(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "figures-cache-tests",
        }
    }
    settings.INDICATOR_CACHE_SECONDS = MAX_AGE
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _later(time_machine, seconds: int) -> None:
    time_machine.move_to(TODAY + dt.timedelta(seconds=seconds), tick=False)


def test_a_second_visit_takes_the_figures_computed_by_the_first(world, monkeypatch):
    reach(world.a, 6)
    whole = _whole(world)
    calls = _spy_on_the_engine(monkeypatch)

    first = municipal_dashboard(user=world.a.municipal_official, filters=whole)
    with CaptureQueriesContext(connection) as second_queries:
        second = municipal_dashboard(user=world.a.municipal_official, filters=whole)

    assert figure_text(first, "pupils_reached") == figure_text(second, "pupils_reached") == "6"
    assert calls[("compute", whole.scope)] == 1
    assert calls[("trend", whole.scope)] == 1
    # only the agreements the official may see are read again, not the figures
    assert len(second_queries) <= 4
    assert second.computed_at == first.computed_at == TODAY


def test_without_the_cache_every_visit_computes(world, monkeypatch, settings):
    settings.INDICATOR_CACHE_SECONDS = 0
    whole = _whole(world)
    calls = _spy_on_the_engine(monkeypatch)

    municipal_dashboard(user=world.a.municipal_official, filters=whole)
    municipal_dashboard(user=world.a.municipal_official, filters=whole)

    assert calls[("compute", whole.scope)] == 2


def test_fresh_figures_do_not_yet_show_new_records(world, time_machine):
    reach(world.a, 6)
    whole = _whole(world)
    municipal_dashboard(user=world.a.municipal_official, filters=whole)

    reach(world.a, 3)
    _later(time_machine, MAX_AGE - 60)
    dashboard = municipal_dashboard(user=world.a.municipal_official, filters=whole)

    assert figure_text(dashboard, "pupils_reached") == "6"


def test_stale_figures_are_shown_once_more_and_computed_again_in_the_background(
    world, time_machine
):
    reach(world.a, 6)
    whole = _whole(world)
    municipal_dashboard(user=world.a.municipal_official, filters=whole)
    reach(world.a, 3)
    _later(time_machine, MAX_AGE + 60)

    from reports.tasks import refresh_figures

    with mock.patch.object(refresh_figures, "delay", wraps=refresh_figures.delay) as queued:
        stale = municipal_dashboard(user=world.a.municipal_official, filters=whole)
        again = municipal_dashboard(user=world.a.municipal_official, filters=whole)

    assert figure_text(stale, "pupils_reached") == "6"  # no visitor waits
    assert figure_text(again, "pupils_reached") == "9"  # the job (in-process here) ran
    assert again.computed_at == TODAY + dt.timedelta(seconds=MAX_AGE + 60)
    # one job per stale entry (figures, trend, reach gap), not one per visitor
    assert {call.args[0] for call in queued.call_args_list} == {"compute", "trend", "reach_gap"}
    assert queued.call_count == 3


def test_a_stale_entry_is_queued_once_however_many_visitors(world, time_machine):
    whole = _whole(world)
    municipal_dashboard(user=world.a.municipal_official, filters=whole)
    _later(time_machine, MAX_AGE + 60)

    with mock.patch("reports.tasks.refresh_figures.delay") as queued:  # no worker runs it
        for _visitor in range(4):
            municipal_dashboard(user=world.a.municipal_official, filters=whole)

    assert queued.call_count == 3  # compute, trend and reach gap: each once


def test_figures_older_than_twice_the_age_are_computed_in_the_request(world, time_machine):
    reach(world.a, 6)
    whole = _whole(world)
    municipal_dashboard(user=world.a.municipal_official, filters=whole)
    reach(world.a, 3)
    _later(time_machine, 2 * MAX_AGE + 1)

    with mock.patch("reports.tasks.refresh_figures.delay") as queued:
        dashboard = municipal_dashboard(user=world.a.municipal_official, filters=whole)

    assert figure_text(dashboard, "pupils_reached") == "9"
    queued.assert_not_called()


def test_with_the_task_queue_down_stale_figures_still_show(world, time_machine, caplog):
    whole = _whole(world)
    municipal_dashboard(user=world.a.municipal_official, filters=whole)
    _later(time_machine, MAX_AGE + 60)

    with mock.patch(
        "reports.tasks.refresh_figures.delay", side_effect=ConnectionError("broker down")
    ) as queued:
        municipal_dashboard(user=world.a.municipal_official, filters=whole)
        municipal_dashboard(user=world.a.municipal_official, filters=whole)

    # the lock is let go, so the next visitor tries again
    assert queued.call_count == 6
    assert "task queue is unavailable" in caplog.text


def test_the_beat_job_computes_the_default_dashboard_before_anyone_asks(world, monkeypatch):
    reach(world.a, 2, on=TODAY.date() - dt.timedelta(days=3))  # in the current school year
    assert warm_dashboards() >= 1
    calls = _spy_on_the_engine(monkeypatch)

    current = DashboardFilters(period=Period.school_year(2025), municipality=world.a.municipality)
    municipal_dashboard(user=world.a.municipal_official, filters=current)

    assert calls == {}


def test_the_beat_job_does_nothing_with_the_cache_off(world, settings, monkeypatch):
    settings.INDICATOR_CACHE_SECONDS = 0
    calls = _spy_on_the_engine(monkeypatch)

    assert warm_dashboards() == 0
    assert calls == {}


def test_figures_are_kept_per_language(world):
    whole = _whole(world)
    with translation.override("nl"):
        dutch = municipal_dashboard(user=world.a.municipal_official, filters=whole)
    with translation.override("en"):
        english = municipal_dashboard(user=world.a.municipal_official, filters=whole)

    def label(dashboard):
        return next(shown.label for shown in dashboard.headline if shown.key == "pupils_reached")

    assert label(english) == "Pupils reached"
    assert label(dutch) != label(english)


def test_the_page_says_when_its_figures_were_computed(world, client_for):
    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-computed-at="2026-03-16T13:00:00+01:00"' in page
    assert "16 maart 2026, 13:00" in page
    assert "20 minuten" in page  # fresh for 10 minutes, shown 10 more while recomputed


def test_without_the_cache_the_page_claims_no_age(world, client_for, settings):
    settings.INDICATOR_CACHE_SECONDS = 0
    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert response.status_code == 200
    assert "data-computed-at" not in response.content.decode()


def test_the_api_takes_the_same_kept_figures(world, api_for, monkeypatch):
    reach(world.a, 6)
    calls = _spy_on_the_engine(monkeypatch)
    api = api_for(world.a.municipal_official)

    first = api.get("/api/v1/indicators/", {"period": LAST_YEAR})
    second = api.get("/api/v1/indicators/", {"period": LAST_YEAR})

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert calls[("compute", _whole(world).scope)] == 1


def test_the_api_keeps_its_municipal_answer_as_the_page_keeps_its_body(
    world, api_for, monkeypatch, time_machine
):
    from municipality.dashboards import selectors

    reach(world.a, 6)
    api = api_for(world.a.municipal_official)
    period = Period.school_year(2025)
    agreement = agreement_for(world.a, target=10, start=period.start, end=period.end)
    first = api.get("/api/v1/indicators/", {"period": "school-2025"})
    built = []
    publish = selectors._publish
    monkeypatch.setattr(
        selectors, "_publish", lambda *args, **kwargs: built.append(1) or publish(*args, **kwargs)
    )

    second = api.get("/api/v1/indicators/", {"period": "school-2025"})
    assert second.json() == first.json()
    assert built == []  # nothing protected or computed again

    # an edited target shows at once: the agreement's last change is in the key
    _later(time_machine, 30)
    Target.objects.filter(agreement=agreement).update(value=25)
    agreement.save()  # as funding_agreement_save does with its targets
    third = api.get("/api/v1/indicators/", {"period": "school-2025"})
    assert built == [1]
    assert [a["targets"] for a in first.json()["agreements"]] == [{"pupils_reached": 10}]
    assert [a["targets"] for a in third.json()["agreements"]] == [{"pupils_reached": 25}]


def test_realised_against_target_uses_the_same_figures_as_the_full_computation(world):
    """compute_targetable is compute limited to what a target can be set for."""
    from reports.indicators.engine import TARGETABLE, compute, compute_targetable

    reach(world.a, 6)
    reach(world.a, 2, on=dt.date(2025, 5, 12))
    scope = _whole(world).scope
    period = _whole(world).period

    full = compute(scope, period)
    light = compute_targetable(scope, period)

    # Without an adult programme compute() has no adult section; the adult
    # targetable figures are there as zeros, so every agreement has them.
    shared = tuple(f for f in light.figures if f.key in {g.key for g in full.figures})
    assert set(TARGETABLE) == {f.key for f in light.figures}
    assert shared == tuple(f for f in full.figures if f.key in TARGETABLE)
    assert {f.key: f.value for f in light.figures if f not in shared} == {
        "adult_learners_reached": 0,
        "adult_tracks_started": 0,
    }
    assert light.figure("pupils_reached").value == 8
    assert light.figure("sessions_held").value >= 8
    assert light.tables == ()


def test_agreements_are_computed_together_and_kept_one_by_one(world, time_machine):
    from initiatives.tests.factories import ProgrammeFactory
    from reports.indicators import IndicatorScope
    from reports.indicators import cache as figures_cache

    reach(world.a, 6)
    other = ProgrammeFactory(
        initiative=world.a.initiative, municipalities=[world.a.municipality], name="Leesclub"
    )
    reach(world.a, 2, programme=other)
    period = _whole(world).period
    first = IndicatorScope.for_agreement(agreement_for(world.a, target=20))
    second = IndicatorScope(**{**first.as_dict(), "programme_ids": (other.pk,)})

    computed = figures_cache.targetable_of_agreements([first, second], period)
    with CaptureQueriesContext(connection) as again_queries:
        again = figures_cache.targetable_of_agreements([first, second], period)

    assert computed[first].value.figure("pupils_reached").value == 6
    assert computed[second].value.figure("pupils_reached").value == 2
    assert len(again_queries) == 0
    assert again[first] == computed[first]
    # kept under the key of the single lookup, so both read the same entry
    assert figures_cache.targetable(first, period) == computed[first]

    reach(world.a, 1, programme=other)
    _later(time_machine, MAX_AGE + 60)
    with mock.patch("reports.tasks.refresh_figures.delay") as queued:  # no worker runs it
        stale = figures_cache.targetable_of_agreements([first, second], period)
    assert stale[second].value.figure("pupils_reached").value == 2  # shown while refreshed
    assert sorted(call.args[0] for call in queued.call_args_list) == ["targetable"] * 2

    refreshed = figures_cache.targetable_of_agreements([first, second], period, refresh=True)
    assert refreshed[second].value.figure("pupils_reached").value == 3


# --- the rendered page body is kept too (municipality.dashboards.pages) ------------


def _count_dashboards(monkeypatch) -> list:
    from municipality.dashboards import selectors

    calls = []
    real = selectors.municipal_dashboard

    def counted(**kwargs):
        calls.append(kwargs["filters"])
        return real(**kwargs)

    monkeypatch.setattr(selectors, "municipal_dashboard", counted)
    return calls


def test_a_second_visit_gets_the_kept_page_without_building_the_dashboard(
    world, client_for, monkeypatch
):
    reach(world.a, 6)
    agreement_for(world.a, target=10)
    calls = _count_dashboards(monkeypatch)
    client = client_for(world.a.municipal_official)

    first = client.get(dashboard_url(period=LAST_YEAR))
    second = client.get(dashboard_url(period=LAST_YEAR))

    assert first.status_code == second.status_code == 200
    assert len(calls) == 1
    assert figure(second, "pupils_reached") == "6"
    assert _body(second) == _body(first)


def _body(response) -> str:
    page = response.content.decode()
    return page[page.index('aria-labelledby="dashboard-headline"') : page.index("</main>")]


def test_the_kept_page_shows_new_records_once_its_figures_are_computed_again(
    world, client_for, time_machine
):
    reach(world.a, 6)
    client = client_for(world.a.municipal_official)
    client.get(dashboard_url(period=LAST_YEAR))
    reach(world.a, 3)

    _later(time_machine, MAX_AGE - 60)
    assert figure(client.get(dashboard_url(period=LAST_YEAR)), "pupils_reached") == "6"

    _later(time_machine, MAX_AGE + 60)
    # the page expired with its figures; these are shown once more while the
    # job (in-process here) computes them anew, and that page is not kept
    assert figure(client.get(dashboard_url(period=LAST_YEAR)), "pupils_reached") == "6"
    assert figure(client.get(dashboard_url(period=LAST_YEAR)), "pupils_reached") == "9"


def test_a_changed_target_shows_at_once_on_the_kept_page(world, client_for, time_machine):
    from municipality.services import funding_agreement_save

    reach(world.a, 6)
    agreement = agreement_for(world.a, target=10)
    client = client_for(world.a.municipal_official)
    before = client.get(dashboard_url(period=LAST_YEAR))
    [block] = before.context["dashboard"].targets
    assert block.lines[0].target == 10

    _later(time_machine, 30)
    funding_agreement_save(
        user=world.a.municipal_official,
        agreement=agreement,
        funder=agreement.funder,
        initiative=agreement.initiative,
        programmes=list(agreement.programmes.all()),
        amount=agreement.amount,
        period_kind=agreement.period_kind,
        start_date=agreement.start_date,
        end_date=agreement.end_date,
        targets={Target.Indicator.PUPILS_REACHED: 25},
    )
    after = client.get(dashboard_url(period=LAST_YEAR))

    [block] = after.context["dashboard"].targets
    assert block.lines[0].target == 25


def test_the_kept_page_is_one_per_language(world, client_for):
    client = client_for(world.a.municipal_official)
    dutch = client.get(dashboard_url(period=LAST_YEAR), headers={"accept-language": "nl"})
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(dashboard_url(period=LAST_YEAR))

    assert "Kerncijfers" in _body(dutch)
    assert "Key figures" in _body(english)
    assert "Kerncijfers" not in _body(english)


def test_the_kept_page_is_one_per_municipality(world, client_for):
    reach(world.a, 6)
    reach(world.b, 7)
    a = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))
    b = client_for(world.b.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert figure(a, "pupils_reached") == "6"
    assert figure(b, "pupils_reached") == "7"


def test_without_the_cache_no_page_is_kept(world, client_for, monkeypatch, settings):
    settings.INDICATOR_CACHE_SECONDS = 0
    calls = _count_dashboards(monkeypatch)
    client = client_for(world.a.municipal_official)

    client.get(dashboard_url(period=LAST_YEAR))
    client.get(dashboard_url(period=LAST_YEAR))

    assert len(calls) == 2
