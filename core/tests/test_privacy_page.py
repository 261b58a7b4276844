"""The privacy statement: public, linked from every page, true to the settings."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_anyone_can_read_it_in_dutch_by_default(client):
    response = client.get("/privacy/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert html.count('<h2 class="utrecht-heading-2"') >= 6


def test_it_names_what_is_stored_about_each_group_and_why(client):
    html = english(client).get("/privacy/").content.decode()

    for heading in ("Pupils", "Parents and carers", "Volunteers", "Users of the platform"):
        assert f'<h3 class="utrecht-heading-3">{heading}</h3>' in html
    assert "Not stored: the citizen service number (BSN)" in html
    assert "Who sees what" in html and "Figures only, never a name" in html


def test_it_states_the_configured_retention_periods(client, settings):
    settings.PUPIL_RETENTION_MONTHS = 18
    settings.VOLUNTEER_RETENTION_MONTHS = 7

    html = english(client).get("/privacy/").content.decode()

    assert "Pupils and their parents or carers: 18 months after the guidance ended" in html
    assert "Volunteers: 7 months after they stopped" in html


def test_it_states_the_rights_and_whom_to_ask(client):
    html = english(client).get("/privacy/").content.decode()

    assert "Your rights" in html
    assert "Ask the project leader of the initiative" in html
    assert "Autoriteit Persoonsgegevens" in html


def test_the_contact_address_is_shown_when_configured(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = "privacy@aanvullendleren.example"

    html = client.get("/privacy/").content.decode()

    assert 'href="mailto:privacy@aanvullendleren.example"' in html


def test_without_a_contact_address_no_mail_link(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = ""

    assert "mailto:" not in client.get("/privacy/").content.decode()


def test_every_page_links_to_it_in_the_footer(client, client_for, world):
    for page in (client.get("/accounts/login/"), client_for(world.a.project_leader).get("/")):
        html = page.content.decode()
        footer = html[html.index("<footer") :]
        assert 'href="/privacy/"' in footer


def test_it_carries_no_inline_script_or_style(client):
    html = client.get("/privacy/").content.decode()

    assert "<script>" not in html and "<style" not in html and ' style="' not in html
