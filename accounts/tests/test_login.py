import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation, Role, User
from accounts.services import invite_user
from accounts.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


class TestSignupIsClosed:
    def test_signup_page_says_signup_is_closed(self, client):
        response = client.get(reverse("account_signup"))

        assert "account/signup_closed.html" in [t.name for t in response.templates]
        assert "form" not in response.context

    def test_posting_the_signup_form_creates_no_account(self, client):
        response = client.post(
            "/accounts/signup/",
            {
                "email": "nieuw@example.nl",
                "password1": "een-sterk-wachtwoord-1",
                "password2": "een-sterk-wachtwoord-1",
            },
        )

        assert response.status_code in (200, 403)
        assert not User.objects.filter(email="nieuw@example.nl").exists()
        assert "_auth_user_id" not in client.session


class TestLogin:
    def test_email_and_password_log_in(self, client, world):
        response = client.post(
            reverse("account_login"),
            {"login": world.a.project_leader.email.upper(), "password": TEST_PASSWORD},
        )

        assert response.status_code == 302
        assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
        assert client.session["_auth_user_id"] == str(world.a.project_leader.pk)

    def test_wrong_password_shows_an_error(self, client, world):
        response = client.post(
            reverse("account_login"),
            {"login": world.a.project_leader.email, "password": "niet-het-wachtwoord"},
        )

        assert response.status_code == 200
        errors = response.context["form"].non_field_errors()
        assert errors
        assert errors[0] in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_first_login_accepts_open_invitations(self, client, world):
        referrer = world.a.school_referrer
        invitation = invite_user(
            email=referrer.email,
            role=Role.SCHOOL_REFERRER,
            organisation=world.b.school,
            invited_by=world.superuser,
        )

        client.post(reverse("account_login"), {"login": referrer.email, "password": TEST_PASSWORD})

        invitation.refresh_from_db()
        assert invitation.accepted_at is not None
        assert not Invitation.objects.filter(user=referrer, accepted_at__isnull=True).exists()


class TestPasswordReset:
    def test_known_address_gets_a_reset_link(self, client, world):
        response = client.post(
            reverse("account_reset_password"), {"email": world.a.school_referrer.email}
        )

        assert response.status_code == 302
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [world.a.school_referrer.email]
        assert re.search(r"/accounts/password/reset/key/\S+/", mail.outbox[0].body)

    def test_invited_user_without_password_can_request_a_new_link(
        self, client, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invite_user(
                email="nog.geen.wachtwoord@example.nl",
                role=Role.VOLUNTEER,
                organisation=world.a.initiative,
                invited_by=world.a.project_leader,
            )
        mail.outbox.clear()

        client.post(reverse("account_reset_password"), {"email": "nog.geen.wachtwoord@example.nl"})

        assert len(mail.outbox) == 1
        assert re.search(r"/accounts/password/reset/key/\S+/", mail.outbox[0].body)
