"""The status emails to the referrer: queued after commit, swept when they were lost.

Each status change is emailed after its transaction commits
(``lifecycle._notify_referrer_after_commit``). When the task queue (Redis)
is down at that moment the change stays and the user sees it succeed;
``resend_unsent_status_emails`` (every few minutes, Celery beat) sends the
email of every change that was not yet handled, in the way
``reports.services.sweep_reports`` re-sends reports. The task
(``referrals.tasks.send_referral_status_email``) locks the change and marks
it handled, so a change queued twice is still emailed once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from core.queue import send_task

from ..models import ReferralStatusChange

# Changes older than this are not emailed any more: the news is stale.
RESEND_HORIZON = dt.timedelta(days=7)
# At most this many emails are queued by one sweep; the next sweep continues.
RESEND_BATCH = 500


def queue_status_email(status_change_id: int) -> bool:
    """Hand the email of one status change to a worker. Never raises."""
    from ..tasks import send_referral_status_email

    return send_task(
        send_referral_status_email,
        status_change_id,
        description=f"Status change {status_change_id} not emailed yet",
    )


def resend_unsent_status_emails(*, now: dt.datetime | None = None) -> int:
    """Queue again the email of every status change not handled in time.

    Due: not yet handled (``referrer_notified_at`` empty) more than
    ``STATUS_EMAIL_RESEND_MINUTES`` after the change, and not older than
    ``RESEND_HORIZON``. Returns the number queued; running it twice does no
    harm (the task sends each change's email once).
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.STATUS_EMAIL_RESEND_MINUTES)
    due = list(
        ReferralStatusChange.objects.filter(
            referrer_notified_at__isnull=True,
            changed_at__lt=cutoff,
            changed_at__gte=now - RESEND_HORIZON,
        )
        .order_by("changed_at", "pk")
        .values_list("pk", flat=True)[:RESEND_BATCH]
    )
    return sum(queue_status_email(pk) for pk in due)
