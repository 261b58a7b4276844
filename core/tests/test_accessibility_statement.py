"""The accessibility statement: public, linked from every page, after the Dutch model."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from core.views import ACCESSIBILITY_STATEMENT_DATE

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_anyone_can_read_it_in_dutch_by_default(client):
    response = client.get("/toegankelijkheid/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert '<h1 class="utrecht-heading-1">Toegankelijkheidsverklaring</h1>' in html
    assert "Bekende beperkingen" in html


def test_it_follows_the_model_statement(client):
    html = english(client).get("/toegankelijkheid/").content.decode()

    for heading in (
        "Status",
        "How the platform is tested",
        "Known limitations",
        "Feedback and contact",
        "Not satisfied with the answer?",
        "Date",
    ):
        assert f">{heading}</h2>" in html
    assert "WCAG) 2.1 at level AA" in html
    assert "axe-core" in html and "keyboard only" in html
    assert "Nationale ombudsman" in html


def test_it_states_the_date_and_the_configured_session_timeout(client, settings):
    settings.SESSION_COOKIE_AGE = 20 * 60

    html = english(client).get("/toegankelijkheid/").content.decode()

    assert "you are logged out after 20 minutes without activity" in html
    with translation.override("en"):
        day = date_format(ACCESSIBILITY_STATEMENT_DATE, "DATE_FORMAT")
    assert f"This statement was last reviewed on {day}." in html


def test_the_contact_address_is_shown_when_configured(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = "contact@aanvullendleren.example"
    assert 'href="mailto:contact@aanvullendleren.example"' in (
        client.get("/toegankelijkheid/").content.decode()
    )

    settings.PRIVACY_CONTACT_EMAIL = ""
    assert "mailto:" not in client.get("/toegankelijkheid/").content.decode()


def test_every_page_links_to_it_in_the_footer_next_to_the_privacy_statement(
    client, client_for, world
):
    for page in (client.get("/accounts/login/"), client_for(world.a.project_leader).get("/")):
        html = page.content.decode()
        footer = html[html.index("<footer") :]
        assert 'href="/privacy/"' in footer
        assert 'href="/toegankelijkheid/">Toegankelijkheidsverklaring</a>' in footer
