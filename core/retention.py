"""Retention: personal data is kept only as long as guidance needs it.

Every night (Celery beat, ``core.tasks.anonymise_due_records``, 03:00)
:func:`anonymise_due_records` anonymises

- every pupil (with their guardians) whose guidance ended
  ``PUPIL_RETENTION_MONTHS`` months ago (default 12). "Ended" is the latest
  of: the day each match of the pupil ended (or the pupil left it), and the
  day each referral ended (completed, stopped early, declined or withdrawn;
  a draft counts from its last change). Never while a referral is still
  open (submitted, intake, waitlist, matched) or a match still runs. A pupil
  with neither referrals nor matches counts from the record's last change.
  See ``referrals.privacy``;
- every volunteer who stopped ``VOLUNTEER_RETENTION_MONTHS`` months ago
  (default 12), counted from their end date, without an active match.
  Applicants and paused volunteers are not stopped: a project leader stops
  them first. See ``initiatives.privacy``.

Anonymising erases names, contact details, the date of birth (a pupil keeps
1 January of the year, the field is required), notes and free text, and
keeps the anonymous facts the indicators count (dates, statuses, programme,
school, neighbourhood, year group, counts, durations, scores), so the figures
of past periods stay exactly the same (tests/test_anonymisation_keeps_figures.py).
The lists of what is erased and what is kept, field by field, are in
``referrals.privacy`` and ``initiatives.privacy``; accounts are covered there
too (a volunteer's user account is deactivated and its name and email
replaced).

The same services erase a record early on request; each export and erasure
is reported to ``core.processing.record_processing``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

logger = logging.getLogger(__name__)

# What an erased name or required text becomes. Stored as data (the same in
# every language), so every page and list that shows the record shows it.
ANONYMISED = "Geanonimiseerd"

# The reason recorded when the nightly job anonymises.
RETENTION_REASON = "retention period ended"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pupil_retention_months() -> int:
    return settings.PUPIL_RETENTION_MONTHS


def volunteer_retention_months() -> int:
    return settings.VOLUNTEER_RETENTION_MONTHS


def is_due(ended_on: dt.date | None, *, months: int, today: dt.date) -> bool:
    """Whether data of guidance that ended on ``ended_on`` is past its retention."""
    return ended_on is not None and add_months(ended_on, months) <= today


def anonymise_due_records(*, today: dt.date | None = None) -> dict[str, int]:
    """Anonymise every pupil and volunteer whose retention period has ended.

    Returns ``{"pupils": n, "volunteers": m}``: how many were anonymised now.
    Each record is anonymised in its own transaction; one that stopped being
    due in the meantime (a new referral) is skipped. Running it again the same
    day does nothing.
    """
    from initiatives.privacy import volunteer_anonymise, volunteers_due
    from referrals.privacy import pupil_anonymise, pupils_due

    today = today or timezone.localdate()
    counts = {"pupils": 0, "volunteers": 0}
    for pupil in pupils_due(today=today):
        try:
            if pupil_anonymise(pupil=pupil, by=None, reason=RETENTION_REASON):
                counts["pupils"] += 1
        except ValidationError:
            logger.info("Pupil %s is no longer due for anonymisation; skipped.", pupil.pk)
    for volunteer in volunteers_due(today=today):
        try:
            if volunteer_anonymise(volunteer=volunteer, by=None, reason=RETENTION_REASON):
                counts["volunteers"] += 1
        except ValidationError:
            logger.info("Volunteer %s is no longer due for anonymisation; skipped.", volunteer.pk)
    if counts["pupils"] or counts["volunteers"]:
        logger.info(
            "Anonymised %(pupils)s pupils and %(volunteers)s volunteers after retention.", counts
        )
    return counts
