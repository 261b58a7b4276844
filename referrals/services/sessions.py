"""Contact moments: tutoring sessions and contacts with teacher or parents.

Who may log a moment of a match:

- a project leader of the match's initiative, for any of its matches (also a
  late entry for a match that has ended);
- the match's own volunteer, while the match runs, when the initiative lets
  volunteers log their own sessions (``Initiative.volunteers_log_sessions``).

Anyone else gets ``PermissionDenied``. Editing and deleting a moment is for
the initiative's project leaders and for whoever logged it, as long as they
may still log moments of that match.

A one-to-one session is about the match's pupil (``pupil``, ``attendance``).
A group session is one row for the whole group: ``pupil`` stays empty and
``absent_pupils`` names the members who were not there. When every member
was absent, the session is recorded as "pupil absent"; a cancelled session
has no absent pupils.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.scope import scope_for

from ..models import ContactMoment, Match, MatchParticipant, Pupil
from .anonymised import ensure_not_anonymised

Kind = ContactMoment.Kind
Attendance = ContactMoment.Attendance
Phase = ContactMoment.Phase

# The kinds a moment of a match can be logged as (``other`` is kept for old data).
LOGGABLE_KINDS = (Kind.SESSION, Kind.TEACHER, Kind.PARENT, Kind.TRIPARTITE)
# Kinds that need the phase of the guidance (start, mid-term, end).
PHASE_REQUIRED = frozenset({Kind.TEACHER})
MAX_DURATION_MINUTES = 600

# Who can take part in a contact moment (``ContactMoment.participants``).
PARTICIPANTS = ("volunteer", "pupil", "parent", "teacher", "initiative")


def may_log_moments(user, match: Match) -> bool:
    """Whether ``user`` may log a contact moment of ``match`` (see the module doc)."""
    scope = scope_for(user)
    initiative = match.programme.initiative
    if scope.leads(initiative.pk):
        return True
    return (
        match.is_active
        and initiative.volunteers_log_sessions
        and initiative.pk in scope.volunteer_initiative_ids
        and match.volunteer.user_id is not None
        and match.volunteer.user_id == user.pk
    )


def may_change_moment(user, moment: ContactMoment) -> bool:
    """Edit or delete: the initiative's project leaders, or who logged it (while allowed)."""
    scope = scope_for(user)
    if scope.leads(_initiative_id(moment)):
        return True
    return (
        moment.match is not None
        and moment.logged_by_id is not None
        and moment.logged_by_id == user.pk
        and may_log_moments(user, moment.match)
    )


def _initiative_id(moment: ContactMoment) -> int:
    if moment.match_id is not None:
        return moment.match.programme.initiative_id
    return moment.pupil.initiative_id


def _ensure_people_not_anonymised(match: Match, *days: dt.date | None) -> None:
    """Refuse a moment about an anonymised pupil or volunteer.

    A moment of a match is about its volunteer and the pupils in it on the
    moment's day (a one-to-one match: its pupil, whatever the day). A member
    who left a group long ago may be anonymised while the group goes on.
    """
    participants = MatchParticipant.objects.filter(match=match)
    days = tuple(day for day in days if day is not None)
    if match.kind == Match.Kind.GROUP and days:
        on_a_day = Q()
        for day in days:
            on_a_day |= Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gte=day))
        participants = participants.filter(on_a_day)
    ensure_not_anonymised(pupils=participants.values("pupil_id"), volunteers=[match.volunteer_id])


def pupils_taking_part(match: Match, on: dt.date) -> list[Pupil]:
    """The pupils in ``match`` on the day ``on`` (joined by then and not yet left)."""
    return [
        participant.pupil
        for participant in match.participants.filter(joined_on__lte=on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=on))
        .select_related("pupil")
        .order_by("pupil__last_name", "pupil__first_name", "pk")
    ]


def _one_to_one_pupil(match: Match, on: dt.date) -> Pupil | None:
    taking_part = pupils_taking_part(match, on)
    if taking_part:
        return taking_part[0]
    participant = match.participants.select_related("pupil").order_by("-joined_on", "-pk").first()
    return participant.pupil if participant else None


@dataclass(frozen=True)
class _Checked:
    kind: str
    phase: str
    date: dt.date
    duration_minutes: int
    attendance: str
    pupil: Pupil | None
    absent: list[Pupil]
    participants: list[str]
    note: str

    def apply_to(self, moment: ContactMoment) -> None:
        """Put the checked values on ``moment``; its absent pupils are set once it is saved."""
        moment.pupil = self.pupil
        moment.kind = self.kind
        moment.phase = self.phase
        moment.date = self.date
        moment.duration_minutes = self.duration_minutes
        moment.attendance = self.attendance
        moment.participants = self.participants
        moment.note = self.note


def _default_participants(*, user, match: Match, kind: str, attendance: str) -> list[str]:
    logger = "volunteer" if match.volunteer.user_id == user.pk else "initiative"
    if kind == Kind.SESSION:
        return {
            Attendance.HELD: ["volunteer", "pupil"],
            Attendance.PUPIL_ABSENT: ["volunteer"],
        }.get(attendance, [])
    if attendance != Attendance.HELD:
        return []
    if kind == Kind.TEACHER:
        return [logger, "teacher"]
    if kind == Kind.PARENT:
        return [logger, "parent"]
    if kind == Kind.TRIPARTITE:
        return ["parent", "pupil", "teacher", "initiative"]
    return [logger]


def _check(
    *,
    user,
    match: Match,
    kind: str,
    date: dt.date,
    duration_minutes: int,
    attendance: str,
    phase: str,
    note: str,
    absent_pupil_ids: Iterable[int],
    participants: list[str] | None,
) -> _Checked:
    """Validate a moment of ``match``; every problem at once, keyed by field."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    phase = phase or ""
    absent_ids = {int(pk) for pk in absent_pupil_ids or ()}

    if kind not in LOGGABLE_KINDS:
        errors["kind"] = _("Choose what kind of contact this was.")
    if attendance not in Attendance.values:
        errors["attendance"] = _("Choose whether the session was held.")

    if date is None:
        errors["date"] = _("Give the date.")
    elif date > today:
        errors["date"] = _("The date cannot be in the future.")
    elif date < match.start_date:
        errors["date"] = _("The match started on %(start)s; the date cannot be earlier.") % {
            "start": date_format(match.start_date, "DATE_FORMAT")
        }
    elif match.end_date and date > match.end_date:
        errors["date"] = _("The match ended on %(end)s; the date cannot be later.") % {
            "end": date_format(match.end_date, "DATE_FORMAT")
        }

    if duration_minutes is None or not 0 <= duration_minutes <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = _("Give the duration in minutes, from 0 to %(max)s.") % {
            "max": MAX_DURATION_MINUTES
        }
    elif duration_minutes == 0 and attendance == Attendance.HELD:
        errors["duration_minutes"] = _("A session that was held lasted longer than 0 minutes.")

    if kind in PHASE_REQUIRED and phase not in Phase.values:
        errors["phase"] = _(
            "Choose the phase of the guidance: start, mid-term or end of the contact "
            "with the teacher."
        )
    elif phase and phase not in Phase.values:
        errors["phase"] = _("Choose start, mid-term or end.")
    if kind == Kind.SESSION:
        phase = ""  # a tutoring session has no phase

    if participants is not None:
        unknown = [p for p in participants if p not in PARTICIPANTS]
        if unknown:
            errors["participants"] = _("Choose who took part from the list.")

    pupil = None
    absent: list[Pupil] = []
    if match.kind == Match.Kind.GROUP:
        if absent_ids and kind != Kind.SESSION:
            errors["absent_pupils"] = _("Absent pupils are recorded for tutoring sessions only.")
        elif kind == Kind.SESSION and date is not None and "date" not in errors:
            members = pupils_taking_part(match, date)
            member_ids = {p.pk for p in members}
            if absent_ids - member_ids:
                errors["absent_pupils"] = _(
                    "Only pupils who were in the group on that date can be absent."
                )
            elif attendance == Attendance.VOLUNTEER_CANCELLED:
                absent = []  # nobody can be absent from a session that did not take place
            elif attendance == Attendance.PUPIL_ABSENT:
                absent = members if not absent_ids else [p for p in members if p.pk in absent_ids]
            else:
                absent = [p for p in members if p.pk in absent_ids]
                if members and len(absent) == len(members):
                    attendance = Attendance.PUPIL_ABSENT  # the whole group was away
    else:
        if absent_ids:
            errors["absent_pupils"] = _(
                "Absent pupils are for group sessions; choose 'pupil absent' instead."
            )
        if date is not None and "date" not in errors:
            pupil = _one_to_one_pupil(match, date)

    if errors:
        raise ValidationError(errors)

    if participants is None:
        participants = _default_participants(
            user=user, match=match, kind=kind, attendance=attendance
        )
    else:
        participants = [p for p in PARTICIPANTS if p in set(participants)]
    return _Checked(
        kind=kind,
        phase=phase,
        date=date,
        duration_minutes=duration_minutes,
        attendance=attendance,
        pupil=pupil,
        absent=absent,
        participants=participants,
        note=(note or "").strip(),
    )


@transaction.atomic
def contact_moment_log(
    *,
    user,
    match: Match,
    kind: str,
    date: dt.date,
    duration_minutes: int,
    attendance: str = Attendance.HELD,
    phase: str = "",
    note: str = "",
    absent_pupil_ids: Iterable[int] = (),
    participants: list[str] | None = None,
) -> ContactMoment:
    """Log a session or a contact with teacher or parents for ``match``.

    ``participants`` (who took part) defaults from the kind and attendance.
    Raises ``PermissionDenied`` for a user who may not log moments of this
    match and ``ValidationError`` (keyed by field) for impossible values.
    """
    if not may_log_moments(user, match):
        raise PermissionDenied(_("You cannot log contact moments for this match."))
    _ensure_people_not_anonymised(match, date)
    checked = _check(
        user=user,
        match=match,
        kind=kind,
        date=date,
        duration_minutes=duration_minutes,
        attendance=attendance,
        phase=phase,
        note=note,
        absent_pupil_ids=absent_pupil_ids,
        participants=participants,
    )
    moment = ContactMoment(match=match, logged_by=user)
    checked.apply_to(moment)
    moment.save(force_insert=True)
    if checked.absent:
        moment.absent_pupils.set(checked.absent)
    return moment


@transaction.atomic
def contact_moment_update(
    *,
    user,
    moment: ContactMoment,
    kind: str,
    date: dt.date,
    duration_minutes: int,
    attendance: str = Attendance.HELD,
    phase: str = "",
    note: str = "",
    absent_pupil_ids: Iterable[int] = (),
    participants: list[str] | None = None,
) -> ContactMoment:
    """Correct a logged moment of a match; the same rules as logging it."""
    if moment.match is None or not may_change_moment(user, moment):
        raise PermissionDenied(_("You cannot change this contact moment."))
    _ensure_people_not_anonymised(moment.match, moment.date, date)
    checked = _check(
        user=user,
        match=moment.match,
        kind=kind,
        date=date,
        duration_minutes=duration_minutes,
        attendance=attendance,
        phase=phase,
        note=note,
        absent_pupil_ids=absent_pupil_ids,
        participants=participants,
    )
    checked.apply_to(moment)
    moment.save()
    moment.absent_pupils.set(checked.absent)
    return moment


@transaction.atomic
def contact_moment_delete(*, user, moment: ContactMoment) -> None:
    """Remove a moment logged by mistake."""
    if not may_change_moment(user, moment):
        raise PermissionDenied(_("You cannot delete this contact moment."))
    if moment.match is not None:
        _ensure_people_not_anonymised(moment.match, moment.date)
    else:
        ensure_not_anonymised(pupils=[moment.pupil_id])
    moment.delete()
