"""Writes for accountability reports: request, retry, generate, and the schedule.

A report is requested (``report_request``) or created by the schedule after
its period ended (``generate_due_reports``); either way it is queued and the
Celery task ``reports.tasks.generate_report`` calls ``report_generate``, which
computes the figures, applies small-number suppression, freezes them as the
report's snapshot and renders the PDF from that snapshot only.

Versions: every request for the same agreement (or municipal overview) and
period makes the next version; old versions stay. A retry after a failure
keeps the version.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.scope import scope_for
from core.periods import Period
from municipality.models import FundingAgreement, Municipality

from .models import Report
from .selectors import agreement_periods

logger = logging.getLogger(__name__)

# Progress (%) saved as the job goes, shown on the report's page.
PROGRESS_STARTED = 10
PROGRESS_FIGURES = 40
PROGRESS_SNAPSHOT = 70
PROGRESS_DONE = 100

# The schedule makes the automatic report of periods that ended at most this
# long ago, so a missed night is caught up but old history is not flooded.
AUTOMATIC_LOOKBACK = dt.timedelta(days=400)

# Messages for a failed job, stored as their English source (translated when
# shown, so the page language decides); they say what went wrong, not how.
ERROR_FIGURES = gettext_noop(
    "The figures for this report could not be calculated. Try again later; "
    "if it fails again, contact the administrator."
)
ERROR_PDF = gettext_noop(
    "The PDF of this report could not be made. Try again later; "
    "if it fails again, contact the administrator."
)
ERROR_STORE = gettext_noop(
    "The report could not be saved. Try again later; if it fails again, contact the administrator."
)

ERROR_INTERRUPTED = gettext_noop(
    "Making this report stopped before it was finished (the background job was "
    "interrupted). Try again; if it fails again, contact the administrator."
)

_VERSION_ATTEMPTS = 5


def send_to_worker(report_id: int) -> bool:
    """Hand the report to a worker. Never raises: the request is already stored.

    With the broker (Redis) down the report stays queued ("wordt verwerkt")
    and ``sweep_reports`` sends it again once the broker is back.
    """
    from core.queue import send_task

    from .tasks import generate_report

    return send_task(generate_report, report_id, description=f"Report {report_id} stays queued")


def _queue(report: Report) -> None:
    report_id = report.pk
    transaction.on_commit(lambda: send_to_worker(report_id))


def may_request_for_agreement(user, agreement: FundingAgreement) -> bool:
    scope = scope_for(user)
    return (
        scope.is_superuser
        or agreement.municipality_id in scope.municipality_ids
        or agreement.initiative_id in scope.led_initiative_ids
    )


def may_request_overview(user, municipality: Municipality) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or municipality.pk in scope.municipality_ids


def may_manage_report(user, report: Report) -> bool:
    """Whether the user may ask for this report again (retry, new version)."""
    if report.kind == Report.Kind.AGREEMENT:
        return may_request_for_agreement(user, report.funding_agreement)
    return may_request_overview(user, report.municipality)


def _same_subject(report_kind: str, *, municipality_id: int, agreement_id: int | None, period):
    qs = Report.objects.filter(kind=report_kind, period_start=period.start, period_end=period.end)
    if report_kind == Report.Kind.AGREEMENT:
        return qs.filter(funding_agreement_id=agreement_id)
    return qs.filter(municipality_id=municipality_id)


def _create_next_version(
    *,
    kind: str,
    municipality_id: int,
    agreement_id: int | None,
    period: Period,
    automatic: bool,
    requested_by,
) -> Report | None:
    """Create the next version; retried when another request took the number first.

    Returns None for an automatic report that already exists.
    """
    same = _same_subject(
        kind, municipality_id=municipality_id, agreement_id=agreement_id, period=period
    )
    for _attempt in range(_VERSION_ATTEMPTS):
        try:
            with transaction.atomic():
                latest = same.aggregate(latest=Max("version"))["latest"] or 0
                report = Report.objects.create(
                    kind=kind,
                    municipality_id=municipality_id,
                    funding_agreement_id=agreement_id,
                    period_start=period.start,
                    period_end=period.end,
                    version=latest + 1,
                    automatic=automatic,
                    requested_by=requested_by,
                )
        except IntegrityError:
            if automatic and same.filter(automatic=True).exists():
                return None
            continue
        _queue(report)
        return report
    raise ValidationError(_("Many reports are being requested at once. Try again in a moment."))


@transaction.atomic
def report_request(
    *,
    user,
    agreement: FundingAgreement | None = None,
    municipality: Municipality | None = None,
    period: Period,
) -> Report:
    """Queue a new version of the report on an agreement, or of a municipal overview.

    An agreement report: the officials of the agreement's municipality or the
    project leaders of its initiative. The overview: the municipality's
    officials. The period lies within the agreement.
    """
    if (agreement is None) == (municipality is None):
        raise ValueError("Give either an agreement or a municipality.")
    if agreement is not None:
        if not may_request_for_agreement(user, agreement):
            raise PermissionDenied(
                _(
                    "Only the municipality's officials and the initiative's project leaders can "
                    "request this report."
                )
            )
        if period.start < agreement.start_date or period.end > agreement.end_date:
            raise ValidationError(
                {"period": _("Choose a period within the funding agreement.")},
                code="period_outside_agreement",
            )
        return _create_next_version(
            kind=Report.Kind.AGREEMENT,
            municipality_id=agreement.municipality_id,
            agreement_id=agreement.pk,
            period=period,
            automatic=False,
            requested_by=user,
        )
    if not may_request_overview(user, municipality):
        raise PermissionDenied(_("Only the municipality's officials can request its overview."))
    return _create_next_version(
        kind=Report.Kind.MUNICIPAL_OVERVIEW,
        municipality_id=municipality.pk,
        agreement_id=None,
        period=period,
        automatic=False,
        requested_by=user,
    )


@transaction.atomic
def report_retry(*, user, report: Report) -> Report:
    """Queue a failed report again, as the same version."""
    if not may_manage_report(user, report):
        raise PermissionDenied(_("You cannot request this report."))
    retried = Report.objects.filter(pk=report.pk, status=Report.Status.FAILED).update(
        status=Report.Status.QUEUED, progress=0, error="", finished_at=None
    )
    if not retried:
        raise ValidationError(_("Only a report that failed can be tried again."), code="not_failed")
    report.refresh_from_db()
    _queue(report)
    return report


# --- generation ------------------------------------------------------------------


def _set_progress(report_id: int, progress: int) -> None:
    Report.objects.filter(pk=report_id, status=Report.Status.RUNNING).update(progress=progress)


def report_file_name(report: Report) -> str:
    """E.g. 'verantwoording-fonds-kansrijk-taal-doet-meer-2025-2026-v2.pdf'."""
    period = Period(report.period_start, report.period_end)
    if report.funding_agreement_id:
        agreement = report.funding_agreement
        subject = f"{agreement.funder}-{agreement.initiative}"
        if agreement.reference:
            subject += f"-{agreement.reference}"
        prefix = "verantwoording"
    else:
        subject = str(report.municipality)
        prefix = "overzicht"
    stem = slugify(f"{prefix} {subject} {period.label}")[:150]
    return f"{slugify(report.municipality.name)}/{stem}-v{report.version}.pdf"


def report_generate(*, report_id: int) -> bool:
    """Make a queued report: figures, snapshot, PDF. Returns whether this call made it.

    Claims the report with a conditional update (queued -> running), so a
    second run of the task, at once or later, does nothing. On an error the
    report is marked failed with a message for the user (the traceback goes
    to the log) and keeps neither figures nor file.
    """
    from .pdf import render_report_pdf
    from .snapshot import build_snapshot

    claimed = Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(
        status=Report.Status.RUNNING,
        progress=PROGRESS_STARTED,
        error="",
        started_at=timezone.now(),
        attempt=F("attempt") + 1,
    )
    if not claimed:
        return False
    report = Report.objects.select_related(
        "municipality", "funding_agreement__funder", "funding_agreement__initiative"
    ).get(pk=report_id)
    # Only this claim may finish the report: a worker presumed dead whose
    # report was queued again and claimed anew keeps nothing when it wakes.
    mine = Report.objects.filter(pk=report_id, status=Report.Status.RUNNING, attempt=report.attempt)
    step = ERROR_FIGURES
    stored_name = ""
    try:
        snapshot = build_snapshot(report, progress=lambda p: _set_progress(report_id, p))
        # The PDF is rendered from exactly what is stored.
        snapshot = json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))
        _set_progress(report_id, PROGRESS_SNAPSHOT)
        step = ERROR_PDF
        pdf = render_report_pdf(snapshot)
        step = ERROR_STORE
        stored_name = report.file.storage.save(
            report.file.field.generate_filename(report, report_file_name(report)),
            ContentFile(pdf),
        )
        finished = mine.update(
            status=Report.Status.DONE,
            progress=PROGRESS_DONE,
            figures=snapshot,
            file=stored_name,
            finished_at=timezone.now(),
        )
        if not finished:  # changed under us (deleted); leave no stray file
            report.file.storage.delete(stored_name)
            return False
    except Exception:
        logger.exception("Report %s could not be generated", report_id)
        if stored_name:
            report.file.storage.delete(stored_name)
        mine.update(
            status=Report.Status.FAILED,
            progress=0,
            error=step,
            figures={},
            file="",
            finished_at=timezone.now(),
        )
        return False
    return True


def sweep_reports(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Finish what faults left behind; run every few minutes, idempotent.

    - A report running longer than ``REPORT_STALE_MINUTES`` lost its worker
      (killed, out of memory, machine gone): it is queued again and sent to a
      worker, up to ``REPORT_MAX_ATTEMPTS`` claims; after that it fails with
      a message and can be retried. Should the old worker still finish, its
      result is discarded (it finishes only its own claim).
    - A report queued longer than ``REPORT_RESEND_MINUTES`` may never have
      reached a worker (the broker was down when it was requested): it is
      sent again. A duplicate message is harmless: only one claim succeeds.

    Returns how many reports were re-queued, failed and re-sent.
    """
    now = now or timezone.now()
    stale_cutoff = now - dt.timedelta(minutes=settings.REPORT_STALE_MINUTES)
    resend_cutoff = now - dt.timedelta(minutes=settings.REPORT_RESEND_MINUTES)
    stale = Report.objects.filter(status=Report.Status.RUNNING).filter(
        Q(started_at__lt=stale_cutoff) | Q(started_at__isnull=True, requested_at__lt=stale_cutoff)
    )
    waiting = list(
        Report.objects.filter(status=Report.Status.QUEUED, requested_at__lt=resend_cutoff)
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        failed = stale.filter(attempt__gte=settings.REPORT_MAX_ATTEMPTS).update(
            status=Report.Status.FAILED, progress=0, error=ERROR_INTERRUPTED, finished_at=now
        )
        requeue = list(stale.values_list("pk", flat=True))
        Report.objects.filter(pk__in=requeue, status=Report.Status.RUNNING).update(
            status=Report.Status.QUEUED, progress=0
        )
    if requeue or failed:
        logger.warning(
            "Reports interrupted mid-job: %s queued again, %s failed", len(requeue), failed
        )
    for report_id in [*requeue, *waiting]:
        send_to_worker(report_id)
    return {"requeued": len(requeue), "failed": failed, "resent": len(waiting)}


# --- the schedule ------------------------------------------------------------------


def generate_due_reports(*, today: dt.date | None = None) -> int:
    """Create and queue the automatic report of every agreement period that ended.

    A period has ended the day after its last day. Once per agreement and
    period (a database constraint; running twice creates nothing new).
    Returns the number of reports created.
    """
    today = today or timezone.localdate()
    horizon = today - AUTOMATIC_LOOKBACK
    agreements = list(
        FundingAgreement.objects.filter(start_date__lt=today, end_date__gte=horizon).order_by("pk")
    )
    existing = set(
        Report.objects.filter(
            automatic=True, funding_agreement__in=[a.pk for a in agreements]
        ).values_list("funding_agreement_id", "period_start", "period_end")
    )
    created = 0
    for agreement in agreements:
        for period in agreement_periods(agreement):
            if not (horizon <= period.end < today):
                continue
            if (agreement.pk, period.start, period.end) in existing:
                continue
            with transaction.atomic():
                report = _create_next_version(
                    kind=Report.Kind.AGREEMENT,
                    municipality_id=agreement.municipality_id,
                    agreement_id=agreement.pk,
                    period=period,
                    automatic=True,
                    requested_by=None,
                )
            if report is not None:
                created += 1
    return created
