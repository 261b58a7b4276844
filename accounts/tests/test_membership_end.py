"""Whoever leaves an organisation loses its access at once: pages, API tokens, mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Role
from accounts.scope import scope_for
from accounts.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM = reverse("accounts_team")


def _membership(user, role=Role.PROJECT_LEADER) -> Membership:
    return Membership.objects.get(user=user, role=role)


def test_ended_membership_stops_page_access_on_the_next_request(world, client_for):
    leader = world.a.project_leader
    client = client_for(leader)
    detail = f"/intake/{world.a.referral.pk}/"
    assert client.get(detail).status_code == 200

    services.membership_end(membership=_membership(leader), ended_by=world.superuser)

    assert client.get(detail).status_code in (403, 404)
    assert scope_for(leader).roles == frozenset()


def test_ended_membership_stops_its_api_token(world, api_for):
    volunteer = world.a.volunteer_user
    membership = _membership(volunteer, Role.VOLUNTEER)
    api = api_for(volunteer, membership=membership)
    url = f"/api/v1/matches/{world.a.match.pk}/"
    assert api.get(url).status_code == 200

    services.membership_end(membership=membership, ended_by=world.a.project_leader)

    assert api.get(url).status_code == 404
    assert api.get("/api/v1/matches/").json()["count"] == 0


def test_a_future_end_still_gives_access_until_then(world):
    leader = world.a.project_leader
    Membership.objects.filter(user=leader).update(ended_at=timezone.now() + dt.timedelta(days=1))
    assert scope_for(leader).led_initiative_ids == {world.a.initiative.pk}
    Membership.objects.filter(user=leader).update(ended_at=timezone.now() - dt.timedelta(seconds=1))
    leader = type(leader).objects.get(pk=leader.pk)
    assert scope_for(leader).led_initiative_ids == frozenset()


def test_project_leader_ends_a_volunteers_access_on_the_team_page(world, client_for):
    client = client_for(world.a.project_leader)
    page = client.get(TEAM)
    assert page.status_code == 200
    content = page.content.decode()
    assert world.a.volunteer_user.email in content
    assert world.b.volunteer_user.email not in content

    membership = _membership(world.a.volunteer_user, Role.VOLUNTEER)
    response = client.post(reverse("accounts_membership_end", args=[membership.pk]))

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_at is not None
    assert world.a.volunteer_user.email not in client.get(TEAM).content.decode()


def test_another_initiatives_membership_is_not_found(world, client_for):
    membership = _membership(world.b.volunteer_user, Role.VOLUNTEER)
    response = client_for(world.a.project_leader).post(
        reverse("accounts_membership_end", args=[membership.pk])
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.ended_at is None


@pytest.mark.parametrize("persona", ["volunteer_user", "school_referrer", "municipal_official"])
def test_only_project_leaders_see_the_team_page(world, client_for, persona):
    assert client_for(getattr(world.a, persona)).get(TEAM).status_code == 403


def test_the_team_page_only_answers_post_for_ending(world, client_for):
    membership = _membership(world.a.volunteer_user, Role.VOLUNTEER)
    response = client_for(world.a.project_leader).get(
        reverse("accounts_membership_end", args=[membership.pk])
    )
    assert response.status_code == 405


def test_a_project_leader_cannot_end_their_own_membership(world):
    leader = world.a.project_leader
    with pytest.raises(ValidationError):
        services.membership_end(membership=_membership(leader), ended_by=leader)
    assert _membership(leader).ended_at is None


def test_an_outsider_may_not_end_a_membership(world):
    with pytest.raises(PermissionDenied):
        services.membership_end(
            membership=_membership(world.a.volunteer_user, Role.VOLUNTEER),
            ended_by=world.b.project_leader,
        )


def test_ending_twice_keeps_the_first_end(world):
    membership = _membership(world.a.volunteer_user, Role.VOLUNTEER)
    first = services.membership_end(membership=membership, ended_by=world.superuser).ended_at
    again = services.membership_end(membership=membership, ended_by=world.superuser).ended_at
    assert again == first


def test_someone_who_left_can_be_invited_again(world):
    user = UserFactory(email="terug@example.nl")
    old = MembershipFactory(user=user, volunteer=True, initiative=world.a.initiative)
    services.membership_end(membership=old, ended_by=world.superuser)

    services.invite_user(
        email=user.email,
        role=Role.VOLUNTEER,
        organisation=world.a.initiative,
        invited_by=world.a.project_leader,
    )

    assert Membership.objects.current().filter(user=user, role=Role.VOLUNTEER).count() == 1
    assert Membership.objects.filter(user=user, role=Role.VOLUNTEER).count() == 2
