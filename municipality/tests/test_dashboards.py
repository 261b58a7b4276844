"""The dashboards: the municipality's (suppressed, no personal data) and the initiative's (exact).

Time is frozen on 16 March 2026, so the current school year is 2025-2026 and
the world's own session (a week ago) lies in it. The hand-built data of these
tests lies in school year 2024-2025 (sessions on 10 February 2025), away from
the world's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.tests.factories import municipal_official_of, project_leader_of
from initiatives.tests.factories import InitiativeFactory, ProgrammeFactory
from municipality.models import FundingAgreement, Target
from municipality.tests.factories import (
    FunderFactory,
    FundingAgreementFactory,
    MunicipalityFactory,
    NeighbourhoodFactory,
    TargetFactory,
)
from referrals.tests.factories import (
    ContactMomentFactory,
    MatchFactory,
    MatchParticipantFactory,
    ReferralFactory,
)
from schools.models import SchoolYearFigure
from schools.tests.factories import SchoolLocationFactory

TODAY = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
SESSION_DAY = dt.date(2025, 2, 10)
LAST_YEAR = "school-2024"  # 1 August 2024 - 31 July 2025


@pytest.fixture(autouse=True)
def _frozen_today(time_machine):
    """Before the world is built, so its dates are relative to the frozen day."""
    time_machine.move_to(TODAY, tick=False)


DASHBOARD = "municipality:dashboard"
INITIATIVE_DASHBOARD = "municipality:initiative_dashboard"


def dashboard_url(**params) -> str:
    url = reverse(DASHBOARD)
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def initiative_url(initiative, **params) -> str:
    url = reverse(INITIATIVE_DASHBOARD, args=[initiative.pk])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def text(response) -> str:
    return response.content.decode()


def shown(response, message: str) -> bool:
    with translation.override("nl"):
        translated = gettext(message)
    return escape(translated) in text(response)


def figure(response, key: str) -> str:
    """The text of one headline figure (``data-figure`` in dashboard_figures.html)."""
    match = re.search(
        rf'data-figure="{key}">\s*<dt[^>]*>.*?</dt>\s*<dd[^>]*>(.*?)</dd>', text(response), re.S
    )
    assert match, f"figure {key} not on the page"
    return match.group(1).strip()


def reach(
    side,
    count: int,
    *,
    programme=None,
    school=None,
    neighbourhood=None,
    on: dt.date = SESSION_DAY,
) -> list:
    """``count`` pupils of the side's initiative, each reached by one held session on ``on``."""
    programme = programme or side.programme
    school = school or side.school
    pupils = []
    for i in range(count):
        referral = ReferralFactory(
            programme=programme,
            matched=True,
            # distinctive names: "no name on the page" must not hit a random word
            pupil__first_name=f"Kindvoornaam{i}q",
            pupil__last_name=f"Kindachternaam{i}q",
            pupil__school=school,
            pupil__neighbourhood=neighbourhood,
            school_year=2024,
        )
        match = MatchFactory(
            programme=programme,
            volunteer__initiative=programme.initiative,
            start_date=on - dt.timedelta(days=14),
        )
        MatchParticipantFactory(match=match, referral=referral)
        ContactMomentFactory(match=match, date=on)
        pupils.append(referral.pupil)
    return pupils


def agreement_for(
    side, *, target: int, start=dt.date(2024, 8, 1), end=dt.date(2025, 7, 31), funder=None
):
    agreement = FundingAgreementFactory(
        municipality=side.municipality,
        initiative=side.initiative,
        funder=funder or FunderFactory(municipal=True, municipality=side.municipality),
        programmes=[side.programme],
        period_kind=FundingAgreement.PeriodKind.SCHOOL_YEAR,
        start_date=start,
        end_date=end,
    )
    TargetFactory(agreement=agreement, indicator=Target.Indicator.PUPILS_REACHED, value=target)
    return agreement


# --- realised against target ---------------------------------------------------


def test_municipal_dashboard_shows_pupils_reached_against_the_agreements_target(world, client_for):
    reach(world.a, 6)
    agreement = agreement_for(world.a, target=10)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    [block] = dashboard.targets
    assert block.agreement == agreement
    [line] = block.lines
    assert (line.key, line.realised, line.target) == ("pupils_reached", "6", 10)
    assert figure(response, "pupils_reached") == "6"
    assert block.title in text(response) or escape(block.title) in text(response)


def test_target_chart_has_the_numbers_in_a_table(world, client_for):
    reach(world.a, 6)
    agreement_for(world.a, target=10)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    cells = re.findall(r'numeric-data">([^<]*)<', text(response))
    assert cells[:3] == ["6", "10", "60%"]  # the first chart is realised against target


def test_small_realised_count_is_below_five_for_the_municipality_exact_for_the_initiative(
    world, client_for
):
    reach(world.a, 3)
    agreement_for(world.a, target=10)

    municipal = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))
    own = client_for(world.a.project_leader).get(
        initiative_url(world.a.initiative, period=LAST_YEAR)
    )

    [municipal_block] = municipal.context["dashboard"].targets
    [own_block] = own.context["dashboard"].targets
    assert municipal_block.lines[0].realised == "<5"
    assert own_block.lines[0].realised == "3"
    assert 'numeric-data">3<' not in text(municipal)


def test_every_chart_comes_with_an_accessible_table(world, client_for):
    reach(world.a, 6)
    agreement_for(world.a, target=10)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    page = text(response)
    charts = page.count('role="img"')
    assert charts == 4  # target, neighbourhood, sector, trend
    assert page.count("site-chart__table") == charts
    assert page.count('scope="row"') > charts


def test_agreement_outside_the_period_is_not_shown(world, client_for):
    reach(world.a, 6)
    agreement_for(world.a, target=10, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert response.context["dashboard"].targets == ()
    assert shown(response, "No funding agreement with targets overlaps this period.")


def test_co_financing_agreements_each_show_their_own_target(world, client_for):
    reach(world.a, 6)
    agreement_for(world.a, target=10)
    agreement_for(world.a, target=20, funder=FunderFactory(name="Gelijke Kansen Alliantie"))

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    lines = [
        (b.lines[0].realised, b.lines[0].target) for b in response.context["dashboard"].targets
    ]
    assert sorted(lines) == [("6", 10), ("6", 20)]


# --- small numbers ---------------------------------------------------------------


def test_small_count_is_shown_as_below_five_to_the_municipality(world, client_for):
    reach(world.a, 3)

    response = client_for(world.a.municipal_official).get(dashboard_url(period=LAST_YEAR))

    assert figure(response, "pupils_reached") == escape("<5")


def test_initiative_dashboard_shows_the_exact_small_count(world, client_for):
    reach(world.a, 3)

    response = client_for(world.a.project_leader).get(
        initiative_url(world.a.initiative, period=LAST_YEAR)
    )

    assert response.status_code == 200
    assert figure(response, "pupils_reached") == "3"


# --- reach gap ----------------------------------------------------------------------


def test_reach_gap_lists_a_school_without_referrals_highest_weighting_first(world, client_for):
    quiet = SchoolLocationFactory(
        name="Basisschool Het Stille Water", municipality=world.a.municipality
    )
    quieter = SchoolLocationFactory(
        name="Basisschool De Lege Bank", municipality=world.a.municipality
    )
    SchoolYearFigure.objects.create(school=quiet, school_year=2024, weighting="31.50")
    SchoolYearFigure.objects.create(school=quieter, school_year=2024, weighting="35.20")
    SchoolLocationFactory(name="Basisschool Elders", municipality=world.b.municipality)

    response = client_for(world.a.municipal_official).get(dashboard_url())

    gap = [label for label, _values in response.context["dashboard"].reach_gap.rows]
    assert gap[:2] == ["Basisschool De Lege Bank", "Basisschool Het Stille Water"]
    assert world.a.school.name not in gap  # it referred the world's pupils this year
    assert "Basisschool Elders" not in text(response)
    assert "Basisschool Het Stille Water" in text(response)


# --- filters and periods -------------------------------------------------------------


def test_period_select_changes_the_period(world, client_for):
    reach(world.a, 6)
    client = client_for(world.a.project_leader)

    this_year = client.get(initiative_url(world.a.initiative))
    last_year = client.get(initiative_url(world.a.initiative, period=LAST_YEAR))
    calendar = client.get(initiative_url(world.a.initiative, period="calendar-2025"))

    assert this_year.context["dashboard"].period.label == "2025-2026"
    assert figure(this_year, "pupils_reached") == "1"  # the world's own pupil
    assert figure(last_year, "pupils_reached") == "6"
    assert calendar.context["dashboard"].period.label == "2025"
    assert figure(calendar, "pupils_reached") == "6"


def test_default_period_is_the_current_school_year(world, client_for):
    response = client_for(world.a.municipal_official).get(dashboard_url())

    assert response.context["dashboard"].period.label == "2025-2026"


def test_neighbourhood_filter_narrows_the_figures(world, client_for):
    north = NeighbourhoodFactory(municipality=world.a.municipality, name="Noordoost")
    west = NeighbourhoodFactory(municipality=world.a.municipality, name="West")
    reach(world.a, 5, neighbourhood=north)
    reach(world.a, 7, neighbourhood=west)
    client = client_for(world.a.municipal_official)

    everything = client.get(dashboard_url(period=LAST_YEAR))
    only_west = client.get(dashboard_url(period=LAST_YEAR, neighbourhood=west.pk))

    assert figure(everything, "pupils_reached") == "12"
    assert figure(only_west, "pupils_reached") == "7"
    assert only_west.context["dashboard"].filters.neighbourhood == west


def test_programme_and_initiative_filters_narrow_the_figures(world, client_for):
    homework = ProgrammeFactory(
        initiative=world.a.initiative, name="Huiswerkhulp", municipalities=[world.a.municipality]
    )
    other = InitiativeFactory(name="Stadsnetwerk Taal", municipalities=[world.a.municipality])
    other_programme = ProgrammeFactory(initiative=other, municipalities=[world.a.municipality])
    reach(world.a, 5)
    reach(world.a, 6, programme=homework)
    reach(world.a, 8, programme=other_programme)
    client = client_for(world.a.municipal_official)

    everything = client.get(dashboard_url(period=LAST_YEAR))
    one_initiative = client.get(dashboard_url(period=LAST_YEAR, initiative=world.a.initiative.pk))
    one_programme = client.get(dashboard_url(period=LAST_YEAR, programme=homework.pk))

    assert figure(everything, "pupils_reached") == "19"
    assert figure(one_initiative, "pupils_reached") == "11"
    assert figure(one_programme, "pupils_reached") == "6"


def test_initiative_dashboard_can_be_narrowed_to_one_municipality(world, client_for):
    amersfoort = MunicipalityFactory(cbs_code="GM0307", name="Amersfoort")
    world.a.initiative.municipalities.add(amersfoort)
    world.a.programme.municipalities.add(amersfoort)
    reach(world.a, 6)
    reach(world.a, 5, school=SchoolLocationFactory(municipality=amersfoort))
    client = client_for(world.a.project_leader)

    everywhere = client.get(initiative_url(world.a.initiative, period=LAST_YEAR))
    utrecht = client.get(
        initiative_url(world.a.initiative, period=LAST_YEAR, municipality=world.a.municipality.pk)
    )
    only_amersfoort = client.get(
        initiative_url(world.a.initiative, period=LAST_YEAR, municipality=amersfoort.pk)
    )

    assert figure(everywhere, "pupils_reached") == "11"
    assert figure(utrecht, "pupils_reached") == "6"
    assert figure(only_amersfoort, "pupils_reached") == "5"


@pytest.mark.parametrize(
    "params",
    [
        {"period": "school-abc"},
        {"period": "decade-2020"},
        {"period": "school-1900"},
        {"neighbourhood": "999999"},
        {"neighbourhood": "west"},
        {"programme": "x"},
        {"initiative": "-1"},
    ],
)
def test_bad_filter_values_fall_back_to_the_default_with_a_message(world, client_for, params):
    response = client_for(world.a.municipal_official).get(dashboard_url(**params))

    assert response.status_code == 200
    assert response.context["dashboard"].period.label == "2025-2026"
    assert shown(response, "Some filter values could not be used; the default is shown instead.")


def test_programme_of_another_initiative_than_the_chosen_one_is_reset(world, client_for):
    other = InitiativeFactory(municipalities=[world.a.municipality])
    other_programme = ProgrammeFactory(initiative=other, municipalities=[world.a.municipality])

    response = client_for(world.a.municipal_official).get(
        dashboard_url(initiative=world.a.initiative.pk, programme=other_programme.pk)
    )

    filters = response.context["dashboard"].filters
    assert filters.initiative == world.a.initiative
    assert filters.programme is None


# --- who sees what ---------------------------------------------------------------


def test_official_is_offered_only_their_own_municipality(world, client_for):
    NeighbourhoodFactory(municipality=world.b.municipality, name="Dordtse Wijk Crabbehof")

    response = client_for(world.a.municipal_official).get(dashboard_url())

    form = response.context["form"]
    assert "municipality" not in form.fields
    assert list(form.fields["initiative"].queryset) == [world.a.initiative]
    assert world.b.programme not in form.fields["programme"].queryset
    page = text(response)
    assert world.b.initiative.name not in page
    assert "Crabbehof" not in page
    assert "Dordrecht" not in page


def test_official_asking_for_another_municipality_gets_404(world, client_for):
    client = client_for(world.a.municipal_official)

    assert client.get(dashboard_url(municipality=world.b.municipality.pk)).status_code == 404
    assert client.get(dashboard_url(municipality="abc")).status_code == 404
    assert client.get(dashboard_url(municipality=world.a.municipality.pk)).status_code == 200


def test_administrator_may_pick_any_municipality(world, client_for):
    response = client_for(world.superuser).get(dashboard_url(municipality=world.b.municipality.pk))

    assert response.status_code == 200
    assert response.context["municipality"] == world.b.municipality
    assert "municipality" in response.context["form"].fields


@pytest.mark.parametrize("who", ["outsider", "volunteer_user", "school_referrer"])
def test_users_without_a_dashboard_role_get_403(world, client_for, who):
    user = world.outsider if who == "outsider" else getattr(world.a, who)
    client = client_for(user)

    assert client.get(dashboard_url()).status_code == 403
    assert client.get(initiative_url(world.a.initiative)).status_code == 403


def test_anonymous_user_is_sent_to_the_login_page(world, client):
    response = client.get(dashboard_url())

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_project_leader_is_sent_on_to_their_initiative_dashboard(world, client_for):
    response = client_for(world.a.project_leader).get(dashboard_url())

    assert response.status_code == 302
    assert response["Location"] == initiative_url(world.a.initiative)


def test_project_leader_of_another_initiative_gets_404(world, client_for):
    response = client_for(world.a.project_leader).get(initiative_url(world.b.initiative))

    assert response.status_code == 404


def test_official_gets_403_on_an_initiative_dashboard(world, client_for):
    response = client_for(world.a.municipal_official).get(initiative_url(world.a.initiative))

    assert response.status_code == 403


def test_initiative_dashboard_offers_only_the_initiatives_programmes(world, client_for):
    response = client_for(world.a.project_leader).get(initiative_url(world.a.initiative))

    form = response.context["form"]
    assert list(form.fields["programme"].queryset) == [world.a.programme]
    assert list(form.fields["municipality"].queryset) == [world.a.municipality]
    assert "initiative" not in form.fields


def _names(side) -> list[str]:
    names = [
        side.pupil.first_name,
        side.pupil.last_name,
        side.volunteer.first_name,
        side.volunteer.last_name,
        side.guardian.name,
    ]
    if side.unmatched_pupil is not None:
        names += [side.unmatched_pupil.first_name, side.unmatched_pupil.last_name]
    return names


@pytest.mark.parametrize("period", [None, LAST_YEAR])
def test_official_sees_no_personal_data(world, client_for, period):
    pupils = reach(world.a, 6)
    agreement_for(world.a, target=10)
    params = {"period": period} if period else {}

    response = client_for(world.a.municipal_official).get(dashboard_url(**params))

    page = text(response)
    for name in _names(world.a) + [n for p in pupils for n in (p.first_name, p.last_name)]:
        assert name not in page, name
        assert escape(name) not in page, name


# --- queries -----------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["municipal_official", "project_leader"])
def test_query_count_does_not_grow_with_the_data(world, client_for, who):
    agreement_for(world.a, target=10)
    user = getattr(world.a, who)
    url = (
        dashboard_url(period=LAST_YEAR)
        if who == "municipal_official"
        else initiative_url(world.a.initiative, period=LAST_YEAR)
    )
    client = client_for(user)
    client.get(url)  # warm up (session, content types)
    reach(world.a, 1)
    few = _queries(client, url)

    for index in range(4):
        neighbourhood = NeighbourhoodFactory(municipality=world.a.municipality)
        school = SchoolLocationFactory(municipality=world.a.municipality)
        SchoolYearFigure.objects.create(school=school, school_year=2024, weighting=30 + index)
        reach(world.a, 3, school=school, neighbourhood=neighbourhood)
    SchoolLocationFactory.create_batch(3, municipality=world.a.municipality, sector="VO")
    many = _queries(client, url)

    assert many == few


def test_municipal_official_of_two_municipalities_may_switch(world, client_for):
    official = municipal_official_of(world.a.municipality)
    from accounts.tests.factories import MembershipFactory

    MembershipFactory(user=official, municipal_official=True, municipality=world.b.municipality)

    response = client_for(official).get(dashboard_url(municipality=world.b.municipality.pk))

    assert response.status_code == 200
    assert response.context["municipality"] == world.b.municipality
    assert list(response.context["form"].fields["municipality"].queryset) == [
        world.b.municipality,
        world.a.municipality,
    ]


def test_leader_of_two_initiatives_sees_links_to_both(world, client_for):
    leader = project_leader_of(world.a.initiative)
    from accounts.tests.factories import MembershipFactory

    MembershipFactory(user=leader, project_leader=True, initiative=world.b.initiative)

    response = client_for(leader).get(initiative_url(world.b.initiative))

    assert response.status_code == 200
    assert initiative_url(world.a.initiative) in text(response)


def test_municipal_dashboard_shows_volunteer_capacity_and_free_places(world, client_for):
    from initiatives.models import Volunteer

    # world a's volunteer tutors one pupil (world.a.match) and can take eight at once
    Volunteer.objects.filter(pk=world.a.volunteer.pk).update(capacity=8)

    response = client_for(world.a.municipal_official).get(dashboard_url())

    assert response.status_code == 200
    assert figure(response, "volunteer_capacity") == "8"
    # 8 and 7 would tell that one pupil is tutored: the free places are hidden
    assert figure(response, "volunteer_free_places") == "x"


def test_filter_that_differs_by_a_small_count_from_the_whole_shows_the_whole(world, client_for):
    """57 reached in the municipality and 55 in one neighbourhood would tell that 2 live
    elsewhere: such a selection is not shown, the whole municipality is."""
    north = NeighbourhoodFactory(municipality=world.a.municipality, name="Noordoost")
    west = NeighbourhoodFactory(municipality=world.a.municipality, name="West")
    reach(world.a, 9, neighbourhood=north)
    reach(world.a, 3, neighbourhood=west)
    client = client_for(world.a.municipal_official)

    everything = client.get(dashboard_url(period=LAST_YEAR))
    only_north = client.get(dashboard_url(period=LAST_YEAR, neighbourhood=north.pk))

    assert figure(everything, "pupils_reached") == "12"
    assert figure(only_north, "pupils_reached") == "12"  # not 9
    dashboard = only_north.context["dashboard"]
    assert dashboard.withheld is True
    assert dashboard.filters.neighbourhood is None
    assert shown(
        only_north,
        "This selection differs from a broader one by fewer than five persons, "
        "so together they would reveal small numbers. The figures of the whole "
        "municipality are shown instead; choose a broader selection.",
    )


def test_initiative_dashboard_keeps_its_exact_filtered_figures(world, client_for):
    north = NeighbourhoodFactory(municipality=world.a.municipality, name="Noordoost")
    reach(world.a, 9, neighbourhood=north)
    reach(world.a, 3)

    response = client_for(world.a.project_leader).get(
        initiative_url(world.a.initiative, period=LAST_YEAR, neighbourhood=north.pk)
    )

    assert figure(response, "pupils_reached") == "9"


# --- the disclosure check computes nothing twice ------------------------------------------


def _whole(world):
    """The whole municipality of side a in school year 2024-2025."""
    from core.periods import Period
    from municipality.dashboards.selectors import DashboardFilters

    return DashboardFilters(period=Period.school_year(2024), municipality=world.a.municipality)


def _filtered_view(world):
    """A neighbourhood filter that differs from the whole by 5 or more: it is shown."""
    north = NeighbourhoodFactory(municipality=world.a.municipality, name="Noordoost")
    west = NeighbourhoodFactory(municipality=world.a.municipality, name="West")
    reach(world.a, 5, neighbourhood=north)
    reach(world.a, 7, neighbourhood=west)
    whole = _whole(world)
    return whole, dataclasses.replace(whole, neighbourhood=west)


def _spy_on_the_engine(monkeypatch) -> Counter:
    """Count ``compute`` and ``trend`` calls of the dashboards, by scope."""
    from reports.indicators import cache as selectors  # the dashboards compute through it

    calls: Counter = Counter()
    compute, trend = selectors.compute, selectors.trend

    def spied_compute(scope, period, *args, **kwargs):
        calls["compute", scope] += 1
        return compute(scope, period, *args, **kwargs)

    def spied_trend(scope, years, *args, **kwargs):
        calls["trend", scope] += 1
        return trend(scope, years, *args, **kwargs)

    monkeypatch.setattr(selectors, "compute", spied_compute)
    monkeypatch.setattr(selectors, "trend", spied_trend)
    return calls


def test_a_filtered_municipal_dashboard_computes_each_view_once(world, monkeypatch):
    from municipality.dashboards.selectors import municipal_dashboard

    whole, west = _filtered_view(world)
    calls = _spy_on_the_engine(monkeypatch)

    dashboard = municipal_dashboard(user=world.a.municipal_official, filters=west)

    assert dashboard.withheld is False
    assert figure_text(dashboard, "pupils_reached") == "7"
    assert calls == Counter(
        {
            ("compute", west.scope): 1,  # for the disclosure check and the page
            ("trend", west.scope): 1,
            ("compute", whole.scope): 1,  # the broader view it is compared with
            ("trend", whole.scope): 1,
        }
    )


def test_a_withheld_selection_shows_the_whole_computed_once(world, monkeypatch):
    from municipality.dashboards.selectors import municipal_dashboard

    north = NeighbourhoodFactory(municipality=world.a.municipality, name="Noordoost")
    reach(world.a, 9, neighbourhood=north)
    reach(world.a, 3)  # 12 in all: the 9 of north would tell that 3 live elsewhere
    whole = _whole(world)
    only_north = dataclasses.replace(whole, neighbourhood=north)
    calls = _spy_on_the_engine(monkeypatch)

    dashboard = municipal_dashboard(user=world.a.municipal_official, filters=only_north)

    assert dashboard.withheld is True
    assert figure_text(dashboard, "pupils_reached") == "12"
    assert calls == Counter(
        {
            ("compute", only_north.scope): 1,
            ("trend", only_north.scope): 1,
            ("compute", whole.scope): 1,  # compared with, then shown
            ("trend", whole.scope): 1,
        }
    )


def test_the_filtered_dashboard_costs_one_computation_more_than_the_whole(world):
    from municipality.dashboards import selectors

    whole, west = _filtered_view(world)
    user = world.a.municipal_official

    def queries(call) -> int:
        call()  # warm up (content types, caches)
        with CaptureQueriesContext(connection) as captured:
            call()
        return len(captured)

    whole_page = queries(lambda: selectors.municipal_dashboard(user=user, filters=whole))
    filtered_page = queries(lambda: selectors.municipal_dashboard(user=user, filters=west))
    # The queries of one computation of the filtered view (its indicators and trend).
    one_computation = queries(lambda: selectors._view_figures(west))
    # Without the reuse the filtered page computes its own figures twice.
    assert one_computation > 0
    assert filtered_page == whole_page + one_computation


def figure_text(dashboard, key: str) -> str:
    return next(shown.text for shown in dashboard.headline if shown.key == key)
