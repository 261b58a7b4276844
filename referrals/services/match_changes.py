"""Changing a running match: end it, replace the volunteer, a group's members; the
pupil's availability.

Ending a match moves each pupil's referral on through ``referral_transition``:
to completed, stopped early, or back to waiting for a new volunteer. A new
volunteer is held to the hard rules of ``referrals.matching.rules`` as when
the match was made (``matches``); the checks both share are in
``match_common``.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from initiatives.models import Volunteer

from ..matching.rules import matching_blockers
from ..models import Match, MatchParticipant, Pupil, PupilAvailability, Referral
from .anonymised import ensure_not_anonymised
from .lifecycle import referral_transition
from .match_common import (
    add_participants,
    check_referrals,
    lock_volunteers,
    mark_matched,
    online_impossible,
    require_leader,
    rules_day,
    today,
)

S = Referral.Status
R = Match.EndReason

# End reasons after which the pupil may wait for a new volunteer.
BACK_TO_WAITLIST_REASONS = frozenset({R.VOLUNTEER_STOPPED, R.MOVED, R.OTHER})


def _ensure_people_not_anonymised(match: Match, *, also_volunteer=None) -> None:
    """The match's volunteer and the pupils still in it (and a new volunteer)."""
    ensure_not_anonymised(
        pupils=MatchParticipant.objects.filter(match=match, left_on__isnull=True).values(
            "pupil_id"
        ),
        volunteers=[match.volunteer_id, also_volunteer.pk if also_volunteer else None],
    )


def _lock_active_match(match: Match) -> Match:
    locked = (
        Match.objects.select_for_update(of=("self",))
        .select_related("programme__initiative", "volunteer")
        .get(pk=match.pk)
    )
    if not locked.is_active:
        raise ValidationError(
            _("This match has already ended (on %(date)s).")
            % {"date": formats.date_format(locked.end_date, "j F Y")},
            code="already_ended",
        )
    return locked


def _active_participants(match: Match) -> list[MatchParticipant]:
    return list(
        match.participants.filter(left_on__isnull=True)
        .select_related("referral__programme", "pupil")
        .order_by("pk")
    )


def _check_end(
    match: Match, participants: list[MatchParticipant], *, end_date, field: str = "end_date"
) -> None:
    if end_date is None:
        raise ValidationError({field: _("Give the end date.")}, code="required")
    if end_date > today():
        raise ValidationError({field: _("The end date cannot be in the future.")})
    latest_join = max([match.start_date, *(p.joined_on for p in participants)])
    if end_date < latest_join:
        raise ValidationError(
            {
                field: _("The end date cannot be before the start (%(date)s).")
                % {"date": formats.date_format(latest_join, "j F Y")}
            }
        )


def _check_end_reason(end_reason: str, back_to_waitlist: bool) -> None:
    if not end_reason:
        raise ValidationError({"end_reason": _("Give the end reason.")}, code="required")
    if end_reason not in R.values:
        raise ValidationError({"end_reason": _("Choose an end reason from the list.")})
    if back_to_waitlist and end_reason not in BACK_TO_WAITLIST_REASONS:
        raise ValidationError(
            {
                "back_to_waitlist": _(
                    "Only after the volunteer stopped, a move or another reason can the "
                    "pupil go back to the waitlist."
                )
            }
        )


def _close_referral(referral: Referral, *, user, end_reason: str, back_to_waitlist: bool) -> None:
    """After a pupil's match ended: completed, stopped early, or waiting again."""
    if referral.status != S.MATCHED:
        return
    label = R(end_reason).label
    if end_reason == R.COMPLETED:
        referral_transition(referral=referral, to_status=S.COMPLETED, user=user)
    elif back_to_waitlist:
        referral_transition(
            referral=referral,
            to_status=S.WAITING,
            user=user,
            reason=_("Match ended (%(reason)s); waiting for a new volunteer.") % {"reason": label},
        )
    else:
        # The school reads this reason: the end reason only, not the
        # project leader's note.
        referral_transition(
            referral=referral,
            to_status=S.STOPPED_EARLY,
            user=user,
            reason=_("Match ended early: %(reason)s.") % {"reason": label},
        )


def _end(match: Match, participants, *, end_date, end_reason: str, end_note: str) -> None:
    MatchParticipant.objects.filter(pk__in=[p.pk for p in participants]).update(left_on=end_date)
    match.end_date = end_date
    match.end_reason = end_reason
    match.end_note = (end_note or "").strip()
    match.save(update_fields=["end_date", "end_reason", "end_note", "updated_at"])


@transaction.atomic
def match_end(
    *,
    user,
    match: Match,
    end_date: dt.date,
    end_reason: str,
    end_note: str = "",
    back_to_waitlist: bool = False,
) -> Match:
    """End a match. The end reason is required.

    Each pupil's referral becomes completed (reason completed), stopped
    early, or, with ``back_to_waitlist``, waiting again for a new volunteer.
    """
    require_leader(user, match.programme.initiative_id)
    _ensure_people_not_anonymised(match)
    _check_end_reason(end_reason, back_to_waitlist)
    match = _lock_active_match(match)
    participants = _active_participants(match)
    _check_end(match, participants, end_date=end_date)
    _end(match, participants, end_date=end_date, end_reason=end_reason, end_note=end_note)
    for participant in participants:
        _close_referral(
            participant.referral,
            user=user,
            end_reason=end_reason,
            back_to_waitlist=back_to_waitlist,
        )
    return match


@transaction.atomic
def match_replace_volunteer(
    *, user, match: Match, volunteer: Volunteer, date: dt.date, reason_note: str = ""
) -> Match:
    """Another volunteer takes over: the old match ends, a new one starts on ``date``.

    The new match has the same pupils, referrals and arrangements; the
    referrals stay matched. The old match (with its contact moments) stays
    linked to the referrals, so the pupil's history stays together.
    """
    require_leader(user, match.programme.initiative_id)
    _ensure_people_not_anonymised(match, also_volunteer=volunteer)
    match = _lock_active_match(match)
    programme = match.programme
    if volunteer is None:
        raise ValidationError({"volunteer": _("Choose a volunteer.")}, code="required")
    if volunteer.pk == match.volunteer_id:
        raise ValidationError({"volunteer": _("Choose a different volunteer.")})
    participants = _active_participants(match)
    _check_end(match, participants, end_date=date, field="date")
    locked = lock_volunteers([volunteer]).get(volunteer.pk)
    if locked is None:
        raise ValidationError({"volunteer": _("This volunteer no longer exists.")})
    if online_impossible(match.location_type, programme=programme, volunteer=locked):
        raise ValidationError({"volunteer": _("This volunteer cannot work online.")})
    problems = matching_blockers(locked, programme, on=today(), extra_pupils=len(participants))
    if problems:
        raise ValidationError({"volunteer": problems}, code="blocked")

    _end(match, participants, end_date=date, end_reason=R.VOLUNTEER_STOPPED, end_note=reason_note)
    planned_end = match.planned_end_date
    if planned_end is not None and planned_end < date:
        planned_end = None
    new = Match.objects.create(
        programme=programme,
        volunteer=locked,
        kind=match.kind,
        location_type=match.location_type,
        frequency=match.frequency,
        session_minutes=match.session_minutes,
        start_date=date,
        planned_end_date=planned_end,
        created_by=user,
    )
    add_participants(new, [p.referral for p in participants], joined_on=date)
    return new


# --- groups ------------------------------------------------------------------------


def _require_group(match: Match) -> None:
    if match.kind != Match.Kind.GROUP:
        raise ValidationError(
            _("Pupils can be added to or removed from group matches only."), code="not_group"
        )


@transaction.atomic
def match_add_participant(
    *, user, match: Match, referral: Referral, date: dt.date | None = None
) -> MatchParticipant:
    """A waiting pupil joins an active group match (the group size and the rules allow)."""
    require_leader(user, match.programme.initiative_id)
    ensure_not_anonymised(pupils=[referral.pupil_id], volunteers=[match.volunteer_id])
    match = _lock_active_match(match)
    _require_group(match)
    date = date or today()
    if date < match.start_date:
        raise ValidationError(
            {"date": _("A pupil cannot join before the group starts.")}, code="before_start"
        )
    check_referrals([referral], match.programme)
    active = match.participants.filter(left_on__isnull=True).count()
    if active + 1 > match.programme.group_size_max:
        raise ValidationError(
            {
                "referral": _("The group is full: at most %(max)s pupils.")
                % {"max": match.programme.group_size_max}
            },
            code="group_too_large",
        )
    volunteer = lock_volunteers([match.volunteer])[match.volunteer_id]
    problems = matching_blockers(volunteer, match.programme, on=rules_day(date))
    if problems:
        raise ValidationError({"referral": problems}, code="blocked")
    mark_matched([referral], user=user)
    add_participants(match, [referral], joined_on=date)
    return match.participants.get(referral=referral, left_on__isnull=True)


@transaction.atomic
def match_remove_participant(
    *,
    user,
    participant: MatchParticipant,
    date: dt.date,
    end_reason: str,
    back_to_waitlist: bool = False,
) -> MatchParticipant:
    """One pupil leaves a group match; the referral follows as with ``match_end``.

    The last pupil cannot leave: end the match instead.
    """
    match = participant.match
    require_leader(user, match.programme.initiative_id)
    ensure_not_anonymised(pupils=[participant.pupil_id], volunteers=[match.volunteer_id])
    _check_end_reason(end_reason, back_to_waitlist)
    match = _lock_active_match(match)
    _require_group(match)
    participants = _active_participants(match)
    current = next((p for p in participants if p.pk == participant.pk), None)
    if current is None:
        raise ValidationError(_("This pupil has already left the group."), code="already_left")
    if len(participants) == 1:
        raise ValidationError(
            _("This is the last pupil of the group: end the match instead."), code="last_pupil"
        )
    _check_end(match, [current], end_date=date, field="date")
    current.left_on = date
    current.save(update_fields=["left_on"])
    _close_referral(
        current.referral, user=user, end_reason=end_reason, back_to_waitlist=back_to_waitlist
    )
    return current


# --- the pupil's availability ----------------------------------------------------------


@transaction.atomic
def pupil_set_availability(
    *, user, pupil: Pupil, slots: list[tuple[int, dt.time, dt.time]]
) -> None:
    """Replace the pupil's weekly time slots (used to score volunteers' availability)."""
    require_leader(user, pupil.initiative_id)
    ensure_not_anonymised(pupils=[pupil.pk])
    problems = []
    for weekday, start, end in slots:
        if weekday not in range(1, 8):
            problems.append(_("Choose a day from Monday to Sunday."))
        elif start is None or end is None:
            problems.append(_("Give a start and an end time for each time slot."))
        elif end <= start:
            problems.append(_("A time slot must end after it starts."))
    clean = sorted(set(slots)) if not problems else []
    for (day_a, _start_a, end_a), (day_b, start_b, _end_b) in pairwise(clean):
        if day_a == day_b and start_b < end_a:
            problems.append(_("Time slots on the same day must not overlap."))
            break
    if problems:
        raise ValidationError({"slots": list(dict.fromkeys(problems))})
    PupilAvailability.objects.filter(pupil=pupil).delete()
    PupilAvailability.objects.bulk_create(
        [
            PupilAvailability(pupil=pupil, weekday=weekday, start_time=start, end_time=end)
            for weekday, start, end in clean
        ]
    )
