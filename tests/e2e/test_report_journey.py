"""The annual report in a real browser (issue 8).

A municipal official opens the dashboard, goes to the reports, requests
this year's overview of the municipality, waits on the report's page until
it is ready and downloads the PDF. Every page is checked with axe-core.

In the tests Celery runs eagerly and the live server commits, so the job
runs when the request's transaction commits; the journey still waits for
the page to say "done", as a user would (the page polls while it runs).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.utils import timezone, translation

from accounts.tests.factories import TEST_PASSWORD
from municipality.tests.factories import FunderFactory, FundingAgreementFactory
from reports.models import Report

from .axe import check_a11y
from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def nl(label) -> str:
    """The Dutch text of a source string or lazy label, as the page shows it."""
    with translation.override("nl"):
        return translation.gettext(str(label))


def test_official_requests_the_annual_overview_and_downloads_the_pdf(
    world, browser_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    a = world.a
    year = timezone.localdate().year
    FundingAgreementFactory(
        municipality=a.municipality,
        initiative=a.initiative,
        funder=FunderFactory(municipal=True, municipality=a.municipality, name="Fonds Domstad"),
        programmes=[a.programme],
    )

    page = browser_page
    log_in(page, a.municipal_official.email, TEST_PASSWORD)
    check_a11y(page, "official: home")

    # --- the dashboard, then the reports, through the main menu ------------
    menu = page.get_by_role("navigation", name=nl("Main menu"))
    menu.get_by_role("link", name=nl("Dashboard"), exact=True).click()
    page.wait_for_url("**/dashboard/")
    assert a.municipality.name in page.locator("h1").inner_text()
    check_a11y(page, "official: dashboard")

    menu.get_by_role("link", name=nl("Reports"), exact=True).click()
    page.wait_for_url("**/rapportages/")
    check_a11y(page, "official: reports")

    # --- request this calendar year's overview ------------------------------
    overview = page.locator("form:has(input[name=kind][value=overview])")
    overview.locator("[name=municipality_period]").select_option(
        f"{a.municipality.pk}|{year}-01-01|{year}-12-31"
    )
    # With Celery eager the request itself makes the PDF: give it time.
    overview.locator("button[type=submit]").click(timeout=60_000)
    page.wait_for_url(re.compile(r"/rapportages/\d+/$"), timeout=60_000)
    report = Report.objects.get(kind=Report.Kind.MUNICIPAL_OVERVIEW, municipality=a.municipality)

    # The page polls while the report is made, and reloads once it is done.
    status = page.locator("#report-status [data-report-status]")
    status.and_(page.locator("[data-report-status=done]")).wait_for(timeout=60_000)
    assert nl(Report.Status.DONE.label) in status.inner_text()
    check_a11y(page, "official: report ready")

    # --- download the PDF ------------------------------------------------------
    with page.expect_download() as download_info:
        page.locator("#report-status a[data-download]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert a.municipality.name in text
    assert "Fonds Domstad" in text
    assert world.b.municipality.name not in text
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
