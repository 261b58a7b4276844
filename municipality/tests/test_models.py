"""Database constraints on municipalities, funders, funding agreements and targets."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from core.tests.constraints import find_constraint, violates, violates_unique_field
from municipality.models import Funder, FundingAgreement, Municipality, Target
from municipality.tests.factories import (
    AccountabilityTextFactory,
    FunderFactory,
    FundingAgreementFactory,
    MunicipalityFactory,
    NeighbourhoodFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["0344", "gm0344", "GM344", "GM034A", "XX0344"])
def test_malformed_cbs_code_is_rejected_by_database(code):
    municipality = MunicipalityFactory()

    with violates("municipality_cbs_code_format"):
        Municipality.objects.filter(pk=municipality.pk).update(cbs_code=code)


def test_duplicate_cbs_code_is_rejected_by_database():
    MunicipalityFactory(cbs_code="GM0344", name="Utrecht")

    with violates_unique_field(Municipality, "cbs_code"):
        Municipality.objects.create(cbs_code="GM0344", name="Utrecht (dubbel)")


def test_duplicate_neighbourhood_name_in_one_municipality_is_rejected_by_database():
    wijk = NeighbourhoodFactory(name="Overvecht")

    with violates("neighbourhood_unique_name"):
        NeighbourhoodFactory(municipality=wijk.municipality, name="Overvecht")


def test_same_neighbourhood_name_in_another_municipality_is_allowed():
    NeighbourhoodFactory(name="Centrum")

    NeighbourhoodFactory(name="Centrum")


def test_municipal_funder_without_municipality_is_rejected_by_database():
    funder = FunderFactory()

    with violates("funder_municipality_required_for_municipal_funder"):
        Funder.objects.filter(pk=funder.pk).update(kind=Funder.Kind.MUNICIPALITY)


def test_funding_agreement_end_date_before_start_is_rejected_by_database():
    agreement = FundingAgreementFactory()

    with violates("funding_agreement_end_after_start"):
        FundingAgreement.objects.filter(pk=agreement.pk).update(
            end_date=agreement.start_date - dt.timedelta(days=1)
        )


def test_funding_agreement_of_one_day_is_allowed():
    agreement = FundingAgreementFactory()

    FundingAgreement.objects.filter(pk=agreement.pk).update(end_date=agreement.start_date)


def test_negative_funding_amount_is_rejected_by_database():
    agreement = FundingAgreementFactory()

    with violates("funding_agreement_amount_not_negative"):
        FundingAgreement.objects.filter(pk=agreement.pk).update(amount=-1)


def test_second_target_for_the_same_indicator_is_rejected_by_database():
    target = TargetFactory(indicator=Target.Indicator.PUPILS_REACHED)

    with violates("target_unique_indicator_per_agreement"):
        TargetFactory(agreement=target.agreement, indicator=Target.Indicator.PUPILS_REACHED)


def test_negative_target_value_is_rejected_by_database():
    # PositiveIntegerField adds its own column CHECK (value >= 0), which both
    # SQLite and PostgreSQL evaluate before the named constraint
    # "target_value_not_negative"; either one rejecting the row proves the rule.
    target = TargetFactory()
    find_constraint("target_value_not_negative")

    with pytest.raises(IntegrityError, match="value"), transaction.atomic():
        Target.objects.filter(pk=target.pk).update(value=-1)


def test_two_accountability_texts_for_one_agreement_and_period_are_rejected_by_database():
    text = AccountabilityTextFactory()

    with violates("accountability_text_once_per_period"):
        AccountabilityTextFactory(agreement=text.agreement)


def test_accountability_text_period_ending_before_it_starts_is_rejected_by_database():
    with violates("accountability_text_period_valid"):
        AccountabilityTextFactory(period_start=dt.date(2026, 1, 1), period_end=dt.date(2025, 1, 1))
