"""Login, second factor and password reset are rate-limited; lockouts are logged.

config/settings/test.py turns the limits off; these tests turn the project's
own limits (config/settings/base.py) back on.
"""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.security import email_digest
from accounts.tests.authenticators import give_authenticator_app
from accounts.tests.factories import TEST_PASSWORD
from config.settings import base

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Niet-Het-Wachtwoord-7331"


@pytest.fixture(autouse=True)
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.WARNING, logger="accounts.security")
    return caplog


def lockout_records(caplog) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "accounts.security" and r.levelno == logging.WARNING
    ]


def fail_login(client, email: str, times: int):
    for _ in range(times):
        response = client.post(
            reverse("account_login"), {"login": email, "password": WRONG_PASSWORD}
        )
    return response


class TestPasswordLogin:
    def test_five_failed_logins_lock_the_address_even_with_the_right_password(
        self, world, security_log
    ):
        referrer = world.a.school_referrer
        client = Client()
        fail_login(client, referrer.email, 5)
        assert lockout_records(security_log) == []

        response = client.post(
            reverse("account_login"), {"login": referrer.email, "password": TEST_PASSWORD}
        )

        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
        errors = response.context["form"].non_field_errors()
        assert errors and errors[0] in response.content.decode()

    def test_a_lockout_is_logged_with_the_user_id_not_the_address_or_password(
        self, world, security_log
    ):
        referrer = world.a.school_referrer

        fail_login(Client(), referrer.email, 6)

        records = lockout_records(security_log)
        assert len(records) == 1
        message = records[0].getMessage()
        assert f"user_id={referrer.pk}" in message
        assert "action=login" in message
        assert referrer.email not in security_log.text
        assert "ib-a" not in security_log.text
        assert WRONG_PASSWORD not in security_log.text

    def test_a_lockout_of_an_unknown_address_is_logged_with_a_hash(self, world, security_log):
        address = "raden.maar@example.nl"

        fail_login(Client(), address, 6)

        message = lockout_records(security_log)[0].getMessage()
        assert f"email_hash={email_digest(address)}" in message
        assert "raden.maar" not in security_log.text

    def test_other_addresses_can_still_log_in(self, world):
        fail_login(Client(), world.a.school_referrer.email, 6)

        client = Client()
        client.post(
            reverse("account_login"),
            {"login": world.a.municipal_official.email, "password": TEST_PASSWORD},
        )

        assert client.session["_auth_user_id"] == str(world.a.municipal_official.pk)


class TestSecondFactor:
    def test_wrong_codes_lock_the_second_step_and_are_logged(self, world, security_log):
        leader = world.a.project_leader
        give_authenticator_app(leader)
        client = Client()
        client.post(reverse("account_login"), {"login": leader.email, "password": TEST_PASSWORD})

        for _ in range(6):
            response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

        assert "_auth_user_id" not in client.session
        assert response.status_code == 200
        records = lockout_records(security_log)
        assert len(records) == 1
        assert f"user_id={leader.pk}" in records[0].getMessage()
        assert "action=second_factor" in records[0].getMessage()
        assert leader.email not in security_log.text


class TestPasswordReset:
    def test_a_sixth_request_within_the_hour_is_refused_and_logged(self, world, security_log):
        referrer = world.a.school_referrer
        client = Client()
        for _ in range(5):
            assert (
                client.post(
                    reverse("account_reset_password"), {"email": referrer.email}
                ).status_code
                == 302
            )
        assert len(mail.outbox) == 5

        response = client.post(reverse("account_reset_password"), {"email": referrer.email})

        assert response.status_code == 429
        assert len(mail.outbox) == 5
        html = response.content.decode()
        assert 'class="utrecht-page-header site-header"' in html  # the site's own page
        records = lockout_records(security_log)
        assert len(records) == 1
        message = records[0].getMessage()
        assert f"user_id={referrer.pk}" in message
        assert "action=account_reset_password" in message
        assert referrer.email not in security_log.text

    def test_requests_for_unknown_addresses_are_limited_too(self, world, security_log):
        address = "onbekend.adres@example.nl"
        client = Client()
        for _ in range(5):
            client.post(reverse("account_reset_password"), {"email": address})

        response = client.post(reverse("account_reset_password"), {"email": address})

        assert response.status_code == 429
        message = lockout_records(security_log)[0].getMessage()
        assert f"email_hash={email_digest(address)}" in message
        assert "onbekend.adres" not in security_log.text

    def test_the_limits_are_configured_for_login_and_password_reset(self):
        limits = base.ACCOUNT_RATE_LIMITS

        assert limits["login_failed"] == "10/m/ip,5/5m/key"
        assert limits["reset_password"] == "20/h/ip,5/h/key"
        assert limits["reset_password_from_key"] == "20/m/ip"
