"""The frame: login page, home per role, navigation, error pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import MembershipFactory, UserFactory
from core import views
from core.navigation import NAV_ITEMS, NavItem
from referrals.models import Referral
from referrals.tests.factories import (
    ContactMomentFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _status_label(status) -> str:
    """The label as the page shows it (Dutch by default)."""
    with translation.override("nl"):
        return str(Referral.Status(status).label)


def _has_count_row(html: str, status, count: int) -> bool:
    """Whether the status table has a row "<status label> | <count>"."""
    label = re.escape(_status_label(status))
    return bool(re.search(rf'scope="row">{label}</th>\s*<td[^>]*>{count}</td>', html))


def test_anonymous_home_redirects_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_login_page_has_dutch_lang_attribute_and_skip_link(client):
    response = client.get(reverse("account_login"))

    html = _text(response)
    assert response.status_code == 200
    assert '<html lang="nl"' in html
    assert re.search(r'<a class="utrecht-skip-link[^"]*" href="#main">', html)
    assert '<main class="utrecht-page-body__content' in html
    assert 'id="main"' in html


def test_login_page_can_be_switched_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(reverse("account_login"))

    html = _text(response)
    assert '<html lang="en"' in html
    assert "Log in with the email address at which you were invited." in html
    assert "Skip to main content" in html
    assert "Inloggen" not in html


def test_login_page_is_dutch(client):
    response = client.get(reverse("account_login"))

    html = _text(response)
    assert "Inloggen" in html
    assert "Naar de inhoud" in html


def test_login_page_uses_nlds_form_markup_with_labels(client):
    response = client.get(reverse("account_login"))

    html = _text(response)
    assert 'class="utrecht-form-label" for="id_login"' in html
    assert 'class="utrecht-form-label" for="id_password"' in html
    assert "utrecht-textbox utrecht-textbox--html-input" in html
    assert "utrecht-button utrecht-button--primary-action" in html


def test_login_page_offers_no_sign_up(client):
    response = client.get(reverse("account_login"))

    assert reverse("account_signup") not in _text(response)


def test_failed_login_shows_error_as_alert_on_the_page(client, world):
    response = client.post(
        reverse("account_login"),
        {"login": world.a.project_leader.email, "password": "wrong-password"},
    )

    html = _text(response)
    assert response.status_code == 200
    assert '<div class="utrecht-alert utrecht-alert--error" role="alert">' in html
    assert "_auth_user_id" not in client.session


def test_missing_password_error_is_next_to_the_field(client):
    response = client.post(reverse("account_login"), {"login": "iemand@example.nl"})

    html = _text(response)
    assert (
        'class="utrecht-form-field__error-message utrecht-form-field-error-message" '
        'id="id_password_error"' in html
    )
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', html).group(0)
    assert re.search(r'aria-describedby="[^"]*\bid_password_error\b', password_input)
    assert 'aria-invalid="true"' in password_input


def test_password_reset_page_uses_the_site_frame(client):
    response = client.get(reverse("account_reset_password"))

    html = _text(response)
    assert response.status_code == 200
    assert 'class="utrecht-skip-link' in html
    assert 'for="id_email"' in html


def test_logout_is_a_post_form_in_the_header(client_for, world):
    response = client_for(world.a.project_leader).get(reverse("home"))

    assert re.search(
        r'<form[^>]*method="post"[^>]*action="{}"'.format(re.escape(reverse("account_logout"))),
        _text(response),
    )


def test_logging_out_ends_the_session(client_for, world):
    client = client_for(world.a.project_leader)

    client.post(reverse("account_logout"))

    assert client.get(reverse("home")).status_code == 302


def test_header_shows_the_signed_in_users_name(client_for, world):
    user = world.a.project_leader

    response = client_for(user).get(reverse("home"))

    assert user.get_full_name() in _text(response)


def test_project_leader_home_shows_programme_with_open_referrals(client_for, world):
    response = client_for(world.a.project_leader).get(reverse("home"))

    html = _text(response)
    assert response.status_code == 200
    assert "Taal Doet Meer" in html
    assert "Taalmentoraat PO" in html
    # world a: one matched and one waiting referral, two open in all
    assert _has_count_row(html, Referral.Status.WAITING, 1)
    assert _has_count_row(html, Referral.Status.MATCHED, 1)
    assert re.search(r'numeric-data">2</td>\s*</tr>\s*</tfoot>', html)
    # the other world's initiative is not shown
    assert "Stichting Lina" not in html


def test_project_leader_home_leaves_out_closed_referrals(client_for, world):
    world.a.unmatched_referral.status = Referral.Status.WITHDRAWN
    world.a.unmatched_referral.outcome_reason = "Verhuisd"
    world.a.unmatched_referral.save()

    html = _text(client_for(world.a.project_leader).get(reverse("home")))

    assert _status_label(Referral.Status.WITHDRAWN) not in html
    assert re.search(r'numeric-data">1</td>\s*</tr>\s*</tfoot>', html)


def test_school_referrer_home_shows_their_school_and_its_referral_counts(client_for, world):
    response = client_for(world.a.school_referrer).get(reverse("home"))

    html = _text(response)
    assert world.a.school.name in html
    assert world.b.school.name not in html
    assert _has_count_row(html, Referral.Status.MATCHED, 1)
    assert re.search(r'numeric-data">1</td>\s*</tr>\s*</tfoot>', html)


def test_volunteer_home_counts_only_their_active_matches(client_for, world):
    MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer)
    MatchFactory(programme=world.a.programme, volunteer=world.a.volunteer, ended=True)
    MatchFactory(programme=world.a.programme)  # another volunteer's

    response = client_for(world.a.volunteer_user).get(reverse("home"))

    html = _text(response)
    assert re.search(r'id="home-volunteer-active-matches">2</td>', html)
    assert "Taal Doet Meer" in html


def test_municipal_official_home_shows_municipality_without_pupil_names(client_for, world):
    # distinctive names, so a match cannot come from a random staff name
    for n, pupil in enumerate((world.a.pupil, world.a.unmatched_pupil)):
        pupil.first_name, pupil.last_name = f"Leerlingvoornaam{n}", f"Leerlingachternaam{n}"
        pupil.save()

    response = client_for(world.a.municipal_official).get(reverse("home"))

    html = _text(response)
    assert 'id="home-municipal-official"' in html
    assert "Utrecht" in html
    assert "Leerlingvoornaam" not in html
    assert "Leerlingachternaam" not in html


def test_user_without_role_sees_no_role_section(client_for, world):
    response = client_for(world.outsider).get(reverse("home"))

    html = _text(response)
    assert 'id="home-no-role"' in html
    assert 'id="home-project-leader"' not in html


def test_user_with_several_roles_sees_each_section(client_for, world):
    user = world.a.project_leader
    MembershipFactory(user=user, school_referrer=True, school=world.a.school)

    response = client_for(user).get(reverse("home"))

    html = _text(response)
    assert 'id="home-project-leader"' in html
    assert 'id="home-school-referrer"' in html
    assert 'id="home-volunteer"' not in html


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "persona", ["project_leader", "school_referrer", "volunteer_user", "municipal_official"]
)
def test_home_query_count_does_not_grow_with_referrals_or_matches(client_for, world, persona):
    a = world.a
    user = getattr(a, persona)
    client = client_for(user)
    client.get(reverse("home"))  # warm the session and caches
    before = _home_queries(client)

    for _ in range(5):
        pupil = PupilFactory(initiative=a.initiative, school=a.school)
        referral = ReferralFactory(
            pupil=pupil, programme=a.programme, referring_school=a.school, matched=True
        )
        match = MatchFactory(programme=a.programme, volunteer=a.volunteer)
        MatchParticipantFactory(match=match, referral=referral)
        ContactMomentFactory(match=match)
    after = _home_queries(client)

    assert after == before


def test_staff_sees_administration_link_others_do_not(client_for, world):
    admin_url = reverse("admin:index")

    staff_html = _text(client_for(world.superuser).get(reverse("home")))
    leader_html = _text(client_for(world.a.project_leader).get(reverse("home")))

    assert f'href="{admin_url}"' in staff_html
    assert f'href="{admin_url}"' not in leader_html


def test_administrator_home_shows_administration_section_not_no_role(client_for, world):
    html = _text(client_for(world.superuser).get(reverse("home")))

    assert 'id="home-administrator"' in html
    assert '<h2 class="utrecht-heading-2" id="home-administrator">Beheer</h2>' in html
    assert "Je bent beheerder" in html
    assert 'id="home-no-role"' not in html
    assert "Nog geen rol" not in html
    for url in (
        reverse("admin:index"),
        reverse("accounts_invite"),
        reverse("admin:accounts_user_add"),
        reverse("core:reference_import"),
    ):
        assert f'href="{url}"' in html, url
    assert "Uitnodiging versturen" in html


def test_staff_without_permissions_sees_only_the_administration_link(client_for):
    staff = UserFactory(email="medewerker@example.nl", is_staff=True)

    html = _text(client_for(staff).get(reverse("home")))

    assert 'id="home-administrator"' in html
    assert 'id="home-no-role"' not in html
    assert f'href="{reverse("admin:index")}"' in html
    assert f'href="{reverse("accounts_invite")}"' not in html
    assert f'href="{reverse("admin:accounts_user_add")}"' not in html
    assert f'href="{reverse("core:reference_import")}"' not in html


def test_user_without_role_is_not_shown_the_administration_section(client_for, world):
    html = _text(client_for(world.outsider).get(reverse("home")))

    assert 'id="home-administrator"' not in html
    assert "Nog geen rol" in html


def test_navigation_marks_the_current_page(client_for, world):
    response = client_for(world.a.project_leader).get(reverse("home"))

    html = _text(response)
    assert re.search(r'<nav class="utrecht-nav-bar[^"]*" aria-label="[^"]+">', html)
    assert re.search(r'href="/" aria-current="page"', html)


def test_navigation_leaves_out_items_without_a_url(client_for, world, monkeypatch):
    extra = NavItem("Nergens", "no-such-url-name")
    monkeypatch.setattr("core.navigation.NAV_ITEMS", (*NAV_ITEMS, extra))

    response = client_for(world.a.project_leader).get(reverse("home"))

    assert response.status_code == 200
    assert "Nergens" not in _text(response)


def test_navigation_shows_role_items_only_to_that_role(client_for, world, monkeypatch):
    item = NavItem("Alleen leiders", "home", roles=frozenset({"project_leader"}))
    monkeypatch.setattr("core.navigation.NAV_ITEMS", (*NAV_ITEMS, item))

    leader_html = _text(client_for(world.a.project_leader).get(reverse("home")))
    referrer_html = _text(client_for(world.a.school_referrer).get(reverse("home")))

    assert "Alleen leiders" in leader_html
    assert "Alleen leiders" not in referrer_html


def test_messages_are_rendered_as_alerts(client_for, world):
    client = client_for(world.a.project_leader)

    response = client.post(reverse("account_logout"), follow=True)

    # allauth adds a "signed out" message, shown on the login page
    assert 'class="utrecht-alert utrecht-alert--' in _text(response)


def test_unknown_url_gets_404_page_in_site_frame(client):
    response = client.get("/bestaat-niet/")

    html = _text(response)
    assert response.status_code == 404
    assert '<html lang="nl"' in html
    assert '<h1 class="utrecht-heading-1">Pagina niet gevonden</h1>' in html
    assert "Deze pagina bestaat niet, of je hebt er geen toegang toe." in html
    assert "Naar de startpagina" in html
    assert 'href="#main"' in html


def test_permission_denied_gets_403_page(rf: RequestFactory, world):
    request = rf.get("/")
    request.user = world.outsider

    response = views.permission_denied(request)

    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="nl"' in html
    assert '<h1 class="utrecht-heading-1">Geen toegang</h1>' in html
    assert "Je hebt geen toestemming om deze pagina te bekijken of om dit te doen." in html


def test_server_error_page_renders_without_database_or_user(
    rf: RequestFactory, django_assert_num_queries
):
    request = rf.get("/")  # no user, no session

    with django_assert_num_queries(0):
        response = views.server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="nl"' in html
    assert '<h1 class="utrecht-heading-1">Er ging iets mis</h1>' in html
    assert "Naar de startpagina" in html
    assert reverse("account_logout") not in html


def test_css_and_htmx_are_served_as_static_files():
    from django.contrib.staticfiles import finders

    for path in (
        "nlds/utrecht/index.css",
        "nlds/voorbeeld/theme.css",
        "css/site.css",
        "vendor/htmx/htmx.min.js",
    ):
        assert finders.find(path), path


def test_home_without_login_does_not_leak_other_pages(client: Client):
    response = client.get(reverse("home"), follow=True)

    assert response.status_code == 200
    assert 'for="id_login"' in _text(response)


@pytest.mark.parametrize(
    ("url_name", "kwargs"),
    [
        ("account_reset_password_done", {}),
        ("account_reset_password_from_key", {"uidb36": "x", "key": "bad-key"}),
        ("account_reset_password_from_key_done", {}),
    ],
)
def test_anonymous_account_pages_use_the_site_frame(client, url_name, kwargs):
    response = client.get(reverse(url_name, kwargs=kwargs))

    html = _text(response)
    assert response.status_code == 200
    assert '<html lang="nl"' in html
    assert '<h1 class="utrecht-heading-1">' in html


@pytest.mark.parametrize(
    ("url_name", "field_ids"),
    [
        ("account_change_password", ["id_oldpassword", "id_password1", "id_password2"]),
        ("account_logout", []),
    ],
)
def test_signed_in_account_pages_use_the_site_frame(client_for, world, url_name, field_ids):
    response = client_for(world.a.project_leader).get(reverse(url_name))

    html = _text(response)
    assert response.status_code == 200
    assert '<h1 class="utrecht-heading-1">' in html
    for field_id in field_ids:
        assert f'<label class="utrecht-form-label" for="{field_id}">' in html


def test_sign_up_page_says_sign_up_is_closed(client):
    response = client.get(reverse("account_signup"))

    html = _text(response)
    assert '<h1 class="utrecht-heading-1">' in html
    assert 'name="password1"' not in html


def test_browser_language_does_not_override_dutch_default(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "nl"
    assert 'lang="nl"' in response.content.decode()


def test_language_switch_chooses_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert 'lang="en"' in response.content.decode()


def test_volunteer_home_links_to_their_own_record(client_for, world):
    html = _text(client_for(world.a.volunteer_user).get(reverse("home")))

    own = reverse("initiatives:volunteer_detail", args=[world.a.volunteer.pk])
    other = reverse("initiatives:volunteer_detail", args=[world.b.volunteer.pk])
    assert f'href="{own}"' in html
    assert f'href="{other}"' not in html
