"""A drop-in language café (taalcafé): sessions are logged as headcounts, never with names."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import DropInSession, Programme
from .common import FieldError, require_leader

MAX_COUNT = DropInSession.MAX_HEADCOUNT
MAX_MINUTES = 480


@transaction.atomic
def drop_in_session_record(
    *,
    user,
    programme: Programme,
    date: dt.date,
    duration_minutes: int,
    headcount: int,
    first_visits: int | None = None,
    volunteers_present: int = 0,
) -> DropInSession:
    """Log one session of a drop-in programme: how many came, no names."""
    require_leader(user, programme.initiative_id)
    errors: dict[str, str] = {}
    if programme.format != Programme.Format.DROP_IN:
        raise FieldError(
            {"programme": _("Only a drop-in programme (language café) logs headcounts.")},
            code="not_drop_in",
        )
    if date > timezone.localdate():
        errors["date"] = _("The date cannot be in the future.")
    if not 0 < duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = _("Enter a duration between 1 and %(max)s minutes.") % {
            "max": MAX_MINUTES
        }
    if not 0 <= headcount <= MAX_COUNT:
        errors["headcount"] = _("Enter a number of visitors between 0 and %(max)s.") % {
            "max": MAX_COUNT
        }
    if first_visits is not None and not 0 <= first_visits <= headcount:
        errors["first_visits"] = _("The first visits cannot be more than the number of visitors.")
    if not 0 <= volunteers_present <= MAX_COUNT:
        errors["volunteers_present"] = _("Enter a number of volunteers between 0 and %(max)s.") % {
            "max": MAX_COUNT
        }
    if errors:
        raise FieldError(errors, code="invalid")
    return DropInSession.objects.create(
        programme=programme,
        date=date,
        duration_minutes=duration_minutes,
        headcount=headcount,
        first_visits=first_visits,
        volunteers_present=volunteers_present,
    )
