"""Background jobs of the referral journey. Each takes ids and is idempotent."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Role

from .attention import short_name


def _mail(stem: str, context: dict, recipients: list[str]) -> None:
    """Render ``referrals/email/<stem>_subject.txt`` and ``_message.txt`` in Dutch; send."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"referrals/email/{stem}_subject.txt", context)
        body = render_to_string(f"referrals/email/{stem}_message.txt", context)
    send_mail(" ".join(subject.split()), body, None, recipients)


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


def _mark_notified(change) -> None:
    change.referrer_notified_at = timezone.now()
    change.save(update_fields=["referrer_notified_at"])


# The mail server refusing or unreachable: the task runs again later (within
# 30 s, 1, 2, 4 and 8 minutes: exponential backoff with jitter). The email is sent inside the
# transaction that marks it sent, so a failed send marks nothing; after the
# last retry the sweep (resend_unsent_status_emails) tries again.
MAIL_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "max_retries": 5,
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
}


@shared_task(bind=True, **MAIL_RETRY)
def send_referral_status_email(self, status_change_id: int) -> bool:
    """Tell the school referrer who submitted a referral that its status changed."""
    from .models import ReferralStatusChange

    with transaction.atomic():
        change = (
            ReferralStatusChange.objects.select_for_update(of=("self",))
            .select_related("referral__pupil", "referral__programme", "referral__referred_by")
            .filter(pk=status_change_id, referrer_notified_at__isnull=True)
            .first()
        )
        if change is None:  # already sent, or gone
            return False
        referral = change.referral
        recipient = referral.referred_by
        is_school_referrer = (
            recipient is not None
            and recipient.is_active
            and referral.referring_school_id is not None
            and Membership.objects.current()
            .filter(
                user=recipient, role=Role.SCHOOL_REFERRER, school_id=referral.referring_school_id
            )
            .exists()
        )
        if recipient is not None and referral.source == referral.Source.CLIENT_MANAGER:
            return _send_client_manager_track_email(change)
        if not is_school_referrer or change.changed_by_id == recipient.pk:
            _mark_notified(change)
            return False
        context = {
            "change": change,
            "referral": referral,
            "pupil_short_name": short_name(referral.pupil),
            "url": _url("referrals:school_detail", pk=referral.pk),
        }
        _mail("status_change", context, [recipient.email])
        _mark_notified(change)
        return True


TRACK_STARTED = "matched"
TRACK_STOPPED_FROM = "matched"


def _is_client_manager_of_referral(user, referral) -> bool:
    from .models import LearnerProfile

    municipality_id = (
        LearnerProfile.objects.filter(pupil_id=referral.pupil_id)
        .values_list("municipality_id", flat=True)
        .first()
    )
    return (
        user is not None
        and user.is_active
        and bool(user.email)
        and municipality_id is not None
        and Membership.objects.current()
        .filter(user=user, role=Role.CLIENT_MANAGER, municipality_id=municipality_id)
        .exists()
    )


def _send_client_manager_track_email(change) -> bool:
    """Tell the klantmanager that the coaching track started or stopped (inside the lock)."""
    referral = change.referral
    recipient = referral.referred_by
    started = change.to_status == TRACK_STARTED
    stopped = change.from_status == TRACK_STOPPED_FROM
    if not (started or stopped) or not _is_client_manager_of_referral(recipient, referral):
        _mark_notified(change)
        return False
    context = {
        "referral": referral,
        "started": started,
        "person_short_name": short_name(referral.pupil),
        "url": _url("referrals:client_manager_detail", pk=referral.pk),
    }
    _mail("client_manager_track", context, [recipient.email])
    _mark_notified(change)
    return True


@shared_task(bind=True, **MAIL_RETRY)
def send_drop_out_signal_email(self, signal_id: int) -> bool:
    """Tell the klantmanager who referred an adult that drop-out is imminent."""
    from .models import DropOutSignal

    with transaction.atomic():
        signal = (
            DropOutSignal.objects.select_for_update(of=("self",))
            .select_related("referral__pupil", "referral__programme", "referral__referred_by")
            .filter(pk=signal_id, client_manager_notified_at__isnull=True)
            .first()
        )
        if signal is None:  # already sent, or gone
            return False
        referral = signal.referral
        recipient = referral.referred_by
        sent = False
        if referral.source == referral.Source.CLIENT_MANAGER and _is_client_manager_of_referral(
            recipient, referral
        ):
            context = {
                "referral": referral,
                "signal": signal,
                "person_short_name": short_name(referral.pupil),
                "url": _url("referrals:client_manager_detail", pk=referral.pk),
            }
            _mail("drop_out_signal", context, [recipient.email])
            sent = True
        signal.client_manager_notified_at = timezone.now()
        signal.save(update_fields=["client_manager_notified_at"])
        return sent


@shared_task
def send_waitlist_reminder_email(initiative_id: int, referral_ids: list[int]) -> int:
    """Remind the initiative's current project leaders to contact family and school again."""
    from .models import Referral
    from .services.attention import project_leader_emails

    referrals = list(
        Referral.objects.filter(pk__in=referral_ids, status=Referral.Status.WAITING)
        .select_related("pupil", "programme", "referring_school")
        .order_by("waiting_since")
    )
    if not referrals:
        return 0
    # Only current memberships: a leader who left must not get pupils' names.
    recipients = project_leader_emails([initiative_id]).get(initiative_id, [])
    now = timezone.now()
    context = {
        "referrals": [(r, (now - r.waiting_since).days) for r in referrals],
        "url": _url("referrals:waitlist"),
    }
    if recipients:
        _mail("waitlist_reminder", context, recipients)
    return len(recipients)


@shared_task
def resend_unsent_status_emails() -> int:
    """Every few minutes: the status emails that never reached a worker (queue down)."""
    from .services.notifications import resend_unsent_status_emails as run

    return run()


@shared_task
def send_due_waitlist_reminders() -> int:
    from .services import send_due_waitlist_reminders as run

    return run()


@shared_task
def send_attention_digests() -> int:
    """Weekly: email each initiative's project leaders what newly needs attention."""
    from .services.attention import send_attention_digests as run

    return run()
