"""The funding agreement pages: list, detail, record and change, funders, accountability."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from initiatives.tests.factories import ProgrammeFactory
from municipality.models import AccountabilityText, Funder, FundingAgreement, Target
from municipality.tests.factories import (
    AccountabilityTextFactory,
    FunderFactory,
    FundingAgreementFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

TI = Target.Indicator


def url(name: str, *args) -> str:
    return reverse(f"municipality:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def shown(response, message: str) -> bool:
    """Whether the page shows ``message`` (translated as the page is, HTML-escaped)."""
    with translation.override("nl"):
        translated = gettext(message)
    return escape(translated) in text(response)


def listed_agreements(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-agreement="(\d+)"', text(response))}


def resolve(world, who: str):
    if who in ("outsider", "superuser"):
        return getattr(world, who)
    side, persona = who.split(".")
    return getattr(getattr(world, side), persona)


def agreement_of(side, **kwargs) -> FundingAgreement:
    fields = {
        "municipality": side.municipality,
        "initiative": side.initiative,
        "programmes": [side.programme],
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2026, 12, 31),
    }
    fields.update(kwargs)
    return FundingAgreementFactory(**fields)


def form_data(side, funder, /, **overrides) -> dict:
    data = {
        "funder": funder.pk,
        "reference": "UTR-2026-AL-0142",
        "initiative": side.initiative.pk,
        "programmes": [side.programme.pk],
        "amount": "30000,00",
        "period_kind": "school",
        "start_year": "2025",
        "years": "2",
        "target_pupils_reached": "220",
        "target_matches_started": "200",
        "target_volunteers_active": "",
    }
    data.update(overrides)
    return data


# --- who sees what ----------------------------------------------------------------------


def test_official_sees_only_own_municipalitys_agreements(world, client_for):
    a = agreement_of(world.a)
    b = agreement_of(world.b)

    response = client_for(world.a.municipal_official).get(url("agreement_list"))

    assert response.status_code == 200
    assert listed_agreements(response) == {a.pk}
    assert b.funder.name not in text(response)


def test_project_leader_sees_own_initiatives_agreements_read_only(world, client_for):
    a = agreement_of(world.a)
    agreement_of(world.b)
    client = client_for(world.a.project_leader)

    response = client.get(url("agreement_list"))
    assert listed_agreements(response) == {a.pk}
    assert url("agreement_create") not in text(response)

    detail = client.get(url("agreement_detail", a.pk))
    assert detail.status_code == 200
    assert url("agreement_edit", a.pk) not in text(detail)
    assert url("accountability_text", a.pk) in text(detail)


@pytest.mark.parametrize(
    "who", ["outsider", "a.volunteer_user", "a.school_referrer", "b.volunteer_user"]
)
def test_outsiders_volunteers_and_schools_get_403(world, client_for, who):
    agreement = agreement_of(world.a)
    client = client_for(resolve(world, who))

    for path in (
        url("agreement_list"),
        url("agreement_detail", agreement.pk),
        url("agreement_create"),
        url("agreement_edit", agreement.pk),
        url("accountability_text", agreement.pk),
        url("funder_create"),
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert agreement.funder.name not in text(response)


@pytest.mark.parametrize("who", ["b.municipal_official", "b.project_leader"])
def test_another_municipalitys_or_initiatives_agreement_is_404(world, client_for, who):
    agreement = agreement_of(world.a, amount=Decimal("123456.00"))
    client = client_for(resolve(world, who))

    for path in (
        url("agreement_detail", agreement.pk),
        url("agreement_edit", agreement.pk),
        url("accountability_text", agreement.pk),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "123.456" not in text(response)
    response = client.post(
        url("agreement_edit", agreement.pk), form_data(world.a, agreement.funder)
    )
    assert response.status_code == 404
    assert FundingAgreement.objects.get().amount == Decimal("123456.00")


def test_anonymous_visitor_is_sent_to_log_in(client, world):
    agreement = agreement_of(world.a)
    for path in (url("agreement_list"), url("agreement_detail", agreement.pk)):
        response = client.get(path)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_pages_show_no_personal_data(world, client_for):
    agreement = agreement_of(world.a)
    AccountabilityTextFactory(agreement=agreement)
    names = [
        world.a.pupil.first_name,
        world.a.pupil.last_name,
        world.a.guardian.name,
        world.a.volunteer.full_name,
    ]
    pages = [
        (world.a.municipal_official, url("agreement_list")),
        (world.a.municipal_official, url("agreement_detail", agreement.pk)),
        (world.a.municipal_official, url("agreement_edit", agreement.pk)),
        (world.a.project_leader, url("accountability_text", agreement.pk)),
    ]
    for user, path in pages:
        content = text(client_for(user).get(path))
        for name in names:
            assert name not in content, (path, name)


def test_list_queries_do_not_grow_with_the_number_of_agreements(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.a.municipal_official)
    agreement_of(world.a)
    client.get(url("agreement_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(url("agreement_list"))

    for _ in range(6):
        programme = ProgrammeFactory(
            initiative=world.a.initiative, municipalities=[world.a.municipality]
        )
        agreement_of(world.a, programmes=[world.a.programme, programme])

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url("agreement_list"))
    assert len(listed_agreements(response)) == 7


# --- co-financing ---------------------------------------------------------------------------


def test_detail_and_list_show_each_co_financers_share(world, client_for):
    municipal = agreement_of(
        world.a,
        funder=FunderFactory(municipal=True, municipality=world.a.municipality),
        amount=Decimal("30000"),
    )
    national = agreement_of(
        world.a,
        funder=FunderFactory(name="Gelijke Kansen Alliantie", kind=Funder.Kind.NATIONAL),
        amount=Decimal("70000"),
    )
    client = client_for(world.a.municipal_official)

    detail = text(client.get(url("agreement_detail", municipal.pk)))
    this_row = re.search(rf'data-share="{municipal.pk}".*?</tr>', detail, re.S).group(0)
    other_row = re.search(rf'data-share="{national.pk}".*?</tr>', detail, re.S).group(0)
    assert "30%" in this_row
    assert "Gelijke Kansen Alliantie" in other_row
    assert "70%" in other_row
    assert url("agreement_detail", national.pk) in other_row

    listing = text(client.get(url("agreement_list")))
    row = re.search(rf'data-agreement="{municipal.pk}".*?</tr>', listing, re.S).group(0)
    assert "Gelijke Kansen Alliantie 70%" in row


def test_agreement_without_co_financers_says_so(world, client_for):
    agreement = agreement_of(world.a)

    response = client_for(world.a.municipal_official).get(url("agreement_list"))

    assert shown(response, "only this agreement")
    assert listed_agreements(response) == {agreement.pk}


# --- recording and changing ------------------------------------------------------------------


def test_official_records_an_agreement_with_targets(world, client_for):
    funder = FunderFactory(kind=Funder.Kind.NATIONAL)
    client = client_for(world.a.municipal_official)
    assert client.get(url("agreement_create")).status_code == 200

    response = client.post(url("agreement_create"), form_data(world.a, funder))

    agreement = FundingAgreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("agreement_detail", agreement.pk)
    assert agreement.municipality == world.a.municipality
    assert agreement.amount == Decimal("30000.00")
    assert (agreement.start_date, agreement.end_date) == (dt.date(2025, 8, 1), dt.date(2027, 7, 31))
    assert dict(agreement.targets.values_list("indicator", "value")) == {
        "pupils_reached": 220,
        "matches_started": 200,
    }
    detail = client.get(response["Location"])
    assert 'data-target="pupils_reached"' in text(detail)


def test_agreement_form_offers_one_field_per_indicator(world, client_for):
    response = client_for(world.a.municipal_official).get(url("agreement_create"))

    for indicator in TI.values:
        assert f'name="target_{indicator}"' in text(response)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "abc"}, "amount", None),
        ({"amount": "-5"}, "amount", "The amount cannot be negative."),
        ({"target_pupils_reached": "-1"}, "target_pupils_reached", "A target cannot be negative."),
        ({"target_contact_hours": "veel"}, "target_contact_hours", None),
        ({"target_goals_achieved_pct": "120"}, "target_goals_achieved_pct", None),
        ({"start_year": "twintig"}, "start_year", None),
        ({"years": "3"}, "years", None),
        ({"period_kind": "quarter"}, "period_kind", None),
        ({"programmes": []}, "programmes", None),
        ({"funder": "999999"}, "funder", None),
    ],
)
def test_bad_input_shows_form_errors_and_saves_nothing(
    world, client_for, overrides, field, message
):
    funder = FunderFactory()
    response = client_for(world.a.municipal_official).post(
        url("agreement_create"), form_data(world.a, funder, **overrides)
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in text(response)
    if message:
        assert shown(response, message)
    assert not FundingAgreement.objects.exists()
    assert not Target.objects.exists()


def test_programme_of_another_initiative_is_refused_on_the_form(world, client_for):
    other = ProgrammeFactory(
        initiative=world.b.initiative, name="Rekenmaatjes", municipalities=[world.a.municipality]
    )
    response = client_for(world.a.municipal_official).post(
        url("agreement_create"),
        form_data(world.a, FunderFactory(), programmes=[world.a.programme.pk, other.pk]),
    )

    assert response.status_code == 200
    assert "Rekenmaatjes" in response.context["form"].errors["programmes"][0]
    assert not FundingAgreement.objects.exists()


def test_project_leader_cannot_record_or_change_agreements(world, client_for):
    agreement = agreement_of(world.a)
    client = client_for(world.a.project_leader)

    assert client.get(url("agreement_create")).status_code == 403
    assert client.get(url("agreement_edit", agreement.pk)).status_code == 403
    response = client.post(url("agreement_create"), form_data(world.a, agreement.funder))
    assert response.status_code == 403
    assert FundingAgreement.objects.count() == 1


def test_official_changes_an_agreement_and_its_targets(world, client_for):
    agreement = agreement_of(world.a, amount=Decimal("1000.00"))
    TargetFactory(agreement=agreement, indicator=TI.SESSIONS_HELD, value=1200)
    client = client_for(world.a.municipal_official)

    form = client.get(url("agreement_edit", agreement.pk))
    assert form.status_code == 200
    assert 'value="1200"' in text(form)

    response = client.post(
        url("agreement_edit", agreement.pk),
        form_data(world.a, agreement.funder, period_kind="calendar", start_year="2026", years="1"),
    )

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.amount == Decimal("30000.00")
    assert (agreement.start_date, agreement.end_date) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    assert dict(agreement.targets.values_list("indicator", "value")) == {
        "pupils_reached": 220,
        "matches_started": 200,
    }


def test_administrator_chooses_the_municipality_on_the_form(world, client_for):
    client = client_for(world.superuser)
    funder = FunderFactory()

    response = client.post(url("agreement_create"), form_data(world.a, funder))
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors

    response = client.post(
        url("agreement_create"),
        form_data(world.a, funder, municipality=world.a.municipality.pk),
    )
    assert response.status_code == 302
    assert FundingAgreement.objects.get().municipality == world.a.municipality


def test_official_adds_a_funder_and_returns_to_the_agreement_form(world, client_for):
    client = client_for(world.a.municipal_official)

    response = client.post(
        url("funder_create"), {"name": "Gelijke Kansen Alliantie", "kind": "national"}
    )

    funder = Funder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url('agreement_create')}?funder={funder.pk}"
    form = client.get(response["Location"])
    assert f'<option value="{funder.pk}" selected>' in text(form)


def test_duplicate_funder_shows_an_error(world, client_for):
    FunderFactory(name="Fonds Kansrijk")

    response = client_for(world.a.municipal_official).post(
        url("funder_create"), {"name": "Fonds Kansrijk", "kind": "foundation"}
    )

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert Funder.objects.count() == 1


# --- accountability ---------------------------------------------------------------------------


def test_project_leader_writes_the_accountability_shown_on_the_agreement(world, client_for):
    agreement = agreement_of(world.a)
    client = client_for(world.a.project_leader)
    page = client.get(url("accountability_text", agreement.pk))
    assert page.status_code == 200

    response = client.post(
        url("accountability_text", agreement.pk),
        {
            "period": "2026-01-01_2026-12-31",
            "went_well": "Veertig nieuwe vrijwilligers.",
            "went_less_well": "",
            "story": "Een leerling leest nu zelf voor in de klas.",
        },
    )

    assert response.status_code == 302
    text_ = AccountabilityText.objects.get()
    assert (text_.period_start, text_.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert text_.written_by == world.a.project_leader
    detail = client_for(world.a.municipal_official).get(url("agreement_detail", agreement.pk))
    assert "Een leerling leest nu zelf voor in de klas." in text(detail)


def test_accountability_form_loads_the_chosen_periods_text(world, client_for):
    agreement = agreement_of(
        world.a,
        period_kind=FundingAgreement.PeriodKind.SCHOOL_YEAR,
        start_date=dt.date(2025, 8, 1),
        end_date=dt.date(2027, 7, 31),
    )
    AccountabilityTextFactory(
        agreement=agreement,
        period_start=dt.date(2026, 8, 1),
        period_end=dt.date(2027, 7, 31),
        went_well="Tweede jaar ging goed.",
    )
    client = client_for(world.a.project_leader)

    first = client.get(url("accountability_text", agreement.pk))
    assert "Tweede jaar ging goed." not in text(first)
    assert 'value="2025-08-01_2026-07-31"' in text(first)

    second = client.get(url("accountability_text", agreement.pk) + "?period=2026-08-01_2027-07-31")
    assert "Tweede jaar ging goed." in text(second)


def test_official_cannot_write_the_accountability(world, client_for):
    agreement = agreement_of(world.a)
    client = client_for(world.a.municipal_official)

    assert client.get(url("accountability_text", agreement.pk)).status_code == 403
    response = client.post(
        url("accountability_text", agreement.pk),
        {"period": "2026-01-01_2026-12-31", "went_well": "Goed."},
    )
    assert response.status_code == 403
    assert not AccountabilityText.objects.exists()


def test_empty_or_tampered_accountability_shows_errors(world, client_for):
    agreement = agreement_of(world.a)
    client = client_for(world.a.project_leader)

    empty = client.post(
        url("accountability_text", agreement.pk),
        {"period": "2026-01-01_2026-12-31", "went_well": "", "went_less_well": "", "story": ""},
    )
    tampered = client.post(
        url("accountability_text", agreement.pk),
        {"period": "2020-01-01_2030-12-31", "went_well": "Goed."},
    )

    assert empty.status_code == 200
    assert shown(empty, "Write at least one of the three parts.")
    assert tampered.status_code == 200
    assert tampered.context["form"].errors
    assert not AccountabilityText.objects.exists()
