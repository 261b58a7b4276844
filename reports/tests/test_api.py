"""The REST API for indicators and reports: the same figures, suppression and access as the pages.

Time is frozen at 16 March 2026 (as in ``test_services``): the current school
year is 2025-2026, and world a's own pupil had a session in it.
``base.reached(world.a, 2)`` makes that three pupils reached, a count the
municipality sees as "<5" and the initiative's project leaders as 3.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core.periods import Period
from initiatives.tests.factories import ProgrammeFactory
from municipality.tests.factories import NeighbourhoodFactory
from referrals.models import Pupil
from reports import services
from reports.models import Report
from reports.tests import test_services as base

pytestmark = pytest.mark.django_db

INDICATORS = "/api/v1/indicators/"
REPORTS = "/api/v1/reports/"
SCHOOL_YEAR = {"school_year": 2025}


@pytest.fixture(autouse=True)
def frozen():
    with base.freeze() as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    return base.use_media(settings, tmp_path)


@pytest.fixture
def agreement(world):
    """World a's agreement over school year 2025-2026, with a target of 20 pupils."""
    return base.agreement_for(world.a)


@pytest.fixture
def three_reached(world):
    base.reached(world.a, 2)


def names(response) -> set[str]:
    return {param["name"] for param in response.json()["invalid_params"]}


def figures(body) -> dict:
    return {figure["key"]: figure for figure in body["figures"]}


def table(body, key: str) -> dict:
    (found,) = [t for t in body["tables"] if t["key"] == key]
    return found


def url(report, action: str = "") -> str:
    return f"{REPORTS}{report.pk}/{action + '/' if action else ''}"


def make_report(world, agreement, *, status=Report.Status.DONE, **fields) -> Report:
    """A report row as the job leaves it (no job run)."""
    return Report.objects.create(
        kind=Report.Kind.AGREEMENT,
        municipality=agreement.municipality,
        funding_agreement=agreement,
        period_start=base.SCHOOL_YEAR.start,
        period_end=base.SCHOOL_YEAR.end,
        version=Report.objects.filter(funding_agreement=agreement).count() + 1,
        status=status,
        requested_by=world.a.municipal_official,
        **fields,
    )


def request_body(agreement, period: Period = base.SCHOOL_YEAR, **overrides) -> dict:
    body = {
        "kind": "agreement",
        "funding_agreement": agreement.pk,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture
def done_report(world, api_for, agreement, three_reached, django_capture_on_commit_callbacks):
    """A real report of world a, requested through the API: the job runs, the PDF is made."""
    client = api_for(world.a.municipal_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REPORTS, request_body(agreement), format="json")
    assert response.status_code == 201, response.json()
    report = Report.objects.get(pk=response.json()["id"])
    assert report.status == Report.Status.DONE
    return report


@pytest.fixture
def b_report(world):
    return make_report(world, base.agreement_for(world.b))


# --- indicators: suppression as the dashboards -------------------------------------------


def test_official_gets_suppressed_figures_and_the_project_leader_exact_ones(
    api_for, world, agreement, three_reached
):
    official = api_for(world.a.municipal_official).get(INDICATORS, SCHOOL_YEAR)
    leader = api_for(world.a.project_leader).get(
        INDICATORS, {**SCHOOL_YEAR, "initiative": world.a.initiative.pk}
    )

    assert official.status_code == 200, official.json()
    assert leader.status_code == 200, leader.json()
    seen, exact = official.json(), leader.json()
    assert seen["suppressed"] is True and exact["suppressed"] is False
    assert seen["scope"]["municipality"] == world.a.municipality.pk
    assert exact["scope"]["initiative"] == world.a.initiative.pk
    assert seen["period"] == {"start": "2025-08-01", "end": "2026-07-31", "label": "2025-2026"}
    assert figures(seen)["pupils_reached"]["value"] == "<5"
    assert figures(seen)["pupils_reached"]["display"] == "<5"
    assert figures(seen)["pupils_reached"]["hidden"] is True
    assert figures(exact)["pupils_reached"]["value"] == 3
    assert figures(exact)["pupils_reached"]["hidden"] is False
    assert {row["symbol"] for row in seen["legend"]} >= {"<5"}
    assert exact["legend"] == []
    # The realised-against-target table, with the agreement's targets beside it.
    assert [a["id"] for a in seen["agreements"]] == [agreement.pk]
    assert seen["agreements"][0]["targets"] == {"pupils_reached": 20}
    realised = table(exact, "realised_by_agreement")
    assert realised["rows"][0]["values"][realised["columns"].index("Bereikte leerlingen")] == 3


def _dashboard_texts(dashboard) -> dict[str, str]:
    shown = {s.key: s.text for s in (*dashboard.headline, *dashboard.waitlist)}
    shown.update({s.key: s.text for s in dashboard.volunteers})
    return shown


def _as_text(value) -> str:
    return "-" if value is None else str(value)


def test_indicator_figures_equal_the_municipal_dashboards(
    api_for, client_for, world, agreement, three_reached
):
    page = client_for(world.a.municipal_official).get(
        reverse("municipality:dashboard"), {"period": "school-2025"}
    )
    dashboard = page.context["dashboard"]
    body = api_for(world.a.municipal_official).get(INDICATORS, SCHOOL_YEAR).json()

    shown = _dashboard_texts(dashboard)
    assert shown["pupils_reached"] == "<5"
    api = figures(body)
    for key, text in shown.items():
        assert api[key]["display"] == text, key
    realised = table(body, "realised_by_agreement")
    for r, block in enumerate(dashboard.targets):
        for line in block.lines:
            column = realised["columns"].index(line.label)
            assert _as_text(realised["rows"][r]["values"][column]) == line.realised
    trend = table(body, "trend")
    page_trend = dashboard.trend.table
    assert [row["label"] for row in trend["rows"]] == [label for label, _c in page_trend.rows]
    for row, (_label, cells) in zip(trend["rows"], page_trend.rows, strict=True):
        assert [_as_text(v) for v in row["values"]] == list(cells)


def test_indicator_figures_equal_the_initiative_dashboards_for_its_project_leader(
    api_for, client_for, world, agreement, three_reached
):
    page = client_for(world.a.project_leader).get(
        reverse("municipality:initiative_dashboard", args=[world.a.initiative.pk]),
        {"period": "school-2025"},
    )
    shown = _dashboard_texts(page.context["dashboard"])
    assert shown["pupils_reached"] == "3"
    body = api_for(world.a.project_leader).get(INDICATORS, SCHOOL_YEAR).json()  # their own
    assert body["scope"]["initiative"] == world.a.initiative.pk
    api = figures(body)
    for key, text in shown.items():
        assert api[key]["display"] == text, key


def test_an_official_who_asks_for_an_initiative_still_gets_suppressed_figures(
    api_for, world, three_reached
):
    body = api_for(world.a.municipal_official).get(
        INDICATORS, {**SCHOOL_YEAR, "initiative": world.a.initiative.pk}
    )
    assert body.json()["suppressed"] is True
    assert figures(body.json())["pupils_reached"]["value"] == "<5"


def test_agreement_scope_has_its_targets_and_the_reports_suppression(
    api_for, world, agreement, three_reached
):
    params = {**SCHOOL_YEAR, "funding_agreement": agreement.pk}
    seen = api_for(world.a.municipal_official).get(INDICATORS, params).json()
    exact = api_for(world.a.project_leader).get(INDICATORS, params).json()

    assert seen["scope"]["funding_agreement"] == agreement.pk
    assert seen["scope"]["programmes"] == [world.a.programme.pk]
    assert figures(seen)["pupils_reached"]["target"] == 20
    assert figures(seen)["pupils_reached"]["value"] == "<5"
    assert figures(exact)["pupils_reached"]["value"] == 3
    assert seen["suppressed"] is True and exact["suppressed"] is False


def test_a_period_by_dates_or_calendar_year(api_for, world, three_reached):
    client = api_for(world.a.project_leader)
    by_dates = client.get(
        INDICATORS, {"period_start": "2026-03-01", "period_end": "2026-03-31"}
    ).json()
    assert by_dates["period"]["start"] == "2026-03-01"
    assert figures(by_dates)["pupils_reached"]["value"] == 3
    calendar = client.get(INDICATORS, {"calendar_year": 2024}).json()
    assert calendar["period"]["label"] == "2024"
    assert figures(calendar)["pupils_reached"]["value"] == 0
    default = client.get(INDICATORS).json()
    assert default["period"]["label"] == "2025-2026"  # the current school year


def test_a_programme_and_a_neighbourhood_narrow_the_figures(api_for, world, three_reached):
    other = ProgrammeFactory(initiative=world.a.initiative, municipalities=[world.a.municipality])
    wijk = NeighbourhoodFactory(municipality=world.a.municipality, name="Lunetten")
    client = api_for(world.a.project_leader)
    narrowed = client.get(INDICATORS, {**SCHOOL_YEAR, "programme": other.pk}).json()
    assert narrowed["scope"]["programmes"] == [other.pk]
    assert figures(narrowed)["pupils_reached"]["value"] == 0
    in_wijk = client.get(INDICATORS, {**SCHOOL_YEAR, "neighbourhood": wijk.pk}).json()
    assert in_wijk["scope"]["neighbourhood"] == wijk.pk
    official = api_for(world.a.municipal_official).get(
        INDICATORS, {**SCHOOL_YEAR, "neighbourhood": wijk.pk}
    )
    assert official.status_code == 200


def _live_in(neighbourhood, pupils) -> None:
    Pupil.objects.filter(pk__in=[p.pk for p in pupils]).update(neighbourhood=neighbourhood)


def test_filter_that_differs_by_a_small_count_from_the_whole_answers_the_whole(
    api_for, client_for, world
):
    """As the municipal dashboard: 13 reached in the municipality and 9 in one neighbourhood
    would tell that 4 live elsewhere, so the whole municipality is answered, and said so."""
    north = NeighbourhoodFactory(municipality=world.a.municipality, name="Noordoost")
    west = NeighbourhoodFactory(municipality=world.a.municipality, name="West")
    _live_in(north, base.reached(world.a, 9))
    _live_in(west, [*base.reached(world.a, 3), world.a.pupil])
    client = api_for(world.a.municipal_official)

    whole = client.get(INDICATORS, SCHOOL_YEAR).json()
    response = client.get(INDICATORS, {**SCHOOL_YEAR, "neighbourhood": north.pk})

    assert response.status_code == 200, response.json()
    only_north = response.json()
    assert figures(whole)["pupils_reached"]["value"] == 13
    assert figures(only_north)["pupils_reached"]["value"] == 13  # not 9
    assert only_north["withheld"] is True
    assert only_north["scope"]["neighbourhood"] is None
    assert only_north["scope"]["municipality"] == world.a.municipality.pk
    with translation.override("nl"):
        reason = gettext(
            "This selection differs from a broader one by fewer than five persons, "
            "so together they would reveal small numbers. The figures of the whole "
            "municipality are shown instead; choose a broader selection."
        )
    assert only_north["withheld_reason"] == reason
    assert whole["withheld"] is False and whole["withheld_reason"] is None
    assert only_north["figures"] == whole["figures"]
    # the page withholds the same selection
    page = client_for(world.a.municipal_official).get(
        reverse("municipality:dashboard"), {"period": "school-2025", "neighbourhood": north.pk}
    )
    assert page.context["dashboard"].withheld is True
    # the initiative's own project leaders see the exact narrowed figures, nothing withheld
    exact = api_for(world.a.project_leader).get(
        INDICATORS, {**SCHOOL_YEAR, "neighbourhood": north.pk}
    )
    assert figures(exact.json())["pupils_reached"]["value"] == 9
    assert exact.json()["withheld"] is False


def test_a_filter_that_differs_by_five_or_more_is_answered(api_for, world):
    north = NeighbourhoodFactory(municipality=world.a.municipality, name="Noordoost")
    _live_in(north, base.reached(world.a, 6))
    base.reached(world.a, 5)  # and the world's own pupil: 6 elsewhere

    body = (
        api_for(world.a.municipal_official)
        .get(INDICATORS, {**SCHOOL_YEAR, "neighbourhood": north.pk})
        .json()
    )

    assert figures(body)["pupils_reached"]["value"] == 6
    assert body["withheld"] is False
    assert body["scope"]["neighbourhood"] == north.pk


# --- indicators: who may ask for what ------------------------------------------------------


def test_official_of_b_sees_nothing_of_world_a(api_for, world, agreement, three_reached):
    client = api_for(world.b.municipal_official)
    assert client.get(INDICATORS, {"municipality": world.a.municipality.pk}).status_code == 404
    assert client.get(INDICATORS, {"funding_agreement": agreement.pk}).status_code == 404
    # world a's initiative does not work in Dordrecht: not a filter of b's dashboard
    response = client.get(INDICATORS, {"initiative": world.a.initiative.pk})
    assert response.status_code == 400
    assert names(response) == {"initiative"}
    own = client.get(INDICATORS, SCHOOL_YEAR).json()
    assert own["scope"]["municipality"] == world.b.municipality.pk
    assert figures(own)["pupils_reached"]["value"] == "<5"  # b's own single pupil


def test_project_leader_of_b_gets_404_for_world_as_initiative(api_for, world, agreement):
    client = api_for(world.b.project_leader)
    assert client.get(INDICATORS, {"initiative": world.a.initiative.pk}).status_code == 404
    assert client.get(INDICATORS, {"programme": world.a.programme.pk}).status_code == 404
    assert client.get(INDICATORS, {"funding_agreement": agreement.pk}).status_code == 404
    response = client.get(INDICATORS, {"municipality": world.a.municipality.pk})
    assert response.status_code == 400  # b's initiative does not work in Utrecht
    assert names(response) == {"municipality"}


@pytest.mark.parametrize("who", ["outsider", "volunteer_user", "school_referrer"])
def test_others_get_403_for_indicators(api_for, world, who):
    user = world.outsider if who == "outsider" else getattr(world.a, who)
    client = api_for(user)
    assert client.get(INDICATORS).status_code == 403
    assert client.get(INDICATORS, {"municipality": world.a.municipality.pk}).status_code == 403


def test_a_token_for_one_role_gets_that_roles_figures(api_for, world, three_reached):
    from accounts.models import Role
    from accounts.tests.factories import MembershipFactory

    both = world.a.project_leader
    MembershipFactory(user=both, municipal_official=True, municipality=world.a.municipality)
    as_official = api_for(both, membership=both.memberships.get(role=Role.MUNICIPAL_OFFICIAL))
    as_leader = api_for(both, membership=both.memberships.get(role=Role.PROJECT_LEADER))
    params = {**SCHOOL_YEAR, "initiative": world.a.initiative.pk}

    assert figures(as_official.get(INDICATORS, params).json())["pupils_reached"]["value"] == "<5"
    assert figures(as_leader.get(INDICATORS, params).json())["pupils_reached"]["value"] == 3


def test_anonymous_gets_401_for_indicators(api_for, world):
    assert api_for(None).get(INDICATORS).status_code == 401


def test_read_only_token_may_read_indicators(api_for, world):
    client = api_for(world.a.municipal_official, read_only=True)
    assert client.get(INDICATORS).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"school_year": 1999}, "school_year"),
        ({"school_year": "volgend"}, "school_year"),
        ({"calendar_year": 2025, "school_year": 2025}, "calendar_year"),
        ({"period_start": "2025-08-01"}, "period_end"),
        ({"period_end": "2025-08-01"}, "period_start"),
        ({"period_start": "2026-01-01", "period_end": "2025-01-01"}, "period_end"),
        ({"period_start": "1999-01-01", "period_end": "2025-01-01"}, "period_start"),
        ({"period_start": "2025-8-1", "period_end": "2026-07-31"}, "period_start"),
        ({"period_start": "", "period_end": "2026-07-31"}, "period_start"),
        ({"municipality": "0.5"}, "municipality"),
        ({"municipality": ""}, "municipality"),
        ({"initiative": " 5"}, "initiative"),
        ({"programme": 999999}, "programme"),
        ({"funding_agreement": 1, "initiative": 1}, "initiative"),
    ],
)
def test_invalid_indicator_question_is_a_400_naming_it(api_for, world, params, field):
    response = api_for(world.a.municipal_official).get(INDICATORS, params)
    assert response.status_code == 400, response.json()
    assert field in names(response)


def test_a_filter_that_does_not_fit_the_scope_is_a_400(api_for, world):
    other = ProgrammeFactory(initiative=world.b.initiative, municipalities=[world.b.municipality])
    elsewhere = NeighbourhoodFactory(municipality=world.b.municipality, name="Sterrenburg")
    official = api_for(world.a.municipal_official)
    leader = api_for(world.a.project_leader)
    for client in (official, leader):
        response = client.get(
            INDICATORS, {"initiative": world.a.initiative.pk, "programme": other.pk}
        )
        assert response.status_code == 400
        assert names(response) == {"programme"}
        response = client.get(INDICATORS, {"neighbourhood": elsewhere.pk})
        assert response.status_code == 400
        assert names(response) == {"neighbourhood"}


def test_indicator_queries_do_not_grow_with_pupils(api_for, world, agreement):
    client = api_for(world.a.municipal_official)
    client.get(INDICATORS, SCHOOL_YEAR)
    with CaptureQueriesContext(connection) as few:
        client.get(INDICATORS, SCHOOL_YEAR)
    base.reached(world.a, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(INDICATORS, SCHOOL_YEAR)
    assert figures(response.json())["pupils_reached"]["value"] == 7
    assert len(many) == len(few)


# --- reports: reading ---------------------------------------------------------------------


def test_official_lists_their_municipalitys_reports(api_for, world, agreement, b_report):
    mine = make_report(world, agreement, status=Report.Status.RUNNING, progress=40)
    response = api_for(world.a.municipal_official).get(REPORTS)

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == mine.pk
    assert (row["status"], row["progress"], row["version"]) == ("running", 40, 1)
    assert row["kind"] == "agreement" and row["funding_agreement"] == agreement.pk
    assert row["download_url"] is None and row["tables"] == []
    assert row["finished_at"] is None
    assert world.a.initiative.name in row["subject"]


def test_project_leader_sees_agreement_reports_but_no_overview(api_for, world, agreement):
    mine = make_report(world, agreement)
    overview = Report.objects.create(
        kind=Report.Kind.MUNICIPAL_OVERVIEW,
        municipality=world.a.municipality,
        period_start=base.SCHOOL_YEAR.start,
        period_end=base.SCHOOL_YEAR.end,
    )
    client = api_for(world.a.project_leader)
    assert [row["id"] for row in client.get(REPORTS).json()["results"]] == [mine.pk]
    assert client.get(url(overview)).status_code == 404


def test_official_of_b_sees_none_of_world_as_reports(api_for, world, done_report):
    client = api_for(world.b.municipal_official)
    assert client.get(REPORTS).json()["count"] == 0
    for path in (
        url(done_report),
        url(done_report, "download"),
        url(done_report, "csv") + "?table=figures",
        url(done_report, "xlsx"),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(url(done_report, "retry")).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "volunteer_user", "school_referrer"])
def test_others_get_403_for_reports(api_for, world, agreement, who):
    report = make_report(world, agreement)
    user = world.outsider if who == "outsider" else getattr(world.a, who)
    client = api_for(user)
    assert client.get(REPORTS).status_code == 403
    assert client.get(url(report)).status_code == 403
    assert client.get(url(report, "download")).status_code == 403
    assert client.post(REPORTS, request_body(agreement), format="json").status_code == 403
    assert Report.objects.count() == 1


def test_report_filters(api_for, world, agreement):
    done = make_report(world, agreement)
    failed = make_report(world, agreement, status=Report.Status.FAILED)
    other = make_report(world, base.agreement_for(world.a))
    client = api_for(world.a.municipal_official)

    def ids(**params):
        response = client.get(REPORTS, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert set(ids()) == {done.pk, failed.pk, other.pk}
    assert ids(status="failed") == [failed.pk]
    assert set(ids(funding_agreement=agreement.pk)) == {done.pk, failed.pk}
    assert ids(kind="overview") == []
    assert ids(funding_agreement=10**30) == []  # beyond any id: matches nothing
    assert ids(ordering="version")[-1] == failed.pk


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "lost"),
        ("status", ""),
        ("kind", "essay"),
        ("funding_agreement", "a"),
        ("funding_agreement", ""),
    ],
)
def test_invalid_report_filter_is_a_400(api_for, world, param, value):
    response = api_for(world.a.municipal_official).get(REPORTS, {param: value})
    assert response.status_code == 400
    assert names(response) == {param}


def test_report_list_queries_do_not_grow_with_rows(api_for, world, agreement):
    client = api_for(world.a.municipal_official)
    make_report(world, agreement)
    client.get(REPORTS)
    with CaptureQueriesContext(connection) as few:
        client.get(REPORTS)
    for _ in range(4):
        make_report(world, agreement)
    make_report(world, base.agreement_for(world.a))
    with CaptureQueriesContext(connection) as many:
        response = client.get(REPORTS)
    assert response.json()["count"] == 6
    assert len(many) == len(few)


# --- reports: requesting, retrying, downloading ------------------------------------------------


def test_requesting_a_report_generates_it_and_the_pdf_downloads(api_for, world, done_report):
    client = api_for(world.a.municipal_official)
    body = client.get(url(done_report)).json()
    assert (body["status"], body["progress"], body["version"]) == ("done", 100, 1)
    assert body["download_url"] == url(done_report, "download")
    assert body["finished_at"] is not None
    assert {t["id"] for t in body["tables"]} >= {"figures"}

    for accept in ("application/pdf", "*/*", None):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        response = client.get(body["download_url"], **headers)
        assert response.status_code == 200, accept
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["Content-Disposition"].startswith("attachment;")


def test_project_leader_requests_their_agreements_report(
    api_for, world, agreement, django_capture_on_commit_callbacks, monkeypatch
):
    base.skip_pdf(monkeypatch)
    whole = Period(agreement.start_date, agreement.end_date)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(world.a.project_leader).post(
            REPORTS, request_body(agreement, whole), format="json"
        )
    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.requested_by, report.status) == (world.a.project_leader, "done")


def test_official_requests_the_overview_and_the_project_leader_gets_403(
    api_for, world, agreement, monkeypatch
):
    base.skip_pdf(monkeypatch)
    body = {
        "kind": "overview",
        "municipality": world.a.municipality.pk,
        "period_start": "2025-08-01",
        "period_end": "2026-07-31",
    }
    denied = api_for(world.a.project_leader).post(REPORTS, body, format="json")
    assert denied.status_code == 403
    assert not Report.objects.exists()

    response = api_for(world.a.municipal_official).post(REPORTS, body, format="json")
    assert response.status_code == 201
    assert response.json()["kind"] == "overview"
    assert response.json()["funding_agreement"] is None


def test_read_only_token_cannot_request_or_retry(api_for, world, agreement):
    failed = make_report(world, agreement, status=Report.Status.FAILED)
    client = api_for(world.a.municipal_official, read_only=True)
    assert client.post(REPORTS, request_body(agreement), format="json").status_code == 403
    assert client.post(url(failed, "retry")).status_code == 403
    assert Report.objects.count() == 1
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_other_worlds_agreement_or_municipality_does_not_exist(api_for, world):
    b_agreement = base.agreement_for(world.b)
    client = api_for(world.a.municipal_official)
    response = client.post(REPORTS, request_body(b_agreement), format="json")
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["code"] == "does_not_exist"
    overview = client.post(
        REPORTS,
        {
            "kind": "overview",
            "municipality": world.b.municipality.pk,
            "period_start": "2025-08-01",
            "period_end": "2026-07-31",
        },
        format="json",
    )
    assert overview.status_code == 400
    assert names(overview) == {"municipality"}
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"period_start": "2025-09-01"}, "period_start"),  # not one of the agreement's periods
        ({"period_end": "2024-07-31"}, "period_end"),
        ({"period_start": "01-08-2025"}, "period_start"),
        ({"funding_agreement": None}, "funding_agreement"),
        ({"funding_agreement": "1"}, "funding_agreement"),
        ({"kind": "essay"}, "kind"),
        ({"municipality": 1}, "municipality"),
    ],
)
def test_invalid_report_request_is_a_400_and_queues_nothing(
    api_for, world, agreement, overrides, field
):
    if overrides.get("municipality") == 1:
        overrides = {"municipality": world.a.municipality.pk}
    response = api_for(world.a.municipal_official).post(
        REPORTS, request_body(agreement, **overrides), format="json"
    )
    assert response.status_code == 400, response.json()
    assert field in names(response)
    assert not Report.objects.exists()


def test_retrying_a_failed_report_makes_it_again(
    api_for, world, agreement, django_capture_on_commit_callbacks, monkeypatch
):
    base.skip_pdf(monkeypatch)
    report = make_report(world, agreement, status=Report.Status.FAILED, error=services.ERROR_PDF)
    client = api_for(world.a.project_leader)
    assert client.get(url(report)).json()["error"].startswith("De PDF")  # translated
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(report, "retry"))
    assert response.status_code == 200
    report.refresh_from_db()
    assert (report.status, report.version) == ("done", 1)


def test_retrying_a_report_that_did_not_fail_is_a_409(api_for, world, agreement):
    report = make_report(world, agreement, status=Report.Status.DONE)
    response = api_for(world.a.municipal_official).post(url(report, "retry"))
    assert response.status_code == 409
    assert response.json()["code"] == "not_failed"
    report.refresh_from_db()
    assert report.status == "done"


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_a_report_that_is_not_ready_cannot_be_downloaded(api_for, world, agreement, status):
    report = make_report(world, agreement, status=status)
    client = api_for(world.a.municipal_official)
    for path, accept in (
        (url(report, "download"), "application/pdf"),
        (url(report, "csv") + "?table=figures", "text/csv"),
        (url(report, "xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        response = client.get(path, HTTP_ACCEPT=accept)
        assert response.status_code == 409, path
        assert response["Content-Type"] == "application/problem+json"
        assert json.loads(response.content)["code"] == "not_ready"


def test_exports_have_the_pdfs_published_values(api_for, world, done_report):
    client = api_for(world.a.municipal_official)
    csv = client.get(url(done_report, "csv"), {"table": "figures"}, HTTP_ACCEPT="text/csv")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "<5" in text  # three pupils reached, suppressed for the municipality
    assert "Zwartewaal" not in text
    xlsx = client.get(url(done_report, "xlsx"))
    assert xlsx.status_code == 200
    assert xlsx.content.startswith(b"PK")
    assert client.get(url(done_report, "csv"), {"table": "nonsense"}).status_code == 404
    assert client.get(url(done_report, "csv"), {"table": "all"}).status_code == 404
    bad = client.get(url(done_report, "csv"), {"table": "Figures!"})
    assert bad.status_code == 400
    assert names(bad) == {"table"}
    assert client.get(url(done_report, "csv")).status_code == 400  # table is required


# --- no personal data ---------------------------------------------------------------------


def test_no_endpoint_shows_a_childs_name(api_for, world, agreement, done_report):
    for user in (world.a.municipal_official, world.a.project_leader, world.superuser):
        client = api_for(user)
        for path, params in (
            (INDICATORS, SCHOOL_YEAR),
            (INDICATORS, {**SCHOOL_YEAR, "initiative": world.a.initiative.pk}),
            (INDICATORS, {**SCHOOL_YEAR, "funding_agreement": agreement.pk}),
            (REPORTS, {}),
            (url(done_report), {}),
        ):
            response = client.get(path, params)
            assert response.status_code == 200, (user, path, response.content)
            content = response.content.decode()
            assert "Zwartewaal" not in content
            assert "Yasmina" not in content
