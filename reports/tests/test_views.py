"""Report pages: list and request, status with polling, download, retry, and who sees what."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from reports import services
from reports.models import Report
from reports.tests import test_services as base

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with base.freeze() as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    return base.use_media(settings, tmp_path)


@pytest.fixture
def agreement(world):
    return base.agreement_for(world.a)


@pytest.fixture
def no_pdf(monkeypatch):
    return base.skip_pdf(monkeypatch)


def nl(text: str) -> str:
    with translation.override("nl"):
        return gettext(text)


def _key(agreement, period=base.SCHOOL_YEAR) -> str:
    return f"{agreement.pk}|{period.start.isoformat()}|{period.end.isoformat()}"


def make_report(world, agreement, *, status=Report.Status.DONE, version=None, **fields) -> Report:
    """A report row as the job leaves it (no job run)."""
    latest = Report.objects.filter(funding_agreement=agreement).count()
    return Report.objects.create(
        kind=Report.Kind.AGREEMENT,
        municipality=agreement.municipality,
        funding_agreement=agreement,
        period_start=base.SCHOOL_YEAR.start,
        period_end=base.SCHOOL_YEAR.end,
        version=version or latest + 1,
        status=status,
        requested_by=world.a.municipal_official,
        **fields,
    )


@pytest.fixture
def done_report(world, agreement, django_capture_on_commit_callbacks):
    """A real report of world a: 12 pupils reached, PDF made."""
    base.reached(world.a, 11)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            user=world.a.municipal_official, agreement=agreement, period=base.SCHOOL_YEAR
        )
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    return report


@pytest.fixture
def b_report(world):
    agreement = base.agreement_for(world.b)
    report = make_report(world, agreement)
    return report


# --- the list and requesting ----------------------------------------------------------


def test_official_sees_the_reports_of_their_municipality_with_versions(
    world, client_for, agreement, b_report
):
    make_report(world, agreement)
    make_report(world, agreement, status=Report.Status.QUEUED)
    response = client_for(world.a.municipal_official).get(reverse("reports:report_list"))

    assert response.status_code == 200
    groups = response.context["groups"]
    assert len(groups) == 1
    assert [r.version for r in groups[0].versions] == [2, 1]
    content = response.content.decode()
    assert world.b.initiative.name not in content
    assert nl("Request the report") in content
    assert _key(agreement) in content  # the agreement and period can be chosen
    assert nl("Request the overview") in content


def test_project_leader_sees_the_agreement_reports_of_their_initiative_but_no_overview(
    world, client_for, agreement
):
    make_report(world, agreement)
    overview = Report.objects.create(
        kind=Report.Kind.MUNICIPAL_OVERVIEW,
        municipality=world.a.municipality,
        period_start=base.SCHOOL_YEAR.start,
        period_end=base.SCHOOL_YEAR.end,
    )
    client = client_for(world.a.project_leader)
    response = client.get(reverse("reports:report_list"))
    assert [g.latest.kind for g in response.context["groups"]] == ["agreement"]
    assert nl("Request the overview") not in response.content.decode()
    assert client.get(reverse("reports:report_detail", args=[overview.pk])).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "school_referrer", "volunteer"])
def test_users_without_a_report_role_get_403(world, client_for, who):
    user = {
        "outsider": world.outsider,
        "school_referrer": world.a.school_referrer,
        "volunteer": world.a.volunteer_user,
    }[who]
    assert client_for(user).get(reverse("reports:report_list")).status_code == 403


def test_anonymous_user_is_sent_to_the_login_page(client):
    response = client.get(reverse("reports:report_list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_list_queries_do_not_grow_with_the_number_of_reports(world, client_for, agreement):
    client = client_for(world.a.municipal_official)
    make_report(world, agreement)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("reports:report_list"))
    for _ in range(4):
        make_report(world, agreement)
    other = base.agreement_for(world.a)
    make_report(world, other)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("reports:report_list"))
    assert len(response.context["groups"]) == 2
    assert len(many) == len(one)


def test_the_list_is_paged_by_report_subject_and_period(world, client_for, agreement, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "REPORT_GROUPS_PER_PAGE", 1)
    make_report(world, agreement)
    make_report(world, agreement)  # a second version: the same group
    make_report(world, base.agreement_for(world.a))
    client = client_for(world.a.municipal_official)

    first = client.get(reverse("reports:report_list"))
    second = client.get(reverse("reports:report_list"), {"page": 2})

    assert len(first.context["groups"]) == len(second.context["groups"]) == 1
    assert first.context["page"].paginator.count == 2
    assert first.context["groups"][0].latest.pk != second.context["groups"][0].latest.pk
    assert len(first.context["groups"][0].versions) + len(second.context["groups"][0].versions) == 3
    assert 'rel="next"' in first.content.decode() and 'rel="prev"' in second.content.decode()


def test_requesting_a_report_queues_it_and_shows_its_page(
    world, client_for, agreement, no_pdf, django_capture_on_commit_callbacks
):
    client = client_for(world.a.project_leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:report_request"),
            {"kind": "agreement", "agreement_period": _key(agreement)},
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_detail", args=[report.pk])
    assert (report.requested_by, report.status) == (world.a.project_leader, "done")


def test_requesting_the_overview(world, client_for, no_pdf):
    response = client_for(world.a.municipal_official).post(
        reverse("reports:report_request"),
        {
            "kind": "overview",
            "municipality_period": f"{world.a.municipality.pk}|2025-08-01|2026-07-31",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.kind, report.municipality) == ("overview", world.a.municipality)


def test_agreement_of_another_municipality_cannot_be_requested(world, client_for):
    other = base.agreement_for(world.b)
    response = client_for(world.a.municipal_official).post(
        reverse("reports:report_request"), {"kind": "agreement", "agreement_period": _key(other)}
    )
    assert response.status_code == 400
    assert not Report.objects.exists()
    overview = client_for(world.a.municipal_official).post(
        reverse("reports:report_request"),
        {
            "kind": "overview",
            "municipality_period": f"{world.b.municipality.pk}|2025-08-01|2026-07-31",
        },
    )
    assert overview.status_code == 400
    assert not Report.objects.exists()


def test_request_page_needs_post(world, client_for):
    response = client_for(world.a.municipal_official).get(reverse("reports:report_request"))
    assert response.status_code == 405


# --- one report ---------------------------------------------------------------------------


def test_queued_report_page_polls_its_status_every_two_seconds(world, client_for, agreement):
    report = make_report(world, agreement, status=Report.Status.RUNNING, progress=40)
    client = client_for(world.a.municipal_official)
    url = reverse("reports:report_detail", args=[report.pk])

    content = client.get(url).content.decode()
    assert f'hx-get="{url}"' in content
    assert 'hx-trigger="every 2s"' in content
    assert 'value="40"' in content

    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'hx-trigger="every 2s"' in fragment.content.decode()


def test_polling_stops_and_the_page_reloads_once_the_report_is_ready(world, client_for, agreement):
    report = make_report(world, agreement, status=Report.Status.DONE, progress=100)
    url = reverse("reports:report_detail", args=[report.pk])
    fragment = client_for(world.a.municipal_official).get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in fragment.content.decode()
    assert fragment["HX-Refresh"] == "true"


def test_ready_report_shows_figures_download_and_exports(world, client_for, done_report):
    response = client_for(world.a.municipal_official).get(
        reverse("reports:report_detail", args=[done_report.pk])
    )
    content = response.content.decode()
    assert reverse("reports:report_download", args=[done_report.pk]) in content
    assert reverse("reports:report_export", args=[done_report.pk, "figures", "csv"]) in content
    assert reverse("reports:report_export", args=[done_report.pk, "all", "xlsx"]) in content
    assert "hx-trigger" not in content
    figures = {f["key"]: f["value"] for f in response.context["figures"]}
    assert figures["pupils_reached"] == "12"
    assert world.a.pupil.last_name not in content


def test_failed_report_shows_the_message_and_a_retry_button(
    world, client_for, agreement, no_pdf, django_capture_on_commit_callbacks
):
    report = make_report(world, agreement, status=Report.Status.FAILED, error=services.ERROR_PDF)
    client = client_for(world.a.project_leader)
    content = client.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    retry_url = reverse("reports:report_retry", args=[report.pk])
    assert nl(services.ERROR_PDF) in content
    assert f'action="{retry_url}"' in content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url)
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.version) == ("done", 1)


def test_retry_of_a_report_that_did_not_fail_changes_nothing(world, client_for, agreement):
    report = make_report(world, agreement, status=Report.Status.DONE)
    response = client_for(world.a.municipal_official).post(
        reverse("reports:report_retry", args=[report.pk])
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_new_version_from_the_report_page_keeps_the_old_one(
    world, client_for, agreement, no_pdf, django_capture_on_commit_callbacks
):
    first = make_report(world, agreement, status=Report.Status.DONE)
    client = client_for(world.a.municipal_official)
    content = client.get(reverse("reports:report_detail", args=[first.pk])).content.decode()
    assert _key(agreement) in content  # the form asks for the same agreement and period

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reports:report_request"),
            {"kind": "agreement", "agreement_period": _key(agreement)},
        )
    assert sorted(Report.objects.values_list("version", "status")) == [(1, "done"), (2, "done")]


# --- download and access ------------------------------------------------------------------


def test_download_is_the_pdf_as_attachment(world, client_for, done_report):
    response = client_for(world.a.project_leader).get(
        reverse("reports:report_download", args=[done_report.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "-v1.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_older_version_stays_downloadable(world, client_for, done_report, agreement, no_pdf):
    second = services.report_request(
        user=world.a.municipal_official, agreement=agreement, period=base.SCHOOL_YEAR
    )
    services.report_generate(report_id=second.pk)
    client = client_for(world.a.municipal_official)
    for report in (done_report, second):
        response = client.get(reverse("reports:report_download", args=[report.pk]))
        assert response.status_code == 200


def test_report_that_is_not_ready_cannot_be_downloaded(world, client_for, agreement):
    report = make_report(world, agreement, status=Report.Status.QUEUED)
    client = client_for(world.a.municipal_official)
    assert client.get(reverse("reports:report_download", args=[report.pk])).status_code == 404
    url = reverse("reports:report_export", args=[report.pk, "figures", "csv"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["b_official", "b_leader"])
def test_reports_of_another_municipality_are_404_everywhere(world, client_for, done_report, who):
    user = {"b_official": world.b.municipal_official, "b_leader": world.b.project_leader}[who]
    client = client_for(user)
    pk = done_report.pk
    for url in (
        reverse("reports:report_detail", args=[pk]),
        reverse("reports:report_download", args=[pk]),
        reverse("reports:report_export", args=[pk, "figures", "csv"]),
        reverse("reports:report_export", args=[pk, "all", "xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Taal Doet Meer" not in response.content
    assert client.post(reverse("reports:report_retry", args=[pk])).status_code == 404
    listed = client.get(reverse("reports:report_list"))
    assert listed.context["groups"] == []


def test_outsider_gets_403_on_a_report(world, client_for, done_report):
    client = client_for(world.outsider)
    for url in (
        reverse("reports:report_detail", args=[done_report.pk]),
        reverse("reports:report_download", args=[done_report.pk]),
    ):
        assert client.get(url).status_code == 403


def test_leader_of_another_initiative_in_the_same_municipality_sees_nothing(
    world, client_for, done_report
):
    from accounts.tests.factories import project_leader_of
    from initiatives.tests.factories import InitiativeFactory

    other_leader = project_leader_of(InitiativeFactory(municipalities=[world.a.municipality]))
    response = client_for(other_leader).get(reverse("reports:report_detail", args=[done_report.pk]))
    assert response.status_code == 404


def test_unknown_export_table_or_format_is_404(world, client_for, done_report):
    client = client_for(world.a.municipal_official)
    for table, fmt in (("nonsense", "csv"), ("figures", "pdf"), ("all", "csv")):
        url = reverse("reports:report_export", args=[done_report.pk, table, fmt])
        assert client.get(url).status_code == 404, (table, fmt)


def test_superuser_sees_every_report(world, client_for, done_report, b_report):
    response = client_for(world.superuser).get(reverse("reports:report_list"))
    assert len(response.context["groups"]) == 2
