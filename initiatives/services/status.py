"""A volunteer's status: applicant, screening, active, paused, stopped.

Status moves only along ``TRANSITIONS``; every change writes a
``VolunteerStatusChange`` with its date and reason, so the record's history
(and the retention figures built on it) can be traced back.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Volunteer, VolunteerStatusChange
from .common import (
    FieldError,
    active_pupils,
    check_not_in_future,
    ensure_not_anonymised,
    require_leader,
)

S = Volunteer.Status

# Who may become what. A volunteer is screened before they start; an active
# volunteer may pause (holiday, exams) and come back; anyone may stop. A
# former volunteer who comes back starts again as an applicant: their VOG and
# trainings may be out of date, so they are screened again. Their earlier
# period stays in the status history.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPLICANT: frozenset({S.SCREENING, S.STOPPED}),
    S.SCREENING: frozenset({S.ACTIVE, S.STOPPED}),
    S.ACTIVE: frozenset({S.PAUSED, S.STOPPED}),
    S.PAUSED: frozenset({S.ACTIVE, S.STOPPED}),
    S.STOPPED: frozenset({S.APPLICANT}),
}
REASON_REQUIRED = frozenset({S.STOPPED})


class InvalidVolunteerTransitionError(FieldError):
    def __init__(self, from_status: str, to_status: str):
        allowed = sorted(TRANSITIONS.get(from_status, ()), key=list(S.values).index)
        super().__init__(
            {
                "to_status": _(
                    "A volunteer with status “%(from)s” cannot become “%(to)s”. "
                    "Possible: %(allowed)s."
                )
                % {
                    "from": S(from_status).label,
                    "to": S(to_status).label,
                    "allowed": ", ".join(str(S(s).label) for s in allowed) or "-",
                }
            },
            code="invalid_transition",
        )


def allowed_transitions(status: str) -> list[str]:
    """The statuses a volunteer with ``status`` may get, in the order of the life cycle."""
    return [s for s in S.values if s in TRANSITIONS.get(status, frozenset())]


@transaction.atomic
def volunteer_change_status(
    *, user, volunteer: Volunteer, to_status: str, date: dt.date, reason: str = ""
) -> Volunteer:
    """Move the volunteer along ``TRANSITIONS``, recording date and reason.

    Becoming active sets the start date (the first time); stopping needs a
    reason, sets the end date and refuses while the volunteer still has
    active matches (end or hand them over first). Coming back after
    stopping clears start, end and reason of the earlier period.
    """
    require_leader(user, volunteer.initiative_id)
    ensure_not_anonymised(volunteer.pk)
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    from_status = locked.status
    reason = " ".join(reason.split())
    if to_status not in S.values or to_status not in TRANSITIONS.get(from_status, ()):
        if to_status not in S.values:
            raise FieldError({"to_status": _("Choose a status.")}, code="invalid_status")
        raise InvalidVolunteerTransitionError(from_status, to_status)
    check_not_in_future(
        date, field="date", message=_("The date of a status change cannot be in the future.")
    )
    last = locked.status_changes.order_by("-date", "-created_at").first()
    if last and date < last.date:
        raise FieldError(
            {
                "date": _("The date cannot be before the previous status change (%(date)s).")
                % {"date": formats.date_format(last.date, "j F Y")}
            },
            code="before_previous",
        )
    if to_status in REASON_REQUIRED and not reason:
        raise FieldError(
            {"reason": _("Give the reason why the volunteer stops.")}, code="reason_required"
        )
    if len(reason) > 200:
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})

    if to_status == S.ACTIVE and locked.start_date is None:
        locked.start_date = date
    elif to_status == S.STOPPED:
        if locked.start_date and date < locked.start_date:
            raise FieldError(
                {
                    "date": _("The volunteer cannot stop before they started (%(date)s).")
                    % {"date": formats.date_format(locked.start_date, "j F Y")}
                },
                code="before_start",
            )
        active = active_pupils(locked)
        if active:
            raise ValidationError(
                ngettext(
                    "This volunteer still has %(count)s pupil in an active match. "
                    "End the match or hand it over to another volunteer first.",
                    "This volunteer still has %(count)s pupils in active matches. "
                    "End the matches or hand them over to another volunteer first.",
                    active,
                )
                % {"count": active},
                code="active_matches",
            )
        locked.end_date = date
        locked.stop_reason = reason
    elif from_status == S.STOPPED:
        locked.start_date = None
        locked.end_date = None
        locked.stop_reason = ""
    locked.status = to_status
    locked.save(update_fields=["status", "start_date", "end_date", "stop_reason", "updated_at"])
    VolunteerStatusChange.objects.create(
        volunteer=locked,
        from_status=from_status,
        to_status=to_status,
        date=date,
        reason=reason,
        changed_by=user,
    )
    return locked
