"""Web hardening: content security policy, no caching of personal data, session lifetime."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import TEST_PASSWORD
from core.middleware import SESSION_STARTED_KEY

pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_content_security_policy(client_for, world):
    response = client_for(world.a.project_leader).get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_pages_of_a_signed_in_user_are_not_cached(client_for, world):
    response = client_for(world.a.school_referrer).get("/aanmeldingen/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_api_answers_are_not_cached(api_for, world):
    response = api_for(world.a.school_referrer).get("/api/v1/me/")
    assert response["Cache-Control"] == "no-store"
    assert api_for(None).get("/api/v1/me/")["Cache-Control"] == "no-store"


def test_pages_carry_no_inline_script_or_style(client_for, world):
    page = client_for(world.a.project_leader).get("/").content.decode()
    assert "<script>" not in page and "<style" not in page and ' style="' not in page


def _expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_session_ends_after_thirty_idle_minutes_and_requests_renew_it(
    client_for, world, settings, time_machine
):
    import datetime as dt

    from django.utils import timezone

    assert settings.SESSION_COOKIE_AGE == 30 * 60
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = client_for(world.a.project_leader)
    assert client.get("/aandacht/").status_code == 200
    assert _expiry(client) == start + dt.timedelta(minutes=30)

    # within a minute of the last renewal: no write, the same expiry
    time_machine.move_to(start + dt.timedelta(seconds=30), tick=False)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/aandacht/").status_code == 200
    assert not [q for q in queries if q["sql"].startswith('UPDATE "django_session"')]
    assert _expiry(client) == start + dt.timedelta(minutes=30)

    # a minute or more later: renewed from that request on
    later = start + dt.timedelta(seconds=61)
    time_machine.move_to(later, tick=False)
    assert client.get("/aandacht/").status_code == 200
    assert _expiry(client) == later + dt.timedelta(minutes=30)

    # thirty minutes without a request: logged out
    time_machine.move_to(later + dt.timedelta(minutes=30, seconds=1), tick=False)
    response = client.get("/aandacht/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_session_ends_twelve_hours_after_login_however_active(client_for, world):
    client = client_for(world.a.project_leader)
    assert client.get("/aandacht/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - 12 * 3600 - 60
    session.save()

    response = client.get("/aandacht/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get("/aandacht/").status_code == 302  # logged out for good


def test_login_changes_the_session_key(client, world):
    client.get("/accounts/login/")
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    response = client.post(
        "/accounts/login/", {"login": world.a.project_leader.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after and after != before
