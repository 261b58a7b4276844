from __future__ import annotations

import string

import factory
from factory.django import DjangoModelFactory

from schools.models import SchoolBoard, SchoolLocation


def _brin(n: int) -> str:
    """A unique, valid BRIN for sequence number n: two digits and two letters, e.g. 12AB."""
    letters = string.ascii_uppercase
    return f"{(n // 676) % 100:02d}{letters[(n // 26) % 26]}{letters[n % 26]}"


_SCHOOL_NAMES = ("De Regenboog", "De Wilgenhoek", "Het Kompas", "De Vlinder", "Sint Jozef")


class SchoolBoardFactory(DjangoModelFactory):
    class Meta:
        model = SchoolBoard

    number = factory.Sequence(lambda n: f"{40000 + n}")
    name = factory.Sequence(lambda n: f"Stichting Openbaar Onderwijs {n}")


class SchoolLocationFactory(DjangoModelFactory):
    """A primary school (PO) with a unique location code such as ``12AB00``."""

    class Meta:
        model = SchoolLocation

    brin = factory.Sequence(_brin)
    location_code = factory.LazyAttribute(lambda o: f"{o.brin}00")
    name = factory.Sequence(lambda n: f"Basisschool {_SCHOOL_NAMES[n % len(_SCHOOL_NAMES)]} {n}")
    board = factory.SubFactory(SchoolBoardFactory)
    municipality = factory.SubFactory("municipality.tests.factories.MunicipalityFactory")
    sector = SchoolLocation.Sector.PO
    denomination = "Openbaar"
    street = factory.Faker("street_name", locale="nl_NL")
    house_number = factory.Sequence(lambda n: str(n % 200 + 1))
    postcode = "3531 AB"
    city = factory.LazyAttribute(lambda o: o.municipality.name.upper())

    class Params:
        vo = factory.Trait(
            sector=SchoolLocation.Sector.VO,
            education_structure="VMBO/HAVO",
            name=factory.LazyAttribute(lambda o: f"Scholengemeenschap {o.brin}"),
        )
