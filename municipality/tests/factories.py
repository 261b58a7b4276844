from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from municipality.models import (
    AccountabilityText,
    Funder,
    FundingAgreement,
    Municipality,
    Neighbourhood,
    Target,
)


class MunicipalityFactory(DjangoModelFactory):
    """A municipality; ``MunicipalityFactory(cbs_code="GM0344")`` reuses an existing one."""

    class Meta:
        model = Municipality
        django_get_or_create = ("cbs_code",)

    # GM1000 upwards, so generated codes do not collide with the ones tests spell out.
    cbs_code = factory.Sequence(lambda n: f"GM{1000 + n % 9000:04d}")
    name = factory.Faker("city", locale="nl_NL")
    province = "Utrecht"


class NeighbourhoodFactory(DjangoModelFactory):
    class Meta:
        model = Neighbourhood

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Wijk {n}")
    code = factory.Sequence(lambda n: f"WK{n:06d}")
    postcodes = factory.LazyFunction(lambda: ["3531"])


class FunderFactory(DjangoModelFactory):
    """A foundation by default; the ``municipal`` trait makes a municipal funder."""

    class Meta:
        model = Funder

    name = factory.Sequence(lambda n: f"Fonds Kansrijk {n}")
    kind = Funder.Kind.FOUNDATION
    municipality = None

    class Params:
        municipal = factory.Trait(
            kind=Funder.Kind.MUNICIPALITY,
            municipality=factory.SubFactory(MunicipalityFactory),
            name=factory.LazyAttribute(lambda o: f"Gemeente {o.municipality.name}"),
        )


def _this_year_start() -> dt.date:
    return dt.date(timezone.localdate().year, 1, 1)


class FundingAgreementFactory(DjangoModelFactory):
    """This calendar year's agreement. Pass ``programmes=[...]`` to link programmes."""

    class Meta:
        model = FundingAgreement
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"BESCH-{n:05d}")
    municipality = factory.SubFactory(MunicipalityFactory)
    funder = factory.SubFactory(FunderFactory)
    initiative = factory.SubFactory("initiatives.tests.factories.InitiativeFactory")
    amount = Decimal("25000.00")
    period_kind = FundingAgreement.PeriodKind.CALENDAR_YEAR
    start_date = factory.LazyFunction(_this_year_start)
    end_date = factory.LazyAttribute(lambda o: dt.date(o.start_date.year, 12, 31))

    @factory.post_generation
    def programmes(self, create, extracted, **kwargs):
        if create and extracted:
            self.programmes.add(*extracted)


class TargetFactory(DjangoModelFactory):
    class Meta:
        model = Target

    agreement = factory.SubFactory(FundingAgreementFactory)
    indicator = Target.Indicator.PUPILS_REACHED
    value = 220


class AccountabilityTextFactory(DjangoModelFactory):
    class Meta:
        model = AccountabilityText

    agreement = factory.SubFactory(FundingAgreementFactory)
    period_start = factory.SelfAttribute("agreement.start_date")
    period_end = factory.SelfAttribute("agreement.end_date")
    went_well = "Veel nieuwe vrijwilligers geworven."
    went_less_well = "De wachtlijst in Overvecht bleef lang."
    story = "Een leerling uit groep 6 leest nu zelf voor in de klas."
