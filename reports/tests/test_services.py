"""Report services: request, versions, the generation job and the schedule.

Time is frozen at 16 March 2026; the agreement of world a covers school year
2025-2026. ``reached(side, n)`` adds n pupils who each had a session on 2
March 2026, so with world a's own pupil (a session on 9 March) 12 pupils are
reached when ``reached(world.a, 11)``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.periods import Period
from municipality.models import Funder, FundingAgreement
from municipality.tests.factories import (
    AccountabilityTextFactory,
    FunderFactory,
    FundingAgreementFactory,
    TargetFactory,
)
from referrals.tests.factories import (
    ContactMomentFactory,
    MatchFactory,
    MatchParticipantFactory,
    PupilFactory,
    ReferralFactory,
)
from reports import services
from reports.models import Report
from reports.selectors import agreement_periods

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 3, 16, 10, 0, tzinfo=AMSTERDAM)
SCHOOL_YEAR = Period.school_year(2025)
SESSION_DAY = dt.date(2026, 3, 2)


def freeze():
    return time_machine.travel(NOW, tick=False)


def use_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def skip_pdf(monkeypatch) -> list:
    """Skip WeasyPrint where a test is about the job, not the document."""
    made = []

    def fake(snapshot):
        made.append(snapshot)
        return b"%PDF-1.7 test"

    monkeypatch.setattr("reports.pdf.render_report_pdf", fake)
    return made


@pytest.fixture(autouse=True)
def frozen():
    with freeze() as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    return use_media(settings, tmp_path)


def reached(side, n: int, *, programme=None, day: dt.date = SESSION_DAY) -> list:
    """n new pupils of ``side``'s school, each in a match with one held session on ``day``."""
    programme = programme or side.programme
    pupils = []
    for _ in range(n):
        pupil = PupilFactory(initiative=side.initiative, school=side.school)
        referral = ReferralFactory(pupil=pupil, programme=programme, matched=True)
        match = MatchFactory(
            programme=programme, volunteer=side.volunteer, start_date=day - dt.timedelta(days=14)
        )
        MatchParticipantFactory(match=match, referral=referral)
        ContactMomentFactory(match=match, date=day)
        pupils.append(pupil)
    return pupils


def agreement_for(side, **fields) -> FundingAgreement:
    defaults = {
        "municipality": side.municipality,
        "initiative": side.initiative,
        "funder": Funder.objects.filter(municipality=side.municipality).first()
        or FunderFactory(municipal=True, municipality=side.municipality),
        "programmes": [side.programme],
        "period_kind": FundingAgreement.PeriodKind.SCHOOL_YEAR,
        "start_date": SCHOOL_YEAR.start,
        "end_date": SCHOOL_YEAR.end,
    }
    agreement = FundingAgreementFactory(**{**defaults, **fields})
    TargetFactory(agreement=agreement, indicator="pupils_reached", value=20)
    return agreement


@pytest.fixture
def agreement(world):
    return agreement_for(world.a)


@pytest.fixture
def no_pdf(monkeypatch):
    return skip_pdf(monkeypatch)


def request(user, agreement, period=SCHOOL_YEAR) -> Report:
    return services.report_request(user=user, agreement=agreement, period=period)


def pdf_text(report: Report) -> str:
    from pypdf import PdfReader

    with report.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def structure_elements(node) -> list:
    """Every element of a PDF's tag tree (pypdf objects)."""
    found = []
    stack = [node]
    while stack:
        item = stack.pop().get_object()
        if not hasattr(item, "get"):
            continue  # a marked-content id
        if "/S" in item:
            found.append(item)
        kids = item.get("/K")
        if kids is None:
            continue
        kids = kids.get_object()
        stack.extend(kids if isinstance(kids, list) else [kids])
    return found


def nl(text: str) -> str:
    with translation.override("nl"):
        return gettext(text)


def stored_files(media) -> list:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


# --- request ---------------------------------------------------------------------


def test_official_request_queues_version_one_and_runs_the_job_after_commit(
    world, agreement, no_pdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = request(world.a.municipal_official, agreement)
    assert (report.status, report.version, report.automatic) == ("queued", 1, False)
    assert report.requested_by == world.a.municipal_official
    assert report.municipality == world.a.municipality
    assert len(callbacks) == 1  # the job is queued only once the request is committed

    callbacks[0]()
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.progress == 100
    assert report.finished_at is not None


def test_project_leader_of_the_initiative_may_request_the_agreement_report(
    world, agreement, no_pdf
):
    report = request(world.a.project_leader, agreement)
    assert report.funding_agreement == agreement


@pytest.mark.parametrize("who", ["b_official", "b_leader", "outsider", "a_referrer"])
def test_others_cannot_request_the_agreement_report(world, agreement, who):
    user = {
        "b_official": world.b.municipal_official,
        "b_leader": world.b.project_leader,
        "outsider": world.outsider,
        "a_referrer": world.a.school_referrer,
    }[who]
    with pytest.raises(PermissionDenied):
        request(user, agreement)
    assert not Report.objects.exists()


def test_only_officials_of_the_municipality_request_its_overview(world, no_pdf):
    report = services.report_request(
        user=world.a.municipal_official, municipality=world.a.municipality, period=SCHOOL_YEAR
    )
    assert report.kind == Report.Kind.MUNICIPAL_OVERVIEW
    assert report.funding_agreement is None
    for user in (world.a.project_leader, world.b.municipal_official):
        with pytest.raises(PermissionDenied):
            services.report_request(
                user=user, municipality=world.a.municipality, period=SCHOOL_YEAR
            )


def test_period_outside_the_agreement_is_refused(world, agreement):
    with pytest.raises(ValidationError) as error:
        request(world.a.municipal_official, agreement, Period.school_year(2024))
    assert "period" in error.value.message_dict


def test_asking_again_makes_the_next_version(world, agreement, no_pdf):
    first = request(world.a.municipal_official, agreement)
    second = request(world.a.project_leader, agreement)
    other_period = request(
        world.a.municipal_official, agreement, Period(dt.date(2025, 8, 1), dt.date(2025, 12, 31))
    )
    assert (first.version, second.version, other_period.version) == (1, 2, 1)


def test_version_number_taken_by_a_concurrent_request_is_retried(
    world, agreement, no_pdf, monkeypatch
):
    """Two requests read the same latest version; the loser gets the unique-constraint error."""
    request(world.a.municipal_official, agreement)
    real_aggregate = QuerySet.aggregate
    stale = {"left": 1}

    def aggregate(self, *args, **kwargs):
        result = real_aggregate(self, *args, **kwargs)
        if "latest" in kwargs and stale["left"]:
            stale["left"] -= 1
            return {"latest": 0}  # as read before the other request committed
        return result

    monkeypatch.setattr(QuerySet, "aggregate", aggregate)
    report = request(world.a.municipal_official, agreement)
    assert report.version == 2
    assert stale["left"] == 0
    assert list(Report.objects.order_by("version").values_list("version", flat=True)) == [1, 2]


# --- the job ------------------------------------------------------------------------


def test_running_the_job_twice_makes_one_pdf_and_one_version(world, agreement, media):
    reached(world.a, 11)
    report = request(world.a.municipal_official, agreement)

    assert services.report_generate(report_id=report.pk) is True
    report.refresh_from_db()
    figures, name = report.figures, report.file.name
    assert services.report_generate(report_id=report.pk) is False

    report.refresh_from_db()
    assert (report.status, report.figures, report.file.name) == ("done", figures, name)
    assert Report.objects.count() == 1
    assert stored_files(media) == [media / name]
    assert name.startswith("reports/utrecht/")
    assert name.endswith("-2025-2026-v1.pdf")


def test_a_second_run_while_the_first_is_running_does_nothing(
    world, agreement, no_pdf, monkeypatch
):
    """The claim is a conditional update (queued -> running): only one run gets it."""
    from reports import snapshot

    report = request(world.a.municipal_official, agreement)
    real_build = snapshot.build_snapshot
    second_run = []

    def build(report, **kwargs):
        second_run.append(services.report_generate(report_id=report.pk))
        return real_build(report, **kwargs)

    monkeypatch.setattr(snapshot, "build_snapshot", build)
    assert services.report_generate(report_id=report.pk) is True
    assert second_run == [False]
    assert len(no_pdf) == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_progress_is_saved_as_the_job_goes(world, agreement, monkeypatch):
    report = request(world.a.municipal_official, agreement)
    seen = []

    def fake_pdf(snapshot):
        seen.append(Report.objects.get(pk=report.pk).progress)
        return b"%PDF-1.7 test"

    monkeypatch.setattr("reports.pdf.render_report_pdf", fake_pdf)
    real_compute = __import__("reports.indicators", fromlist=["compute"]).compute

    def compute(*args, **kwargs):
        current = Report.objects.get(pk=report.pk)
        seen.append((current.status, current.progress))
        return real_compute(*args, **kwargs)

    monkeypatch.setattr("reports.indicators.compute", compute)
    services.report_generate(report_id=report.pk)
    assert seen == [("running", 10), 70]
    assert Report.objects.get(pk=report.pk).progress == 100


def test_failure_marks_the_report_failed_with_a_message_and_keeps_nothing(
    world, agreement, monkeypatch, caplog, media
):
    def broken(snapshot):
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr("reports.pdf.render_report_pdf", broken)
    report = request(world.a.municipal_official, agreement)

    assert services.report_generate(report_id=report.pk) is False

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == services.ERROR_PDF
    assert "cairo" not in report.error  # no technical detail for the user
    assert (report.figures, report.file.name, report.progress) == ({}, "", 0)
    assert stored_files(media) == []
    assert "cairo exploded" in caplog.text  # the traceback is in the log


def test_failure_to_store_the_file_leaves_no_file(world, agreement, no_pdf, monkeypatch, media):
    real_update = QuerySet.update

    def update(self, **kwargs):
        if kwargs.get("status") == Report.Status.DONE:
            raise OSError("disk full")
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)

    report.refresh_from_db()
    assert (report.status, report.error) == ("failed", services.ERROR_STORE)
    assert stored_files(media) == []


def test_retry_after_failure_queues_the_same_version_and_then_succeeds(
    world, agreement, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("reports.pdf.render_report_pdf", lambda s: 1 / 0)
    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)

    monkeypatch.setattr("reports.pdf.render_report_pdf", lambda s: b"%PDF-1.7 test")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_retry(user=world.a.project_leader, report=report)

    report.refresh_from_db()
    assert (report.status, report.version, report.error) == ("done", 1, "")
    assert Report.objects.count() == 1


def test_only_a_failed_report_can_be_retried(world, agreement, no_pdf):
    report = request(world.a.municipal_official, agreement)
    with pytest.raises(ValidationError):
        services.report_retry(user=world.a.municipal_official, report=report)
    services.report_generate(report_id=report.pk)
    with pytest.raises(ValidationError):
        services.report_retry(user=world.a.municipal_official, report=report)


def test_retry_by_someone_of_another_municipality_is_refused(world, agreement, monkeypatch):
    monkeypatch.setattr("reports.pdf.render_report_pdf", lambda s: 1 / 0)
    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)
    with pytest.raises(PermissionDenied):
        services.report_retry(user=world.b.municipal_official, report=report)


def test_new_version_gets_its_own_file_and_version_one_stays(world, agreement, media):
    reached(world.a, 11)
    first = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=first.pk)
    reached(world.a, 3)
    second = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=second.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.file.name.endswith("-v1.pdf")
    assert second.file.name.endswith("-v2.pdf")
    assert len(stored_files(media)) == 2
    reached_label = nl("Pupils reached")
    # Version 1 keeps the figures of its day; version 2 has the new pupils.
    assert re.search(rf"{reached_label} 12 20 60%", pdf_text(first))
    assert re.search(rf"{reached_label} 15 20 75%", pdf_text(second))


# --- the snapshot and the PDF ---------------------------------------------------------


def test_snapshot_and_pdf_show_the_published_figures(world, agreement):
    reached(world.a, 11)
    AccountabilityTextFactory(agreement=agreement, story="Een leerling leest nu zelf voor.")
    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()

    figures = {f["key"]: f for f in report.figures["figures"]}
    assert figures["pupils_reached"]["value"] == "12"
    assert figures["pupils_reached"]["target"] == 20
    assert figures["pupils_reached"]["of_target"] == "60%"
    assert figures["volunteers_active"]["value"] == "<5"  # one volunteer
    assert report.figures["meta"]["version"] == 1
    assert report.figures["meta"]["generated_on"] == "2026-03-16"

    text = pdf_text(report)
    assert re.search(rf"{nl('Pupils reached')} 12 20 60%", text)
    assert re.search(rf"{nl('Active volunteers')} <5", text)
    assert "Een leerling leest nu zelf voor." in text
    assert agreement.funder.name in text
    assert world.a.initiative.name in text
    assert "2025-2026" in text


def test_pdf_is_tagged_pdf_ua_in_dutch(world, agreement):
    from pypdf import PdfReader

    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode()
    assert reader.metadata.title.startswith(nl("Accountability report"))
    # Every data cell is tied to its header cells, every chart has a text alternative.
    elements = structure_elements(root["/StructTreeRoot"])
    cells = [e for e in elements if e["/S"] == "/TD"]
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert cells and figures
    assert all(len(cell["/A"]["/Headers"]) for cell in cells)
    assert all(figure.get("/Alt") for figure in figures)
    assert any(e["/S"] == "/H1" for e in elements)
    last_page = " ".join(reader.pages[-1].extract_text().split())
    pages = len(reader.pages)
    assert f"{pages} van {pages}" in last_page or f"{pages} of {pages}" in last_page


def test_rendering_the_snapshot_again_gives_the_same_text(world, agreement):
    from pypdf import PdfReader

    from reports.pdf import render_report_pdf

    reached(world.a, 11)
    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    reached(world.a, 7)  # the live data change; the snapshot does not

    again = PdfReader(io.BytesIO(render_report_pdf(report.figures)))
    assert " ".join(" ".join(p.extract_text().split()) for p in again.pages) == pdf_text(report)


def test_missing_text_is_marked_not_provided(world, agreement):
    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.figures["texts"][0]["provided"] is False
    assert nl("The initiative has not provided a text for this period.") in pdf_text(report)


def test_no_personal_data_in_the_snapshot_or_pdf(world, agreement):
    pupils = reached(world.a, 6)
    # Names no report word contains (a random "Bas" is in "Basisschool").
    for i, pupil in enumerate((world.a.pupil, *pupils)):
        pupil.first_name, pupil.last_name = f"Qwyxvoornaam{i}", f"Qwyxachternaam{i}"
        pupil.save(update_fields=["first_name", "last_name"])
    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    text = pdf_text(report)
    snapshot = str(report.figures)
    for pupil in (world.a.pupil, *pupils):
        for name in (pupil.first_name, pupil.last_name):
            assert name not in text
            assert name not in snapshot
    assert world.a.volunteer.last_name not in text
    assert world.a.guardian.name not in text


def test_overview_covers_the_funded_initiatives_of_the_municipality(world, agreement):
    reached(world.a, 11)
    report = services.report_request(
        user=world.a.municipal_official, municipality=world.a.municipality, period=SCHOOL_YEAR
    )
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()

    assert report.status == Report.Status.DONE
    snapshot = report.figures
    assert snapshot["meta"]["initiatives"] == [world.a.initiative.name]
    tables = {t["key"]: t for t in snapshot["tables"]}
    assert [r["label"] for r in tables["by_agreement"]["rows"]] == [
        f"{agreement.funder} - {agreement.initiative} ({agreement.reference})"
    ]
    targets = tables["targets_by_agreement"]
    assert "20" in targets["rows"][0]["cells"]
    assert world.b.initiative.name not in pdf_text(report)


def test_overview_figures_per_agreement_are_compute_s_in_queries_that_do_not_grow(
    world, agreement, no_pdf
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import snapshot
    from reports.indicators import IndicatorScope, compute

    reached(world.a, 11)
    second = agreement_for(world.a)
    report = services.report_request(
        user=world.a.municipal_official, municipality=world.a.municipality, period=SCHOOL_YEAR
    )
    with CaptureQueriesContext(connection) as two:
        snapshot.build_snapshot(report)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()

    table = {t["key"]: t for t in report.figures["tables"]}["by_agreement"]
    assert len(table["rows"]) == 2
    for agreement_, row in zip((agreement, second), table["rows"], strict=True):
        everything = compute(IndicatorScope.for_agreement(agreement_), SCHOOL_YEAR)
        reached_ = everything.figure("pupils_reached").value
        assert reached_ >= 11
        assert row["cells"][0] == str(reached_)  # the first column: pupils reached
        sessions = everything.figure("sessions_held").value
        assert str(sessions) in row["cells"]

    for _ in range(4):
        agreement_for(world.a)
    with CaptureQueriesContext(connection) as six:
        data = snapshot.build_snapshot(report)
    assert len({t["key"]: t for t in data["tables"]}["by_agreement"]["rows"]) == 6
    assert len(six.captured_queries) == len(two.captured_queries)


# --- the schedule ---------------------------------------------------------------------


def test_due_reports_are_made_once_after_the_period_ended(world, agreement, no_pdf):
    assert services.generate_due_reports(today=dt.date(2026, 7, 31)) == 0  # last day: not yet

    assert services.generate_due_reports(today=dt.date(2026, 8, 1)) == 1
    assert services.generate_due_reports(today=dt.date(2026, 8, 1)) == 0
    assert services.generate_due_reports(today=dt.date(2026, 8, 2)) == 0

    (report,) = Report.objects.all()
    assert (report.automatic, report.funding_agreement, report.requested_by) == (
        True,
        agreement,
        None,
    )
    assert (report.period_start, report.period_end) == (SCHOOL_YEAR.start, SCHOOL_YEAR.end)


def test_due_report_after_manual_versions_takes_the_next_version(world, agreement, no_pdf):
    request(world.a.municipal_official, agreement)
    services.generate_due_reports(today=dt.date(2026, 8, 1))
    assert sorted(Report.objects.values_list("version", "automatic")) == [(1, False), (2, True)]


def test_two_year_agreement_gets_a_report_per_year_and_one_for_the_whole(world, no_pdf):
    agreement = agreement_for(
        world.a, start_date=dt.date(2024, 8, 1), end_date=dt.date(2026, 7, 31)
    )
    assert [(p.start, p.end) for p in agreement_periods(agreement)] == [
        (dt.date(2024, 8, 1), dt.date(2025, 7, 31)),
        (dt.date(2025, 8, 1), dt.date(2026, 7, 31)),
        (dt.date(2024, 8, 1), dt.date(2026, 7, 31)),
    ]
    assert services.generate_due_reports(today=dt.date(2026, 3, 16)) == 1  # first year
    assert services.generate_due_reports(today=dt.date(2026, 8, 1)) == 2  # second and whole
    assert services.generate_due_reports(today=dt.date(2026, 8, 1)) == 0
    assert Report.objects.filter(automatic=True).count() == 3


def test_schedule_ignores_periods_long_past(world, no_pdf):
    agreement_for(world.a, start_date=dt.date(2020, 8, 1), end_date=dt.date(2021, 7, 31))
    assert services.generate_due_reports(today=dt.date(2026, 3, 16)) == 0


def test_schedule_task_queues_the_reports(
    world, agreement, no_pdf, django_capture_on_commit_callbacks
):
    from reports.tasks import generate_due_reports

    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(dt.datetime(2026, 8, 1, 2, 30, tzinfo=AMSTERDAM), tick=False),
    ):
        assert generate_due_reports.delay().get() == 1
    (report,) = Report.objects.all()
    assert report.status == Report.Status.DONE


def test_beat_schedule_runs_the_due_reports_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["due-accountability-reports"]
    assert entry["task"] == "reports.tasks.generate_due_reports"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}


# --- a worker that died; a broker that was down -------------------------------------


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in the job catches it, the report stays running."""


def _kill_worker_during_figures(monkeypatch):
    from reports import snapshot

    real_build = snapshot.build_snapshot
    calls = {"n": 0}

    def build(report, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise WorkerKilled
        return real_build(report, **kwargs)

    monkeypatch.setattr(snapshot, "build_snapshot", build)
    return calls


def test_report_whose_worker_died_is_made_by_the_next_worker_exactly_once(
    world, agreement, settings, media, monkeypatch
):
    settings.REPORT_STALE_MINUTES = 30
    _kill_worker_during_figures(monkeypatch)
    report = request(world.a.municipal_official, agreement)
    with pytest.raises(WorkerKilled):
        services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempt) == (Report.Status.RUNNING, 1)

    # not yet stale: left alone
    assert services.sweep_reports(now=timezone.now())["requeued"] == 0
    # stale: queued again and (tasks run in-process here) made by the next worker
    later = timezone.now() + dt.timedelta(minutes=31)
    assert services.sweep_reports(now=later) == {"requeued": 1, "failed": 0, "resent": 0}

    report.refresh_from_db()
    assert (report.status, report.attempt, report.version) == (Report.Status.DONE, 2, 1)
    assert len(stored_files(media)) == 1
    assert Report.objects.filter(funding_agreement=agreement).count() == 1
    # idempotent: nothing left to do
    assert services.sweep_reports(now=later) == {"requeued": 0, "failed": 0, "resent": 0}


def test_report_interrupted_too_often_fails_with_a_message(world, agreement, settings, media):
    settings.REPORT_STALE_MINUTES = 30
    settings.REPORT_MAX_ATTEMPTS = 3
    now = timezone.now()
    crashed = request(world.a.municipal_official, agreement)
    busy = request(world.a.municipal_official, agreement)
    Report.objects.filter(pk=crashed.pk).update(
        status=Report.Status.RUNNING,
        progress=40,
        attempt=3,
        started_at=now - dt.timedelta(minutes=31),
    )
    Report.objects.filter(pk=busy.pk).update(
        status=Report.Status.RUNNING,
        progress=40,
        attempt=1,
        started_at=now - dt.timedelta(minutes=10),
    )

    assert services.sweep_reports(now=now)["failed"] == 1
    assert services.sweep_reports(now=now)["failed"] == 0  # idempotent

    crashed.refresh_from_db()
    busy.refresh_from_db()
    assert (crashed.status, crashed.error, crashed.progress) == (
        Report.Status.FAILED,
        services.ERROR_INTERRUPTED,
        0,
    )
    assert busy.status == Report.Status.RUNNING

    # the user can try again, and this time it is made
    services.report_retry(user=world.a.municipal_official, report=crashed)
    assert services.report_generate(report_id=crashed.pk) is True
    crashed.refresh_from_db()
    assert crashed.status == Report.Status.DONE and crashed.version == 1


def test_a_claimed_report_records_when_it_started(world, agreement, no_pdf):
    report = request(world.a.municipal_official, agreement)
    assert report.started_at is None
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.started_at is not None and report.started_at <= report.finished_at


def test_a_slow_worker_presumed_dead_keeps_nothing_when_it_wakes(
    world, agreement, monkeypatch, settings, media
):
    """Meanwhile the report was queued again and made by another worker: one result."""
    from reports import snapshot

    settings.REPORT_STALE_MINUTES = 30
    report = request(world.a.municipal_official, agreement)
    real_build = snapshot.build_snapshot
    woke = {"first": True}

    def slow_build(report, **kwargs):
        if woke.pop("first", False):
            later = timezone.now() + dt.timedelta(minutes=45)
            # the sweep hands the report to a second worker, which makes it
            assert services.sweep_reports(now=later)["requeued"] == 1
        return real_build(report, **kwargs)

    monkeypatch.setattr(snapshot, "build_snapshot", slow_build)
    assert services.report_generate(report_id=report.pk) is False  # the slow first worker
    report.refresh_from_db()
    assert (report.status, report.attempt) == (Report.Status.DONE, 2)
    assert [p.name for p in stored_files(media)] == [Path(report.file.name).name]


def test_a_request_while_the_broker_is_down_is_kept_and_sent_later(
    world, agreement, monkeypatch, settings, no_pdf, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from reports import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.generate_report, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        report = request(world.a.municipal_official, agreement)
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert str(report.get_status_display()) == "Wordt verwerkt"

    # the broker is back; the sweep sends what is waiting
    monkeypatch.undo()
    settings.REPORT_RESEND_MINUTES = 5
    assert services.sweep_reports(now=timezone.now())["resent"] == 0  # too recent
    later = timezone.now() + dt.timedelta(minutes=6)
    assert services.sweep_reports(now=later)["resent"] == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_the_schedule_sweeps_reports_every_five_minutes():
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["sweep-reports"]
    assert entry["task"] == "reports.tasks.sweep_reports"
    assert entry["schedule"] == 5 * 60


def test_a_report_states_the_figures_of_its_moment_not_the_dashboards_kept_ones(
    world, agreement, settings, no_pdf
):
    """The dashboards show figures up to INDICATOR_CACHE_SECONDS old; a report never does."""
    from reports.indicators import IndicatorScope
    from reports.indicators import cache as figures_cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "report-figures-test",
        }
    }
    settings.INDICATOR_CACHE_SECONDS = 600
    scope = IndicatorScope.for_agreement(agreement)
    reached(world.a, 11)
    kept = figures_cache.figures(scope, SCHOOL_YEAR).value
    reached(world.a, 3)

    report = request(world.a.municipal_official, agreement)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()

    assert kept.figure("pupils_reached").value == 12
    assert figures_cache.figures(scope, SCHOOL_YEAR).value.figure("pupils_reached").value == 12
    figures = {f["key"]: f for f in report.figures["figures"]}
    assert figures["pupils_reached"]["value"] == "15"
