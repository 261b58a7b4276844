"""Every main page passes axe-core's WCAG 2.1 A and AA checks (issue 8).

One test per role, plus one logged out: each visits the pages of its
navigation (and a detail page or form behind them) and collects the
violations of all of them, so one run lists everything there is to fix.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.tests.authenticators import give_authenticator_app
from accounts.tests.factories import TEST_PASSWORD, privacy_officer_of
from municipality.tests.factories import FunderFactory, FundingAgreementFactory
from reports.models import Report

from .axe import axe_violations, check_a11y, format_violations
from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def assert_accessible(page, pages: list[tuple[str, str]]) -> None:
    """Visit each (label, path) and fail listing every violation on every page."""
    failures = []
    for label, path in pages:
        response = page.goto(path)
        assert response is not None and response.ok, f"{label}: {path} answered {response.status}"
        violations = axe_violations(page)
        if violations:
            failures.append(format_violations(label, path, violations))
    assert not failures, "\n\n".join(failures)


def test_pages_for_visitors_who_are_not_logged_in(world, browser_page):
    page = browser_page
    assert_accessible(
        page,
        [
            ("login", reverse("account_login")),
            ("password reset", reverse("account_reset_password")),
            ("privacy statement", reverse("privacy")),
            ("accessibility statement", reverse("accessibility")),
        ],
    )
    # The second step of logging in: the authenticator code.
    give_authenticator_app(world.a.school_referrer)
    page.goto(reverse("account_login"))
    page.fill("main [name=login]", world.a.school_referrer.email)
    page.fill("main [name=password]", TEST_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    check_a11y(page, "two-step verification code")


# Pages with wide tables (the dashboard's trend table has a column per
# figure): on a phone only the table scrolls sideways in its container; the
# page itself, its headings and paragraphs, stay within the screen.
PHONE_PAGES = ("home", "referrals:waitlist", "referrals:match_list", "municipality:dashboard")
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("header, main, footer, main > *, main section > *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""));
  return [width, wide.slice(0, 5)];
}"""


def test_pages_fit_a_phone_screen_without_scrolling_sideways(world, phone_page):
    page = phone_page
    log_in(page, world.a.project_leader.email, TEST_PASSWORD)
    too_wide = []
    for name in PHONE_PAGES:
        page.goto(reverse(name))
        width, wide = page.evaluate(_OVERFLOW)
        if wide:
            too_wide.append(f"{reverse(name)}: {', '.join(wide)} wider than {width}px")
    assert not too_wide, "sideways scrolling on a phone (WCAG 1.4.10):\n" + "\n".join(too_wide)


def test_pages_of_the_project_leader(world, browser_page):
    a = world.a
    log_in(browser_page, a.project_leader.email, TEST_PASSWORD)
    waiting = a.unmatched_referral
    assert_accessible(
        browser_page,
        [
            ("home", reverse("home")),
            ("inbox", reverse("referrals:inbox")),
            ("referral", reverse("referrals:leader_detail", args=[a.referral.pk])),
            ("waitlist", reverse("referrals:waitlist")),
            ("suggestions", reverse("referrals:match_suggestions", args=[waiting.pk])),
            ("whole waitlist at once", reverse("referrals:match_batch", args=[a.programme.pk])),
            ("matches", reverse("referrals:match_list")),
            ("match", reverse("referrals:match_detail", args=[a.match.pk])),
            ("end a match", reverse("referrals:match_end", args=[a.match.pk])),
            ("replace the volunteer", reverse("referrals:match_replace", args=[a.match.pk])),
            ("impact measurement", reverse("referrals:impact_record", args=[a.referral.pk])),
            ("session log", reverse("referrals:session_log", args=[a.match.pk])),
            ("evaluation", reverse("referrals:evaluation_record", args=[a.referral.pk])),
            ("needs attention", reverse("referrals:attention")),
            ("new referral", reverse("referrals:leader_create")),
            ("volunteers", reverse("initiatives:volunteer_list")),
            ("volunteer", reverse("initiatives:volunteer_detail", args=[a.volunteer.pk])),
            ("new volunteer", reverse("initiatives:volunteer_create")),
            ("edit volunteer", reverse("initiatives:volunteer_edit", args=[a.volunteer.pk])),
            ("dashboard", reverse("municipality:dashboard")),
            ("funding", reverse("municipality:agreement_list")),
            ("reports", reverse("reports:report_list")),
            ("team", reverse("accounts_team")),
            ("two-step verification", reverse("mfa_index")),
            ("API tokens", reverse("accounts_api_tokens")),
        ],
    )


def test_pages_of_the_volunteer(world, phone_page):
    a = world.a
    log_in(phone_page, a.volunteer_user.email, TEST_PASSWORD)
    assert_accessible(
        phone_page,
        [
            ("home", reverse("home")),
            ("matches", reverse("referrals:match_list")),
            ("match", reverse("referrals:match_detail", args=[a.match.pk])),
            ("session log", reverse("referrals:session_log", args=[a.match.pk])),
        ],
    )


def test_pages_of_the_school_referrer(world, browser_page):
    a = world.a
    log_in(browser_page, a.school_referrer.email, TEST_PASSWORD)
    assert_accessible(
        browser_page,
        [
            ("home", reverse("home")),
            ("referrals", reverse("referrals:school_list")),
            ("refer a pupil", reverse("referrals:school_create")),
            ("referral", reverse("referrals:school_detail", args=[a.referral.pk])),
        ],
    )


def test_pages_of_the_municipal_official(world, browser_page):
    a = world.a
    agreement = FundingAgreementFactory(
        municipality=a.municipality,
        initiative=a.initiative,
        funder=FunderFactory(municipal=True, municipality=a.municipality),
        programmes=[a.programme],
    )
    year = dt.date.today().year
    report = Report.objects.create(
        kind=Report.Kind.AGREEMENT,
        funding_agreement=agreement,
        municipality=a.municipality,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        version=1,
    )
    log_in(browser_page, a.municipal_official.email, TEST_PASSWORD)
    assert_accessible(
        browser_page,
        [
            ("home", reverse("home")),
            ("dashboard", reverse("municipality:dashboard")),
            ("funding", reverse("municipality:agreement_list")),
            ("agreement", reverse("municipality:agreement_detail", args=[agreement.pk])),
            ("reports", reverse("reports:report_list")),
            ("report", reverse("reports:report_detail", args=[report.pk])),
        ],
    )


def test_pages_of_the_privacy_officer(world, browser_page):
    officer = privacy_officer_of(world.a.initiative, email="fg-a@example.nl")
    log_in(browser_page, officer.email, TEST_PASSWORD)
    assert_accessible(
        browser_page,
        [
            ("home", reverse("home")),
            ("processing log", reverse("audit:log")),
            (
                "processing log of a pupil",
                reverse("audit:pupil_log", args=[world.a.pupil.pk]),
            ),
        ],
    )
