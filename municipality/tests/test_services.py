"""Funding agreements, funders and accountability texts: the rules of the services,
and the co-financing figures the pages show."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from accounts.tests.factories import municipal_official_of
from initiatives.tests.factories import ProgrammeFactory
from municipality import selectors, services
from municipality.models import AccountabilityText, Funder, FundingAgreement, Target
from municipality.tests.factories import (
    AccountabilityTextFactory,
    FunderFactory,
    FundingAgreementFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

CALENDAR = FundingAgreement.PeriodKind.CALENDAR_YEAR
SCHOOL = FundingAgreement.PeriodKind.SCHOOL_YEAR
TI = Target.Indicator


def fields(side, **overrides) -> dict:
    """A valid calendar-year 2026 agreement for the side's initiative and programme."""
    values = {
        "funder": FunderFactory(kind=Funder.Kind.NATIONAL),
        "initiative": side.initiative,
        "programmes": [side.programme],
        "amount": Decimal("30000.00"),
        "period_kind": CALENDAR,
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2026, 12, 31),
        "reference": "UTR-2026-AL-0142",
        "targets": {TI.PUPILS_REACHED: 220, TI.MATCHES_STARTED: 200},
    }
    values.update(overrides)
    return values


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def targets_of(agreement) -> dict[str, int]:
    return dict(agreement.targets.values_list("indicator", "value"))


# --- recording an agreement -------------------------------------------------------


def test_official_records_agreement_for_own_municipality_with_targets(world):
    agreement = services.funding_agreement_save(user=world.a.municipal_official, **fields(world.a))

    agreement.refresh_from_db()
    assert agreement.municipality == world.a.municipality
    assert agreement.initiative == world.a.initiative
    assert list(agreement.programmes.all()) == [world.a.programme]
    assert agreement.amount == Decimal("30000.00")
    assert (agreement.start_date, agreement.end_date) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    assert agreement.reference == "UTR-2026-AL-0142"
    assert targets_of(agreement) == {"pupils_reached": 220, "matches_started": 200}


def test_school_year_agreement_runs_from_first_august_to_end_of_july(world):
    start, end = services.period_bounds(SCHOOL, 2025)

    agreement = services.funding_agreement_save(
        user=world.a.municipal_official,
        **fields(world.a, period_kind=SCHOOL, start_date=start, end_date=end),
    )

    assert (agreement.start_date, agreement.end_date) == (dt.date(2025, 8, 1), dt.date(2026, 7, 31))


@pytest.mark.parametrize(
    ("kind", "start_year", "years", "expected"),
    [
        (CALENDAR, 2026, 1, (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        (CALENDAR, 2026, 2, (dt.date(2026, 1, 1), dt.date(2027, 12, 31))),
        (SCHOOL, 2025, 1, (dt.date(2025, 8, 1), dt.date(2026, 7, 31))),
        (SCHOOL, 2025, 2, (dt.date(2025, 8, 1), dt.date(2027, 7, 31))),
    ],
)
def test_period_bounds_give_first_and_last_day_of_the_years(kind, start_year, years, expected):
    assert services.period_bounds(kind, start_year, years) == expected


def test_agreement_may_span_two_school_years(world):
    agreement = services.funding_agreement_save(
        user=world.a.municipal_official,
        **fields(
            world.a,
            period_kind=SCHOOL,
            start_date=dt.date(2025, 8, 1),
            end_date=dt.date(2027, 7, 31),
        ),
    )

    assert agreement.end_date == dt.date(2027, 7, 31)


@pytest.mark.parametrize(
    ("kind", "start", "end", "field"),
    [
        # a calendar-year agreement starting in August
        (CALENDAR, dt.date(2025, 8, 1), dt.date(2026, 7, 31), "start_date"),
        (CALENDAR, dt.date(2026, 1, 1), dt.date(2026, 7, 31), "end_date"),
        # a school-year agreement on calendar dates
        (SCHOOL, dt.date(2026, 1, 1), dt.date(2026, 7, 31), "start_date"),
        (SCHOOL, dt.date(2025, 8, 1), dt.date(2026, 12, 31), "end_date"),
        # three years
        (CALENDAR, dt.date(2026, 1, 1), dt.date(2028, 12, 31), "end_date"),
        (SCHOOL, dt.date(2025, 8, 1), dt.date(2028, 7, 31), "end_date"),
        # ends before it starts
        (CALENDAR, dt.date(2026, 1, 1), dt.date(2025, 12, 31), "end_date"),
        (SCHOOL, dt.date(2025, 8, 1), dt.date(2025, 7, 31), "end_date"),
    ],
)
def test_dates_that_do_not_fit_the_period_kind_are_refused(world, kind, start, end, field):
    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official,
            **fields(world.a, period_kind=kind, start_date=start, end_date=end),
        )

    assert field in errors_of(excinfo)
    assert not FundingAgreement.objects.exists()


def test_unknown_period_kind_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official, **fields(world.a, period_kind="quarter")
        )

    assert "period_kind" in errors_of(excinfo)


def test_programme_of_another_initiative_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official,
            **fields(world.a, programmes=[world.a.programme, world.b.programme]),
        )

    assert world.b.programme.name in errors_of(excinfo)["programmes"][0]
    assert not FundingAgreement.objects.exists()


def test_programme_that_does_not_serve_the_municipality_is_refused(world):
    elsewhere = ProgrammeFactory(
        initiative=world.a.initiative, name="Huiswerkklas", municipalities=[world.b.municipality]
    )

    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official, **fields(world.a, programmes=[elsewhere])
        )

    assert "Huiswerkklas" in errors_of(excinfo)["programmes"][0]


def test_agreement_without_programmes_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official, **fields(world.a, programmes=[])
        )

    assert "programmes" in errors_of(excinfo)


def test_initiative_that_does_not_work_in_the_municipality_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official,
            **fields(world.a, initiative=world.b.initiative, programmes=[world.b.programme]),
        )

    assert "initiative" in errors_of(excinfo)


@pytest.mark.parametrize("amount", [Decimal("-0.01"), -5000, "abc", None, Decimal("10.005")])
def test_negative_or_malformed_amount_is_refused(world, amount):
    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official, **fields(world.a, amount=amount)
        )

    assert "amount" in errors_of(excinfo)


def test_amount_of_zero_is_allowed(world):
    agreement = services.funding_agreement_save(
        user=world.a.municipal_official, **fields(world.a, amount=0)
    )

    assert agreement.amount == 0


def test_another_municipality_as_funder_is_refused(world):
    dordrecht = FunderFactory(municipal=True, municipality=world.b.municipality)

    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official, **fields(world.a, funder=dordrecht)
        )

    assert "funder" in errors_of(excinfo)


def test_own_municipality_as_funder_is_allowed(world):
    utrecht = FunderFactory(municipal=True, municipality=world.a.municipality)

    agreement = services.funding_agreement_save(
        user=world.a.municipal_official, **fields(world.a, funder=utrecht)
    )

    assert agreement.funder == utrecht


# --- targets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "field"),
    [
        ({TI.PUPILS_REACHED: -1}, "target_pupils_reached"),
        ({TI.GOALS_ACHIEVED_PCT: 101}, "target_goals_achieved_pct"),
        ({TI.CONTACT_HOURS: 12.5}, "target_contact_hours"),
        ({TI.SESSIONS_HELD: True}, "target_sessions_held"),
        ({TI.MATCHES_STARTED: "200"}, "target_matches_started"),
        ({"pupils_happy": 10}, "targets"),
    ],
)
def test_bad_target_is_refused_by_its_field(world, targets, field):
    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official, **fields(world.a, targets=targets)
        )

    assert field in errors_of(excinfo)


def test_target_of_zero_and_no_target_are_allowed(world):
    agreement = services.funding_agreement_save(
        user=world.a.municipal_official,
        **fields(world.a, targets={TI.PUPILS_REACHED: 0, TI.MATCHES_STARTED: None}),
    )

    assert targets_of(agreement) == {"pupils_reached": 0}


def test_saving_replaces_the_set_of_targets(world):
    agreement = FundingAgreementFactory(
        municipality=world.a.municipality, initiative=world.a.initiative
    )
    TargetFactory(agreement=agreement, indicator=TI.PUPILS_REACHED, value=220)
    TargetFactory(agreement=agreement, indicator=TI.MATCHES_STARTED, value=200)

    services.funding_agreement_save(
        user=world.a.municipal_official,
        agreement=agreement,
        **fields(world.a, targets={TI.PUPILS_REACHED: 250, TI.VOLUNTEERS_ACTIVE: 180}),
    )

    assert targets_of(agreement) == {"pupils_reached": 250, "volunteers_active": 180}


def test_bad_target_saves_nothing_of_a_change(world):
    agreement = FundingAgreementFactory(
        municipality=world.a.municipality,
        initiative=world.a.initiative,
        programmes=[world.a.programme],
        amount=Decimal("1000.00"),
    )
    TargetFactory(agreement=agreement, indicator=TI.PUPILS_REACHED, value=220)
    other = ProgrammeFactory(initiative=world.a.initiative, municipalities=[world.a.municipality])

    with pytest.raises(ValidationError):
        services.funding_agreement_save(
            user=world.a.municipal_official,
            agreement=agreement,
            **fields(
                world.a,
                programmes=[other],
                amount=Decimal("99999.00"),
                targets={TI.PUPILS_REACHED: 300, TI.MATCHES_STARTED: -5},
            ),
        )

    agreement.refresh_from_db()
    assert agreement.amount == Decimal("1000.00")
    assert list(agreement.programmes.all()) == [world.a.programme]
    assert targets_of(agreement) == {"pupils_reached": 220}


def test_failure_while_writing_targets_rolls_back_the_agreement(world, monkeypatch):
    def broken(agreement, targets):
        raise IntegrityError("target_value_not_negative")

    monkeypatch.setattr(services, "_replace_targets", broken)

    with pytest.raises(IntegrityError):
        services.funding_agreement_save(user=world.a.municipal_official, **fields(world.a))

    assert not FundingAgreement.objects.exists()


# --- who may record agreements ------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["project_leader", "volunteer_user", "school_referrer", "outsider"]
)
def test_only_officials_record_agreements(world, persona):
    user = world.outsider if persona == "outsider" else getattr(world.a, persona)

    with pytest.raises(PermissionDenied):
        services.funding_agreement_save(user=user, **fields(world.a))

    assert not FundingAgreement.objects.exists()


def test_official_cannot_record_for_another_municipality(world):
    with pytest.raises(PermissionDenied):
        services.funding_agreement_save(
            user=world.b.municipal_official,
            municipality=world.a.municipality,
            **fields(world.a),
        )


def test_official_cannot_change_another_municipalitys_agreement(world):
    agreement = FundingAgreementFactory(
        municipality=world.a.municipality, initiative=world.a.initiative
    )

    with pytest.raises(PermissionDenied):
        services.funding_agreement_save(
            user=world.b.municipal_official, agreement=agreement, **fields(world.a)
        )


def test_administrator_chooses_the_municipality(world):
    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(user=world.superuser, **fields(world.a))
    assert "municipality" in errors_of(excinfo)

    agreement = services.funding_agreement_save(
        user=world.superuser, municipality=world.a.municipality, **fields(world.a)
    )
    assert agreement.municipality == world.a.municipality


def test_official_of_two_municipalities_chooses_one(world):
    official = municipal_official_of(world.a.municipality)
    official.memberships.create(role="municipal_official", municipality=world.b.municipality)

    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(user=official, **fields(world.a))
    assert "municipality" in errors_of(excinfo)

    agreement = services.funding_agreement_save(
        user=official, municipality=world.a.municipality, **fields(world.a)
    )
    assert agreement.municipality == world.a.municipality


def test_initiative_with_accountability_text_stays_with_its_agreement(world):
    agreement = FundingAgreementFactory(
        municipality=world.a.municipality,
        initiative=world.a.initiative,
        programmes=[world.a.programme],
    )
    AccountabilityTextFactory(agreement=agreement)
    world.b.initiative.municipalities.add(world.a.municipality)
    world.b.programme.municipalities.add(world.a.municipality)

    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official,
            agreement=agreement,
            **fields(world.b, start_date=agreement.start_date, end_date=agreement.end_date),
        )

    assert "initiative" in errors_of(excinfo)


# --- funders ------------------------------------------------------------------------------


def test_official_adds_a_national_programme_as_funder(world):
    funder = services.funder_create(
        user=world.a.municipal_official, name="  Gelijke  Kansen Alliantie ", kind="national"
    )

    assert (funder.name, funder.kind, funder.municipality) == (
        "Gelijke Kansen Alliantie",
        Funder.Kind.NATIONAL,
        None,
    )


def test_municipal_funder_is_the_officials_own_municipality(world):
    funder = services.funder_create(
        user=world.a.municipal_official, name="Gemeente Utrecht", kind="municipality"
    )

    assert funder.municipality == world.a.municipality


def test_official_cannot_add_another_municipality_as_funder(world):
    with pytest.raises(ValidationError) as excinfo:
        services.funder_create(
            user=world.a.municipal_official,
            name="Gemeente Dordrecht",
            kind="municipality",
            municipality=world.b.municipality,
        )

    assert "municipality" in errors_of(excinfo)


def test_funder_name_must_be_new(world):
    FunderFactory(name="Fonds Kansrijk")

    with pytest.raises(ValidationError) as excinfo:
        services.funder_create(
            user=world.a.municipal_official, name="fonds kansrijk", kind="foundation"
        )

    assert "name" in errors_of(excinfo)


@pytest.mark.parametrize(
    ("name", "kind", "field"),
    [("", "foundation", "name"), ("Ouderbijdrage", "lottery", "kind")],
)
def test_funder_needs_a_name_and_a_known_kind(world, name, kind, field):
    with pytest.raises(ValidationError) as excinfo:
        services.funder_create(user=world.a.municipal_official, name=name, kind=kind)

    assert field in errors_of(excinfo)


def test_only_a_municipal_funder_has_a_municipality(world):
    with pytest.raises(ValidationError) as excinfo:
        services.funder_create(
            user=world.a.municipal_official,
            name="Fonds Kansrijk",
            kind="foundation",
            municipality=world.a.municipality,
        )

    assert "municipality" in errors_of(excinfo)


def test_project_leader_cannot_add_funders(world):
    with pytest.raises(PermissionDenied):
        services.funder_create(user=world.a.project_leader, name="Fonds", kind="foundation")

    assert not Funder.objects.exists()


# --- the initiative's accountability text ----------------------------------------------------


def two_year_agreement(side) -> FundingAgreement:
    return FundingAgreementFactory(
        municipality=side.municipality,
        initiative=side.initiative,
        programmes=[side.programme],
        period_kind=SCHOOL,
        start_date=dt.date(2025, 8, 1),
        end_date=dt.date(2027, 7, 31),
    )


def write(user, agreement, start, end, **texts) -> AccountabilityText:
    values = {"went_well": "Veel nieuwe vrijwilligers.", "went_less_well": "", "story": ""}
    values.update(texts)
    return services.accountability_text_save(
        user=user, agreement=agreement, period_start=start, period_end=end, **values
    )


def test_project_leader_writes_the_accountability_of_one_year(world):
    agreement = two_year_agreement(world.a)

    text = write(
        world.a.project_leader,
        agreement,
        dt.date(2025, 8, 1),
        dt.date(2026, 7, 31),
        story="Een groep 6 leest nu zelf voor.",
    )

    assert (text.period_start, text.period_end) == (dt.date(2025, 8, 1), dt.date(2026, 7, 31))
    assert text.story == "Een groep 6 leest nu zelf voor."
    assert text.written_by == world.a.project_leader


def test_writing_the_same_period_again_changes_the_text(world):
    agreement = two_year_agreement(world.a)
    first = write(world.a.project_leader, agreement, agreement.start_date, agreement.end_date)

    again = write(
        world.a.project_leader,
        agreement,
        agreement.start_date,
        agreement.end_date,
        went_well="Nog meer vrijwilligers.",
    )

    assert again.pk == first.pk
    assert AccountabilityText.objects.get().went_well == "Nog meer vrijwilligers."


@pytest.mark.parametrize("persona", ["other_leader", "official", "volunteer", "outsider"])
def test_only_the_initiatives_project_leaders_write_its_accountability(world, persona):
    user = {
        "other_leader": world.b.project_leader,
        "official": world.a.municipal_official,
        "volunteer": world.a.volunteer_user,
        "outsider": world.outsider,
    }[persona]
    agreement = two_year_agreement(world.a)

    with pytest.raises(PermissionDenied):
        write(user, agreement, agreement.start_date, agreement.end_date)

    assert not AccountabilityText.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31), "period_start"),  # before the agreement
        (dt.date(2026, 8, 1), dt.date(2027, 12, 31), "period_start"),  # runs past its end
        (dt.date(2026, 7, 31), dt.date(2025, 8, 1), "period_end"),  # backwards
        (None, dt.date(2026, 7, 31), "period_start"),
    ],
)
def test_accountability_period_must_lie_within_the_agreement(world, start, end, field):
    agreement = two_year_agreement(world.a)

    with pytest.raises(ValidationError) as excinfo:
        write(world.a.project_leader, agreement, start, end)

    assert field in errors_of(excinfo)


def test_empty_accountability_text_is_refused(world):
    agreement = two_year_agreement(world.a)

    with pytest.raises(ValidationError):
        write(
            world.a.project_leader,
            agreement,
            agreement.start_date,
            agreement.end_date,
            went_well="  ",
        )


def test_accountability_periods_are_each_year_and_the_whole_agreement(world):
    agreement = two_year_agreement(world.a)
    write(world.a.project_leader, agreement, dt.date(2026, 8, 1), dt.date(2027, 7, 31))

    periods = selectors.accountability_periods(agreement)

    assert [(p.start, p.end, p.text is not None) for p in periods] == [
        (dt.date(2025, 8, 1), dt.date(2026, 7, 31), False),
        (dt.date(2026, 8, 1), dt.date(2027, 7, 31), True),
        (dt.date(2025, 8, 1), dt.date(2027, 7, 31), False),
    ]


def test_period_change_that_leaves_a_written_text_outside_is_refused(world):
    agreement = two_year_agreement(world.a)
    write(world.a.project_leader, agreement, dt.date(2026, 8, 1), dt.date(2027, 7, 31))

    with pytest.raises(ValidationError) as excinfo:
        services.funding_agreement_save(
            user=world.a.municipal_official,
            agreement=agreement,
            **fields(
                world.a,
                period_kind=SCHOOL,
                start_date=dt.date(2025, 8, 1),
                end_date=dt.date(2026, 7, 31),
            ),
        )

    assert "start_date" in errors_of(excinfo)


# --- co-financing --------------------------------------------------------------------------


def agreement_for(side, *, amount, start, end, kind=CALENDAR, programmes=None, funder=None):
    return FundingAgreementFactory(
        municipality=side.municipality,
        initiative=side.initiative,
        programmes=programmes or [side.programme],
        amount=Decimal(amount),
        period_kind=kind,
        start_date=start,
        end_date=end,
        **({"funder": funder} if funder else {}),
    )


def funding_of(user, agreement):
    listed = selectors.agreements(user=user).filter(pk=agreement.pk)
    return selectors.co_financing(user=user, agreements=listed)[agreement.pk]


def test_co_financers_share_the_total_of_the_same_period(world):
    municipal = agreement_for(
        world.a, amount="30000", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    national = agreement_for(
        world.a, amount="70000", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )

    (programme,) = funding_of(world.a.municipal_official, municipal)

    assert programme.programme == world.a.programme
    assert programme.total == Decimal("100000")
    assert [(s.agreement_id, s.percentage) for s in programme.shares] == [
        (municipal.pk, Decimal("30.0")),
        (national.pk, Decimal("70.0")),
    ]


def test_longer_co_financer_counts_for_the_overlapping_days(world):
    # calendar year 2026 (365 days); a school year 2025-2026 of 365 days overlaps
    # 1 January - 31 July 2026: 212 days
    municipal = agreement_for(
        world.a, amount="30000", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    agreement_for(
        world.a,
        amount="36500",
        kind=SCHOOL,
        start=dt.date(2025, 8, 1),
        end=dt.date(2026, 7, 31),
    )

    (programme,) = funding_of(world.a.municipal_official, municipal)

    (other,) = programme.others
    assert other.amount == Decimal("36500")
    assert other.amount_in_period == Decimal("21200.00")
    assert programme.total == Decimal("51200.00")
    assert programme.this.percentage == Decimal("58.6")  # 30000 / 51200


def test_agreements_of_other_periods_municipalities_or_programmes_do_not_co_finance(world):
    municipal = agreement_for(
        world.a, amount="30000", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
    )
    agreement_for(world.a, amount="70000", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    # the same programme funded for its work in Dordrecht
    world.a.programme.municipalities.add(world.b.municipality)
    world.a.initiative.municipalities.add(world.b.municipality)
    FundingAgreementFactory(
        municipality=world.b.municipality,
        initiative=world.a.initiative,
        programmes=[world.a.programme],
        amount=Decimal("50000"),
    )
    other_programme = ProgrammeFactory(
        initiative=world.a.initiative, municipalities=[world.a.municipality]
    )
    agreement_for(
        world.a,
        amount="5000",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        programmes=[other_programme],
    )

    (programme,) = funding_of(world.a.municipal_official, municipal)

    assert programme.others == ()
    assert programme.this.percentage == Decimal("100.0")


def test_co_financing_costs_one_query_however_many_agreements(world, django_assert_num_queries):
    for amount in ("10000", "20000", "30000", "40000"):
        agreement_for(world.a, amount=amount, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    user = world.a.municipal_official
    listed = list(selectors.agreements(user=user))

    with django_assert_num_queries(1):
        funding = selectors.co_financing(user=user, agreements=listed)

    assert all(len(funding[a.pk][0].shares) == 4 for a in listed)
