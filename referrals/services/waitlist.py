"""The waitlist: priorities and the reminder about long waits."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for

from ..models import PriorityChange, Referral
from .anonymised import ensure_not_anonymised
from .lifecycle import claim_version


@transaction.atomic
def referral_change_priority(
    *,
    referral: Referral,
    user,
    priority: int,
    reason: str,
    expected_version: int | None = None,
) -> Referral:
    scope = scope_for(user)
    if not scope.leads(referral.programme.initiative_id):
        raise PermissionDenied(_("Only the initiative's project leaders can change priorities."))
    ensure_not_anonymised(pupils=[referral.pupil_id])
    errors = {}
    if priority not in range(1, 6):
        errors["priority"] = _("Choose a priority from 1 (most urgent) to 5.")
    if not (reason or "").strip():
        errors["reason"] = _("Give a reason for the new priority.")
    if errors:
        raise ValidationError(errors)
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if locked.priority == priority:
        return locked
    claim_version(locked, expected_version)
    PriorityChange.objects.create(
        referral=locked,
        from_priority=locked.priority,
        to_priority=priority,
        reason=reason.strip(),
        changed_by=user,
        changed_at=timezone.now(),
    )
    locked.priority = priority
    locked.save(update_fields=["priority", "updated_at"])
    return locked


def reminder_interval(programme) -> dt.timedelta:
    weeks = programme.waitlist_reminder_weeks or settings.WAITLIST_REMINDER_WEEKS
    return dt.timedelta(weeks=weeks)


@transaction.atomic
def send_due_waitlist_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind project leaders of pupils waiting longer than the interval.

    A referral is due when it has waited a whole interval since it joined the
    waitlist and no reminder was sent within the last interval, so each long
    wait yields one reminder per interval, however often this runs.
    Returns the number of referrals reminded about.
    """
    from ..tasks import send_waitlist_reminder_email

    now = now or timezone.now()
    waiting = (
        Referral.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=Referral.Status.WAITING, waiting_since__isnull=False)
        .select_related("programme")
    )
    due_by_initiative: dict[int, list[int]] = defaultdict(list)
    for referral in waiting:
        interval = reminder_interval(referral.programme)
        last = referral.last_waitlist_reminder_at or referral.waiting_since
        if now - last >= interval:
            due_by_initiative[referral.programme.initiative_id].append(referral.pk)
    ids = [pk for pks in due_by_initiative.values() for pk in pks]
    if ids:
        Referral.objects.filter(pk__in=ids).update(last_waitlist_reminder_at=now)
    for initiative_id, referral_ids in due_by_initiative.items():
        transaction.on_commit(
            lambda i=initiative_id, r=referral_ids: send_waitlist_reminder_email.delay(i, r)
        )
    return len(ids)
