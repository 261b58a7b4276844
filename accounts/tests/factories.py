"""Factories for users and memberships.

``UserFactory`` users can log in with ``TEST_PASSWORD``. ``MembershipFactory``
has one trait per role (``project_leader`` is the default); the ``*_of``
helpers return a user who holds that role in one organisation.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory, Password

from accounts.models import Membership, Role, User

TEST_PASSWORD = "test-wachtwoord-123"


def plain_name(kind: str) -> factory.LazyFunction:
    """A Dutch Faker name without the apostrophe of "van 't Riet".

    Tests look for names in the raw HTML, where the template escapes the
    apostrophe (``&#x27;``); such a name made them fail at random.
    """
    from faker import Faker

    fake = Faker("nl_NL")
    return factory.LazyFunction(lambda: getattr(fake, kind)().replace("'", ""))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"gebruiker{n}@example.nl")
    first_name = plain_name("first_name")
    last_name = plain_name("last_name")
    password = Password(TEST_PASSWORD)
    is_active = True

    class Params:
        superuser = factory.Trait(is_staff=True, is_superuser=True)


class MembershipFactory(DjangoModelFactory):
    """A membership; the default is a project leader of a new initiative."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.PROJECT_LEADER
    initiative = factory.SubFactory("initiatives.tests.factories.InitiativeFactory")
    school = None
    municipality = None

    class Params:
        project_leader = factory.Trait(role=Role.PROJECT_LEADER)
        volunteer = factory.Trait(role=Role.VOLUNTEER)
        privacy_officer = factory.Trait(role=Role.PRIVACY_OFFICER)
        client_manager = factory.Trait(
            role=Role.CLIENT_MANAGER,
            initiative=None,
            municipality=factory.SubFactory("municipality.tests.factories.MunicipalityFactory"),
        )
        school_referrer = factory.Trait(
            role=Role.SCHOOL_REFERRER,
            initiative=None,
            school=factory.SubFactory("schools.tests.factories.SchoolLocationFactory"),
        )
        municipal_official = factory.Trait(
            role=Role.MUNICIPAL_OFFICIAL,
            initiative=None,
            municipality=factory.SubFactory("municipality.tests.factories.MunicipalityFactory"),
        )


def project_leader_of(initiative, **user_fields) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, project_leader=True, initiative=initiative)
    return user


def volunteer_user_of(initiative, **user_fields) -> User:
    """A user with a volunteer membership (no Volunteer record; see VolunteerFactory)."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, volunteer=True, initiative=initiative)
    return user


def school_referrer_of(school, **user_fields) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, school_referrer=True, school=school)
    return user


def municipal_official_of(municipality, **user_fields) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, municipal_official=True, municipality=municipality)
    return user


def privacy_officer_of(initiative, **user_fields) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, privacy_officer=True, initiative=initiative)
    return user


def client_manager_of(municipality, **user_fields) -> User:
    """A klantmanager of the municipality (refers adult newcomers)."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, client_manager=True, municipality=municipality)
    return user
