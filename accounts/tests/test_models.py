"""Database constraints on memberships: rules the database itself enforces."""

import pytest

from accounts.models import Membership, Role
from accounts.tests.factories import MembershipFactory, UserFactory
from core.tests.constraints import violates
from initiatives.tests.factories import InitiativeFactory
from municipality.tests.factories import MunicipalityFactory
from schools.tests.factories import SchoolLocationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "organisations"),
    [
        (Role.PROJECT_LEADER, {"school"}),
        (Role.PROJECT_LEADER, set()),
        (Role.VOLUNTEER, {"initiative", "municipality"}),
        (Role.SCHOOL_REFERRER, {"initiative"}),
        (Role.SCHOOL_REFERRER, {"school", "initiative"}),
        (Role.MUNICIPAL_OFFICIAL, {"school"}),
        ("unknown_role", {"initiative"}),
    ],
    ids=[
        "project-leader-of-a-school",
        "project-leader-of-nothing",
        "volunteer-of-initiative-and-municipality",
        "school-referrer-of-an-initiative",
        "school-referrer-of-school-and-initiative",
        "official-of-a-school",
        "unknown-role",
    ],
)
def test_membership_organisation_not_matching_role_is_rejected_by_database(role, organisations):
    makers = {
        "initiative": InitiativeFactory,
        "school": SchoolLocationFactory,
        "municipality": MunicipalityFactory,
    }
    user = UserFactory()
    fields = {org: makers[org]() for org in organisations}

    with violates("membership_organisation_matches_role"):
        Membership.objects.create(user=user, role=role, **fields)


@pytest.mark.parametrize(
    ("constraint", "traits", "organisation"),
    [
        ("membership_unique_initiative", {"project_leader": True}, "initiative"),
        ("membership_unique_school", {"school_referrer": True}, "school"),
        ("membership_unique_municipality", {"municipal_official": True}, "municipality"),
    ],
)
def test_same_role_twice_in_one_organisation_is_rejected_by_database(
    constraint, traits, organisation
):
    first = MembershipFactory(**traits)

    with violates(constraint):
        Membership.objects.create(
            user=first.user, role=first.role, **{organisation: first.organisation}
        )


def test_one_user_may_lead_one_initiative_and_volunteer_in_it():
    leader = MembershipFactory(project_leader=True)

    MembershipFactory(user=leader.user, volunteer=True, initiative=leader.initiative)

    assert leader.user.memberships.count() == 2
