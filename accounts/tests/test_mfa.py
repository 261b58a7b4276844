"""Two-step verification: required for personal data and administration, set up first."""

from __future__ import annotations

import logging
import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from accounts.mfa import mfa_reset
from accounts.tests.authenticators import give_authenticator_app, totp_code
from accounts.tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from accounts.tokens import api_token_create
from audit.models import ProcessingLogEntry

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
TOKEN_REFUSAL = (
    "Two-step verification is required for your account and you have not set it up yet. "
    "Set it up on the site first (Two-step verification, at the top of every page); until "
    "then your API tokens give no access."
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # used TOTP codes and rate limits live in the cache
    cache.clear()
    yield
    cache.clear()


def without_mfa(user) -> Client:
    """A client logged in as ``user``, who has no second factor."""
    client = Client()
    client.force_login(user)
    return client


def password_login(user) -> Client:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def activate_totp(client) -> str:
    """Set up an authenticator app as a user would; returns its secret."""
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


class TestWhoMustHaveIt:
    @pytest.mark.parametrize(
        "persona",
        ["project_leader", "volunteer_user", "school_referrer"],
    )
    def test_roles_that_see_personal_data_are_sent_to_the_setup_first(self, world, persona):
        response = without_mfa(getattr(world.a, persona)).get("/")

        assert response.status_code == 302
        assert response["Location"] == ACTIVATE

    def test_an_administrator_is_sent_to_the_setup_first(self, world):
        response = without_mfa(world.superuser).get("/admin/")

        assert response.status_code == 302
        assert response["Location"] == ACTIVATE

    def test_a_municipal_official_sees_aggregates_only_and_may_go_without(self, world):
        response = without_mfa(world.a.municipal_official).get("/")

        assert response.status_code == 200

    def test_a_user_without_a_role_may_go_without(self, world):
        assert without_mfa(world.outsider).get("/").status_code == 200

    def test_a_new_role_with_personal_data_requires_it_from_the_next_request(self, world):
        official = world.a.municipal_official
        client = without_mfa(official)
        assert client.get("/").status_code == 200

        from accounts.tests.factories import MembershipFactory

        MembershipFactory(user=official, project_leader=True, initiative=world.a.initiative)

        assert client.get("/")["Location"] == ACTIVATE

    def test_with_an_authenticator_app_every_page_opens(self, world, client_for):
        assert client_for(world.a.project_leader).get("/").status_code == 200

    def test_a_security_key_counts_as_a_second_factor(self, world):
        leader = world.a.project_leader
        Authenticator.objects.create(user=leader, type=Authenticator.Type.WEBAUTHN, data={})

        assert without_mfa(leader).get("/").status_code == 200

    def test_recovery_codes_alone_do_not_count(self, world):
        leader = world.a.project_leader
        Authenticator.objects.create(
            user=leader, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"}
        )

        assert without_mfa(leader).get("/")["Location"] == ACTIVATE

    def test_not_enforced_when_mfa_required_is_off(self, world, settings):
        settings.MFA_REQUIRED = False

        assert without_mfa(world.a.project_leader).get("/").status_code == 200


class TestTheRedirect:
    def test_the_message_says_why(self, world):
        response = without_mfa(world.a.school_referrer).get("/aanmeldingen/")

        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert len(messages) == 1
        assert "personal data" in messages[0] or "persoonsgegevens" in messages[0]

    def test_the_message_is_shown_on_the_setup_page(self, world):
        client = password_login(world.a.school_referrer)

        page = client.get("/", follow=True)

        assert page.redirect_chain[-1][0] == ACTIVATE
        message = str(next(iter(page.context["messages"])))
        assert message in page.content.decode()

    def test_a_post_is_refused_too(self, world):
        response = without_mfa(world.a.project_leader).post("/intake/nieuw/", {})

        assert response.status_code == 302
        assert response["Location"] == ACTIVATE

    def test_htmx_requests_reload_the_whole_page(self, world):
        response = without_mfa(world.a.project_leader).get("/", headers={"HX-Request": "true"})

        assert response.status_code == 204
        assert response["HX-Redirect"] == ACTIVATE

    @pytest.mark.parametrize(
        "path",
        [
            "/accounts/2fa/",
            "/accounts/2fa/webauthn/add/",
            "/accounts/logout/",
            "/privacy/",
            "/health/",
            "/accounts/reauthenticate/",
        ],
    )
    def test_setup_logout_privacy_and_health_stay_reachable(self, world, path):
        response = without_mfa(world.a.project_leader).get(path)

        assert response.get("Location") != ACTIVATE
        assert response.status_code in (200, 302)

    def test_the_language_switch_stays_reachable(self, world):
        response = without_mfa(world.a.project_leader).post(
            "/i18n/setlang/", {"language": "en", "next": "/privacy/"}
        )

        assert response.status_code == 302
        assert response["Location"] == "/privacy/"

    def test_static_files_stay_reachable(self, world, settings):
        response = without_mfa(world.a.project_leader).get(f"{settings.STATIC_URL}css/site.css")

        assert response.get("Location") != ACTIVATE


class TestTheApi:
    def test_a_session_without_the_required_second_factor_gets_403_problem_details(self, world):
        response = without_mfa(world.a.project_leader).get("/api/v1/me/")

        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "mfa_required"
        assert body["status"] == 403
        assert body["instance"] == "/api/v1/me/"

    def test_a_token_of_a_user_who_must_still_set_it_up_gets_403_problem_details(self, world):
        # An official (MFA optional) makes a token, then becomes a project leader.
        official = world.a.municipal_official
        _token, secret = api_token_create(user=official, name="Koppeling")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert api.get("/api/v1/me/").status_code == 200
        MembershipFactory(user=official, project_leader=True, initiative=world.a.initiative)

        response = api.get(f"/api/v1/pupils/{world.a.pupil.pk}/")

        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "mfa_required"
        assert body["status"] == 403
        assert body["instance"] == f"/api/v1/pupils/{world.a.pupil.pk}/"
        with translation.override("nl"):
            assert body["detail"] == gettext(TOKEN_REFUSAL)
        assert world.a.pupil.first_name not in response.content.decode()
        # every endpoint, not only personal data: the session path refuses all of them too
        assert api.get("/api/v1/me/").status_code == 403

    def test_the_refused_token_request_is_in_the_processing_log_with_its_user(self, world):
        leader = world.a.project_leader
        _token, secret = api_token_create(user=leader, name="Koppeling")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        assert api.get(f"/api/v1/pupils/{world.a.pupil.pk}/").status_code == 403

        entries = ProcessingLogEntry.objects.filter(record_type="pupil", record_id=world.a.pupil.pk)
        assert list(entries.values_list("actor_id", "result")) == [(leader.pk, "refused")]

    def test_a_token_works_once_the_second_factor_is_set_up(self, world):
        leader = world.a.project_leader
        _token, secret = api_token_create(user=leader, name="Koppeling")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert api.get(f"/api/v1/pupils/{world.a.pupil.pk}/").status_code == 403

        give_authenticator_app(leader)

        assert api.get(f"/api/v1/pupils/{world.a.pupil.pk}/").status_code == 200

    def test_recovery_codes_alone_do_not_open_the_api_either(self, world):
        leader = world.a.project_leader
        Authenticator.objects.create(
            user=leader, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"}
        )
        _token, secret = api_token_create(user=leader, name="Koppeling")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        assert api.get("/api/v1/me/").status_code == 403

    def test_a_token_of_a_municipal_official_is_not_affected(self, world):
        _token, secret = api_token_create(user=world.a.municipal_official, name="Koppeling")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        assert api.get("/api/v1/me/").status_code == 200

    def test_a_session_without_it_is_refused_whatever_authorization_it_sends(self, world):
        client = without_mfa(world.a.project_leader)
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer al_not-a-real-token")

        assert response.status_code == 403
        assert response.json()["code"] == "mfa_required"

    def test_not_enforced_for_tokens_when_mfa_required_is_off(self, world, settings):
        settings.MFA_REQUIRED = False
        _token, secret = api_token_create(user=world.a.project_leader, name="Koppeling")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        assert api.get("/api/v1/me/").status_code == 200

    def test_a_session_of_a_municipal_official_is_not_affected(self, world):
        assert without_mfa(world.a.municipal_official).get("/api/v1/me/").status_code == 200


class TestSettingItUp:
    def test_after_login_the_user_sets_up_an_app_and_then_reaches_the_pages(self, world):
        leader = world.a.project_leader
        client = password_login(leader)
        assert client.get("/")["Location"] == ACTIVATE

        activate_totp(client)

        assert Authenticator.objects.filter(user=leader, type="totp").exists()
        # allauth makes recovery codes with the first second factor
        assert Authenticator.objects.filter(user=leader, type="recovery_codes").exists()
        assert client.get("/").status_code == 200

    def test_the_next_login_asks_for_the_code(self, world):
        leader = world.a.project_leader
        client = password_login(leader)
        secret = activate_totp(client)
        client.post(reverse("account_logout"))

        with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
            client = Client()
            response = client.post(
                reverse("account_login"), {"login": leader.email, "password": TEST_PASSWORD}
            )
            assert response["Location"] == reverse("mfa_authenticate")
            assert "_auth_user_id" not in client.session

            wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
            assert wrong.status_code == 200
            assert "_auth_user_id" not in client.session

            response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

            assert response.status_code == 302
            assert client.session["_auth_user_id"] == str(leader.pk)
            assert client.get("/").status_code == 200

    def test_removing_the_only_app_sends_the_user_back_to_the_setup(self, world):
        leader = world.a.project_leader
        client = password_login(leader)
        activate_totp(client)

        client.post("/accounts/2fa/totp/deactivate/")

        assert not Authenticator.objects.filter(user=leader, type="totp").exists()
        assert client.get("/")["Location"] == ACTIVATE


class TestPages:
    """allauth's MFA pages render in the site's frame with NL Design System markup."""

    def assert_in_site_frame(self, response):
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="utrecht-page-header site-header"' in html
        assert '<h1 class="utrecht-heading-1">' in html
        assert "<script>" not in html and ' style="' not in html
        return html

    def test_the_header_links_to_two_step_verification(self, world, client_for):
        html = client_for(world.a.project_leader).get("/").content.decode()

        assert f'href="{reverse("mfa_index")}"' in html

    def test_overview_for_a_role_that_requires_it(self, world, client_for):
        html = self.assert_in_site_frame(client_for(world.a.project_leader).get("/accounts/2fa/"))

        assert reverse("mfa_deactivate_totp") in html
        assert reverse("mfa_add_webauthn") in html
        assert "utrecht-button" in html

    def test_overview_says_it_is_optional_for_a_municipal_official(self, world, client_for):
        client = client_for(world.a.municipal_official)
        client.cookies["django_language"] = "en"

        html = self.assert_in_site_frame(client.get("/accounts/2fa/"))

        assert "optional for you" in html

    def test_overview_says_when_it_is_not_enforced(self, world, client_for, settings):
        settings.MFA_REQUIRED = False
        client = client_for(world.a.project_leader)
        client.cookies["django_language"] = "en"

        html = self.assert_in_site_frame(client.get("/accounts/2fa/"))

        assert "not required (the local demo)" in html

    def test_setup_page_shows_the_qr_code_and_the_key(self, world):
        client = password_login(world.a.project_leader)

        response = client.get(ACTIVATE)

        html = self.assert_in_site_frame(response)
        assert 'src="data:image/svg+xml;base64,' in html
        assert response.context["form"].secret in html
        assert 'name="code"' in html
        assert 'class="utrecht-textbox utrecht-textbox--html-input' in html

    def test_recovery_codes_deactivation_and_security_key_pages(self, world):
        client = password_login(world.a.project_leader)
        activate_totp(client)

        codes = self.assert_in_site_frame(client.get("/accounts/2fa/recovery-codes/"))
        assert re.search(r"<textarea[^>]*utrecht-textarea", codes)
        self.assert_in_site_frame(client.get("/accounts/2fa/recovery-codes/generate/"))
        self.assert_in_site_frame(client.get("/accounts/2fa/totp/deactivate/"))
        add_key = self.assert_in_site_frame(client.get("/accounts/2fa/webauthn/add/"))
        assert 'id="mfa_webauthn_add"' in add_key
        assert 'type="application/json"' in add_key  # allauth's data, not an inline script
        self.assert_in_site_frame(client.get("/accounts/2fa/webauthn/"))

    def test_security_key_list_names_the_keys(self, world, client_for):
        leader = world.a.project_leader
        Authenticator.objects.create(
            user=leader,
            type=Authenticator.Type.WEBAUTHN,
            data={"name": "Sleutelbos-USB", "credential": {}},
        )
        client = client_for(leader)

        html = self.assert_in_site_frame(client.get("/accounts/2fa/webauthn/"))

        assert "Sleutelbos-USB" in html
        assert "utrecht-table" in html

    def test_login_code_page(self, world):
        leader = world.a.project_leader
        give_authenticator_app(leader)
        client = Client()
        client.post(reverse("account_login"), {"login": leader.email, "password": TEST_PASSWORD})

        html = self.assert_in_site_frame(client.get(reverse("mfa_authenticate")))

        assert 'name="code"' in html
        assert 'id="logout-from-stage"' in html


class TestReset:
    def test_an_administrator_resets_a_lost_second_factor(self, world, client_for, caplog):
        leader = world.a.project_leader
        give_authenticator_app(leader)
        admin = client_for(world.superuser)

        with caplog.at_level(logging.WARNING, logger="accounts.security"):
            response = admin.post(
                "/admin/accounts/user/",
                {"action": "reset_two_step_verification", "_selected_action": [leader.pk]},
            )

        assert response.status_code == 302
        assert not Authenticator.objects.filter(user=leader).exists()
        assert f"user_id={leader.pk} by_user_id={world.superuser.pk}" in caplog.text
        assert without_mfa(leader).get("/")["Location"] == ACTIVATE

    def test_only_a_superuser_may_reset(self, world):
        staff = UserFactory(is_staff=True)
        leader = world.a.project_leader
        give_authenticator_app(leader)

        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            mfa_reset(user=leader, reset_by=staff)
        assert Authenticator.objects.filter(user=leader).exists()

    def test_allauths_authenticator_admin_that_shows_secrets_is_gone(self, world, client_for):
        response = client_for(world.superuser).get("/admin/mfa/authenticator/")

        assert response.status_code == 404


class TestSetting:
    def test_production_refuses_to_start_without_it(self):
        from tests.test_settings import PRODUCTION_OK, start

        result = start("config.settings.production", **PRODUCTION_OK, MFA_REQUIRED="false")

        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "MFA_REQUIRED=false is for the local demo only" in result.stderr

    def test_production_requires_it_by_default(self):
        from tests.test_settings import PRODUCTION_OK, start

        result = start("config.settings.production", **PRODUCTION_OK)

        assert result.returncode == 0, result.stderr

    def test_tests_enforce_it_like_production(self, settings):
        assert settings.MFA_REQUIRED is True
