"""Organisation login (OpenID Connect): only for invited users, the provider mocked.

The fake provider answers allauth's HTTP calls (discovery, token, userinfo)
through the adapter's requests session, so nothing goes over the network.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.oidc import InviteOnlySocialAccountAdapter
from accounts.tests.authenticators import give_authenticator_app

pytestmark = pytest.mark.django_db

ISSUER = "https://login.teststad.example/tenant-42/v2.0"
CLIENT_ID = "aanvullend-leren-test"
PROVIDER_ID = "teststad"
LOGIN_URL = f"/accounts/oidc/{PROVIDER_ID}/login/"
CALLBACK_URL = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": "https://login.teststad.example/authorize",
    "token_endpoint": "https://login.teststad.example/token",
    "userinfo_endpoint": "https://login.teststad.example/userinfo",
    "jwks_uri": "https://login.teststad.example/keys",
}


def provider_settings(**app_settings) -> dict:
    """SOCIALACCOUNT_PROVIDERS as config/settings/base.py builds it from OIDC_*."""
    return {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": "Gemeente Teststad",
                    "client_id": CLIENT_ID,
                    "secret": "geheim-van-de-test",
                    "settings": {
                        "server_url": ISSUER,
                        "oauth_pkce_enabled": True,
                        **app_settings,
                    },
                }
            ]
        }
    }


class FakeResponse:
    def __init__(self, data: dict):
        import json

        self._data = data
        self.status_code = 200
        self.headers = {"content-type": "application/json"}
        self.text = json.dumps(data)
        self.content = self.text.encode()

    def json(self) -> dict:
        return self._data

    def raise_for_status(self) -> None:
        pass


class FakeIdentityProvider:
    """Answers discovery, token and userinfo requests for one signed-in employee."""

    def __init__(self, claims: dict):
        self.claims = {"sub": "medewerker-0001", **claims}
        self.calls: list[str] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def get(self, url, **kwargs):
        self.calls.append(f"GET {url}")
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return FakeResponse(DISCOVERY)
        if url == DISCOVERY["userinfo_endpoint"]:
            return FakeResponse(self.claims)
        raise AssertionError(f"unexpected GET {url}")

    def request(self, method, url, **kwargs):
        self.calls.append(f"{method} {url}")
        assert (method, url) == ("POST", DISCOVERY["token_endpoint"])
        assert kwargs["data"]["code"] == "code-from-the-provider"
        assert kwargs["data"]["code_verifier"]  # PKCE
        now = int(time.time())
        id_token = jwt.encode(
            {"iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **self.claims},
            "not-checked-for-a-token-fetched-over-tls",
            algorithm="HS256",
        )
        return FakeResponse(
            {
                "access_token": "at-1",
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": id_token,
            }
        )


@pytest.fixture
def configured(settings):
    settings.SOCIALACCOUNT_PROVIDERS = provider_settings()
    return settings


def organisation_login(monkeypatch, client: Client, claims: dict):
    """Click the button, 'log in' at the provider, come back: the callback's response."""
    provider = FakeIdentityProvider(claims)
    monkeypatch.setattr(
        InviteOnlySocialAccountAdapter, "get_requests_session", lambda self: provider
    )
    to_provider = client.post(LOGIN_URL)
    assert to_provider.status_code == 302, to_provider.content.decode()[:500]
    location = urlparse(to_provider["Location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == DISCOVERY["authorization_endpoint"]
    )
    state = parse_qs(location.query)["state"][0]
    return client.get(CALLBACK_URL, {"code": "code-from-the-provider", "state": state})


class TestTheButton:
    def test_configured_login_page_offers_the_organisation_login(self, client, configured):
        html = client.get(reverse("account_login")).content.decode()

        assert f'action="{LOGIN_URL}?process=login"' in html
        assert "Gemeente Teststad" in html

    def test_the_button_says_log_in_with_the_organisation(self, client, configured):
        client.cookies["django_language"] = "en"

        html = client.get(reverse("account_login")).content.decode()

        assert "Log in with Gemeente Teststad</button>" in html

    def test_without_configuration_there_is_no_button(self, client, settings):
        settings.SOCIALACCOUNT_PROVIDERS = {}

        html = client.get(reverse("account_login")).content.decode()

        assert "/accounts/oidc/" not in html
        assert client.post(LOGIN_URL).status_code == 404


class TestLoggingIn:
    def test_a_known_verified_address_logs_in_as_that_user(
        self, client, configured, monkeypatch, world
    ):
        official = world.a.municipal_official

        response = organisation_login(
            monkeypatch,
            client,
            {"email": official.email.upper(), "email_verified": True, "name": "Ambtenaar"},
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert client.session["_auth_user_id"] == str(official.pk)
        # the memberships still decide what the user sees: the official's dashboard
        home = client.get("/")
        assert home.status_code == 200
        assert home.context.get("municipal_official")
        assert home.context["project_leader"] is None

    def test_the_identity_is_remembered_for_the_next_login(
        self, client, configured, monkeypatch, world
    ):
        official = world.a.municipal_official
        organisation_login(monkeypatch, client, {"email": official.email, "email_verified": True})

        account = SocialAccount.objects.get(user=official)

        assert (account.provider, account.uid) == (PROVIDER_ID, "medewerker-0001")

    def test_an_unknown_address_is_refused_and_no_user_is_made(
        self, client, configured, monkeypatch, world, caplog
    ):
        users_before = User.objects.count()

        response = organisation_login(
            monkeypatch,
            client,
            {"email": "nieuwe.collega@teststad.example", "email_verified": True},
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("account_login")
        assert "_auth_user_id" not in client.session
        assert User.objects.count() == users_before
        assert not SocialAccount.objects.exists()
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert len(messages) == 1 and "Gemeente Teststad" in messages[0]
        page = client.get(response["Location"])
        assert "Gemeente Teststad" in page.content.decode()
        assert "nieuwe.collega" not in caplog.text

    def test_an_address_the_provider_did_not_verify_is_refused(
        self, client, configured, monkeypatch, world
    ):
        official = world.a.municipal_official

        response = organisation_login(monkeypatch, client, {"email": official.email})

        assert response["Location"] == reverse("account_login")
        assert "_auth_user_id" not in client.session
        assert not SocialAccount.objects.exists()

    def test_an_address_in_a_verified_domain_logs_in(self, client, settings, monkeypatch, world):
        # Entra ID sends no email_verified: OIDC_VERIFIED_EMAIL_DOMAINS vouches instead
        settings.SOCIALACCOUNT_PROVIDERS = provider_settings(verified_email=["example.nl"])
        official = world.a.municipal_official

        organisation_login(monkeypatch, client, {"email": official.email})

        assert client.session["_auth_user_id"] == str(official.pk)

    def test_a_deactivated_user_cannot_log_in(self, client, configured, monkeypatch, world):
        official = world.a.municipal_official
        official.is_active = False
        official.save(update_fields=["is_active"])

        organisation_login(monkeypatch, client, {"email": official.email, "email_verified": True})

        assert "_auth_user_id" not in client.session

    def test_a_user_with_a_second_factor_is_still_asked_for_it(
        self, client, configured, monkeypatch, world
    ):
        leader = world.a.project_leader
        give_authenticator_app(leader)

        response = organisation_login(
            monkeypatch, client, {"email": leader.email, "email_verified": True}
        )

        assert response["Location"] == reverse("mfa_authenticate")
        assert "_auth_user_id" not in client.session


# --- configuration by environment variables --------------------------------

ROOT = Path(__file__).resolve().parent.parent.parent


def start_local(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL="")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SOCIALACCOUNT_PROVIDERS)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_provider_is_configured_by_environment_variables():
    result = start_local(
        OIDC_SERVER_URL="https://login.microsoftonline.com/tenant-42/v2.0",
        OIDC_CLIENT_ID="client-1",
        OIDC_CLIENT_SECRET="secret-1",
        OIDC_NAME="Gemeente Utrecht",
        OIDC_PROVIDER_ID="utrecht",
        OIDC_VERIFIED_EMAIL_DOMAINS="utrecht.nl, @Example.NL",
    )

    assert result.returncode == 0, result.stderr
    assert "'provider_id': 'utrecht'" in result.stdout
    assert "'name': 'Gemeente Utrecht'" in result.stdout
    assert "'server_url': 'https://login.microsoftonline.com/tenant-42/v2.0'" in result.stdout
    assert "'verified_email': ['utrecht.nl', 'example.nl']" in result.stdout


def test_without_variables_there_is_no_provider():
    result = start_local()

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{}"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OIDC_SERVER_URL": "https://login.example/v2.0"},
            "OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_NAME",
        ),
        (
            {
                "OIDC_SERVER_URL": "http://login.example/v2.0",
                "OIDC_CLIENT_ID": "c",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_NAME": "n",
            },
            "OIDC_SERVER_URL must start with one of https://",
        ),
        (
            {
                "OIDC_SERVER_URL": "https://login.example/v2.0",
                "OIDC_CLIENT_ID": "c",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_NAME": "n",
                "OIDC_PROVIDER_ID": "Mijn Gemeente",
            },
            "OIDC_PROVIDER_ID='Mijn Gemeente'",
        ),
    ],
)
def test_an_incomplete_or_wrong_configuration_stops_the_start(env, message):
    result = start_local(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


# --- the Content Security Policy lets the login form go to the provider ------

CSP_HEADER = (
    "import django; django.setup(); "
    "from django.http import HttpResponse; from django.test import RequestFactory; "
    "from csp.middleware import CSPMiddleware; "
    "response = CSPMiddleware(lambda request: HttpResponse())(RequestFactory().get('/')); "
    "print(response['Content-Security-Policy'])"
)


def form_action(policy: str) -> list[str]:
    (directive,) = (
        part.split()[1:] for part in policy.split(";") if part.split()[:1] == ["form-action"]
    )
    return directive


def csp_with(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL="")
    result = subprocess.run(  # noqa: S603 (the arguments are this file's own)
        [sys.executable, "-c", CSP_HEADER],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_with_a_provider_the_login_form_may_go_to_its_origin():
    # Chromium applies form-action to the redirect that answers the button's POST.
    policy = csp_with(
        OIDC_SERVER_URL="https://login.microsoftonline.com/tenant-42/v2.0",
        OIDC_CLIENT_ID="client-1",
        OIDC_CLIENT_SECRET="secret-1",
        OIDC_NAME="Gemeente Utrecht",
    )

    assert form_action(policy) == ["'self'", "https://login.microsoftonline.com"]


def test_a_provider_on_its_own_port_keeps_the_port_in_form_action():
    policy = csp_with(
        OIDC_SERVER_URL="https://idp.gemeente.example:8443/realms/medewerkers",
        OIDC_CLIENT_ID="client-1",
        OIDC_CLIENT_SECRET="secret-1",
        OIDC_NAME="Gemeente Voorbeeld",
    )

    assert form_action(policy) == ["'self'", "https://idp.gemeente.example:8443"]


def test_without_a_provider_forms_may_go_to_this_site_only():
    assert form_action(csp_with()) == ["'self'"]


def test_the_login_page_sends_form_action_self_only_without_a_provider(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert form_action(response["Content-Security-Policy"]) == ["'self'"]
