"""A request over the site's size limits gets a clear 400, as a page or as problem details."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client

from referrals.models import Referral

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals/"


def english_client(**kwargs) -> Client:
    """A browser that chose English with the language switch (the site is Dutch by default)."""
    client = Client(**kwargs)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def browser_on_login_page(client: Client) -> Client:
    """The client with the CSRF cookie of the login page, so the CSRF check reads the form."""
    assert client.get("/accounts/login/").status_code == 200
    return client


def test_limits_are_set_explicitly():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1_000
    assert django_settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10


def test_too_large_form_gets_the_400_page_and_saves_nothing(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    # The CSRF check reads the form, as it does for every browser.
    client = browser_on_login_page(english_client(enforce_csrf_checks=True))

    response = client.post("/accounts/login/", {"login": "x@example.nl", "notes": "x" * 2_000})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<h1" in html and "Request not accepted" in html
    assert "Too much data was sent at once: at most 1000\xa0bytes is accepted" in html
    assert "Nothing has been saved." in html


def test_400_page_is_dutch_by_default(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    client = browser_on_login_page(Client(enforce_csrf_checks=True))

    response = client.post("/accounts/login/", {"notes": "x" * 2_000})

    assert response.status_code == 400
    assert '<html lang="nl"' in response.content.decode()


def test_too_many_fields_get_the_400_page(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    client = browser_on_login_page(english_client(enforce_csrf_checks=True))

    response = client.post("/accounts/login/", {f"field{n}": "x" for n in range(10)})

    assert response.status_code == 400
    assert "The form has too many fields: at most 5 are accepted." in response.content.decode()


def test_form_within_the_limits_is_not_refused(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = english_client().post("/accounts/login/", {"login": "x@example.nl"})

    assert response.status_code != 400


def test_too_large_json_body_gets_problem_details_and_creates_nothing(world, api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client = api_for(world.a.school_referrer)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    before = Referral.objects.count()

    response = client.post(
        REFERRALS, {"programme": world.a.programme.pk, "reason": "x" * 2_000}, format="json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == 400
    assert body["code"] == "request_too_large"
    assert body["instance"] == REFERRALS
    assert body["detail"].startswith("Too much data was sent at once: at most 1000\xa0bytes")
    assert Referral.objects.count() == before


def test_json_body_within_the_limit_reaches_the_serializer(world, api_for, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = api_for(world.a.school_referrer)

    response = client.post(REFERRALS, {"reason": "x" * 2_000}, format="json")

    # Refused for what it says (no programme, no pupil), not for its size.
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "invalid"


def test_other_refused_request_gets_a_general_400_page():
    # A host name not in ALLOWED_HOSTS: a SuspiciousOperation that is not about size.
    response = english_client().get("/privacy/", HTTP_HOST="elsewhere.example")

    assert response.status_code == 400
    html = response.content.decode()
    assert "The request could not be processed. Go back and try again." in html
    assert "Too much data" not in html


def test_other_refused_request_under_api_gets_problem_details():
    response = english_client().get(REFERRALS, HTTP_HOST="elsewhere.example")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert (body["status"], body["code"]) == (400, "bad_request")
