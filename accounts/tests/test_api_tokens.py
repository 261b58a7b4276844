"""Personal API tokens: made on a page, stored hashed, revocable, never more than the user."""

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import ApiToken, Role
from accounts.tests.authenticators import give_authenticator_app
from accounts.tests.factories import MembershipFactory
from accounts.tokens import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def _bearer(client, secret):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_token_page_shows_the_secret_once_and_stores_only_its_hash(client_for, world):
    client = client_for(world.a.project_leader)
    membership = world.a.project_leader.memberships.get()
    response = client.post(
        "/accounts/api-tokens/",
        {"name": "Power BI Overvecht", "membership": str(membership.pk), "read_only": "on"},
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("al_") and len(secret) > 40
    assert secret in response.content.decode()

    token = ApiToken.objects.get(name="Power BI Overvecht")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.key_hash, token.prefix, token.name}
    assert token.prefix == secret[:9]
    assert token.membership == membership and token.read_only

    # the next visit lists the token by its prefix but never shows the secret again
    page = client.get("/accounts/api-tokens/").content.decode()
    assert "Power BI Overvecht" in page
    assert token.prefix in page
    assert secret not in page


def test_token_page_requires_a_name(client_for, world):
    client = client_for(world.a.project_leader)
    membership = world.a.project_leader.memberships.get()
    response = client.post("/accounts/api-tokens/", {"name": "", "membership": str(membership.pk)})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_token_page_requires_login(client):
    response = client.get("/accounts/api-tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_token_authenticates_and_records_last_use_shown_on_the_page(
    api_for, client_for, world, settings
):
    give_authenticator_app(world.a.school_referrer)
    token, secret = api_token_create(user=world.a.school_referrer, name="Schoolsysteem")
    assert token.last_used_at is None
    response = _bearer(api_for(None), secret).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == world.a.school_referrer.email
    token.refresh_from_db()
    assert token.last_used_at is not None
    page = client_for(world.a.school_referrer).get("/accounts/api-tokens/")
    assert "Schoolsysteem" in page.content.decode()
    assert "Never" not in page.content.decode() and "Nooit" not in page.content.decode()


def test_revoked_token_is_refused_with_401(client_for, api_for, world):
    give_authenticator_app(world.a.school_referrer)
    token, secret = api_token_create(user=world.a.school_referrer, name="Oud script")
    client = _bearer(api_for(None), secret)
    assert client.get("/api/v1/me/").status_code == 200

    response = client_for(world.a.school_referrer).post(f"/accounts/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None

    refused = client.get("/api/v1/me/")
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"


def test_nobody_revokes_another_users_token(client_for, world):
    token, _secret = api_token_create(user=world.a.school_referrer, name="Van een ander")
    response = client_for(world.b.school_referrer).post(f"/accounts/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=token, user=world.b.school_referrer)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_expired_token_is_refused(api_for, world):
    token, secret = api_token_create(
        user=world.a.school_referrer,
        name="Kort geldig",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _bearer(api_for(None), secret).get("/api/v1/me/").status_code == 401


def test_unknown_and_malformed_tokens_are_refused(api_for, world):
    client = api_for(None)
    assert _bearer(client, "al_" + "x" * 43).get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    assert client.get("/api/v1/me/").status_code == 401


def test_token_of_deactivated_user_stops_working(api_for, world):
    user = world.a.school_referrer
    _token, secret = api_token_create(user=user, name="Vertrokken collega")
    user.is_active = False
    user.save()
    assert _bearer(api_for(None), secret).get("/api/v1/me/").status_code == 401


def test_token_stops_when_its_membership_ends(api_for, world):
    membership = world.a.school_referrer.memberships.get()
    _token, secret = api_token_create(
        user=world.a.school_referrer, name="Rol", membership=membership
    )
    membership.delete()
    assert _bearer(api_for(None), secret).get("/api/v1/me/").status_code == 401


def test_read_only_token_refuses_writes_with_403(api_for, world):
    read_only = api_for(world.a.project_leader, read_only=True)
    writable = api_for(world.a.project_leader)
    # /me/ has no POST: a writable token reaches the method check (405), a
    # read-only one is refused before it (403)
    assert read_only.post("/api/v1/me/", {}, format="json").status_code == 403
    assert writable.post("/api/v1/me/", {}, format="json").status_code == 405


def test_token_for_one_role_carries_that_role_only(api_for, world):
    user = world.a.project_leader
    school_membership = MembershipFactory(user=user, school_referrer=True, school=world.b.school)
    both = api_for(user).get("/api/v1/me/").json()
    assert {role["role"] for role in both["roles"]} == {Role.PROJECT_LEADER, Role.SCHOOL_REFERRER}

    narrowed = api_for(user, membership=school_membership).get("/api/v1/me/").json()
    assert [role["role"] for role in narrowed["roles"]] == [Role.SCHOOL_REFERRER]
    assert narrowed["roles"][0]["organisation_id"] == world.b.school.pk


def test_me_documents_every_role(api_for, world):
    from accounts.tests.factories import client_manager_of, privacy_officer_of

    schema = api_for(world.a.project_leader).get("/api/v1/openapi.json").json()
    described = schema["components"]["schemas"]["Role"]["properties"]["role"]["description"]
    for role in Role.values:
        assert role in described, role
    for user, role in (
        (client_manager_of(world.a.municipality), Role.CLIENT_MANAGER),
        (privacy_officer_of(world.a.initiative), Role.PRIVACY_OFFICER),
    ):
        assert [r["role"] for r in api_for(user).get("/api/v1/me/").json()["roles"]] == [role]


def test_token_narrowed_to_a_role_sees_only_what_that_role_sees(rf, world):
    from accounts.tokens import ApiTokenAuthentication
    from referrals.models import Pupil

    user = world.a.project_leader
    give_authenticator_app(user)
    school_membership = MembershipFactory(user=user, school_referrer=True, school=world.b.school)
    _token, secret = api_token_create(user=user, name="Smal", membership=school_membership)
    request = rf.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    authenticated_user, _ = ApiTokenAuthentication().authenticate(request)
    visible = set(Pupil.objects.visible_to(authenticated_user))
    # the school role sees world b's pupil (referred by that school), not
    # world a's pupils that the same person sees as a project leader
    assert visible == {world.b.pupil}


def test_administrators_token_for_one_role_is_not_an_administrator(api_for, world):
    admin = world.superuser
    membership = MembershipFactory(
        user=admin, municipal_official=True, municipality=world.a.municipality
    )
    body = api_for(admin, membership=membership).get("/api/v1/me/").json()
    assert body["is_administrator"] is False
    assert api_for(admin).get("/api/v1/me/").json()["is_administrator"] is True


def test_a_token_cannot_carry_someone_elses_role(world):
    other = world.b.school_referrer.memberships.get()
    with pytest.raises(PermissionDenied):
        api_token_create(user=world.a.school_referrer, name="Geleend", membership=other)
