"""The life cycle of a match: create, confirm a batch, end, replace the volunteer.

Every match goes through the hard rules of ``referrals.matching.rules``
(valid VOG, required trainings, programme, free capacity): a project leader
choosing a volunteer by hand is held to them as much as a proposal is.

Status changes of the referral go through ``referral_transition`` (which
writes the status history and emails the school after commit): matching moves
a referral from waiting to matched; ending a match moves it to completed,
stopped early, or back to waiting for a new volunteer.

Concurrency: of two project leaders matching the same pupil at once, one
wins. The referral's version (checked by ``referral_transition``) and the
database's "one active match per pupil per programme" guarantee it; the
loser gets a ``ValidationError`` saying what happened. Volunteers are locked
while their free capacity is checked, so two matches cannot both take a
volunteer's last place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import pairwise

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from initiatives.models import Programme, Volunteer

from ..matching.rules import blockers_from_facts, load_facts, required_trainings
from ..models import Match, MatchParticipant, Pupil, PupilAvailability, Referral
from .lifecycle import referral_transition

S = Referral.Status
R = Match.EndReason

# End reasons after which the pupil may wait for a new volunteer.
BACK_TO_WAITLIST_REASONS = frozenset({R.VOLUNTEER_STOPPED, R.MOVED, R.OTHER})


# --- checks --------------------------------------------------------------------


def _require_leader(user, programme: Programme) -> None:
    if not scope_for(user).leads(programme.initiative_id):
        raise PermissionDenied(_("Only the project leaders of the initiative can do this."))


def _today() -> dt.date:
    return timezone.localdate()


def _lock_volunteers(volunteers: Iterable[Volunteer]) -> dict[int, Volunteer]:
    """The volunteers re-read and locked (in pk order, so two batches cannot deadlock)."""
    ids = sorted({v.pk for v in volunteers})
    locked = (
        Volunteer.objects.select_for_update(of=("self",))
        .select_related("initiative")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {v.pk: v for v in locked}


def _check_location(location_type: str, *, programme: Programme, volunteer: Volunteer) -> None:
    if not location_type:
        raise ValidationError(
            {"location_type": _("Choose where the sessions take place.")}, code="required"
        )
    if location_type not in Match.LocationType.values:
        raise ValidationError({"location_type": _("Choose a location from the list.")})
    if location_type == Match.LocationType.ONLINE and not (
        programme.online or volunteer.online_possible
    ):
        raise ValidationError(
            {
                "location_type": _(
                    "Online sessions are not possible: the programme is not online "
                    "and the volunteer cannot work online."
                )
            }
        )


def _check_referrals(referrals: list[Referral], programme: Programme) -> None:
    problems = []
    pupils = Counter(r.pupil_id for r in referrals)
    for referral in referrals:
        name = referral.pupil.full_name
        if referral.programme_id != programme.pk:
            problems.append(
                _("%(name)s is referred to another programme.") % {"name": name},
            )
        elif referral.status != S.WAITING:
            problems.append(
                _("%(name)s is not on the waitlist (status: %(status)s).")
                % {"name": name, "status": S(referral.status).label}
            )
    if any(n > 1 for n in pupils.values()):
        problems.append(_("A pupil can be in a match only once."))
    if problems:
        raise ValidationError({"referrals": problems})


def _check_group(count: int, programme: Programme) -> None:
    if count < 1:
        raise ValidationError({"referrals": _("Choose at least one pupil.")}, code="required")
    if count > 1 and programme.format != Programme.Format.GROUP:
        raise ValidationError(
            {"referrals": _("This programme matches one pupil with one volunteer.")},
            code="not_group",
        )
    if count > programme.group_size_max:
        raise ValidationError(
            {
                "referrals": _("A group in this programme has at most %(max)s pupils.")
                % {"max": programme.group_size_max}
            },
            code="group_too_large",
        )


def _blockers(volunteer: Volunteer, programme: Programme, *, on: dt.date, extra: int) -> list[str]:
    facts = load_facts([volunteer])[volunteer.pk]
    return blockers_from_facts(
        facts, programme, on=on, required=required_trainings(programme), extra_pupils=extra
    )


def _rules_day(start: dt.date) -> dt.date:
    """The VOG must be valid today and on the first day of the match."""
    return max(start, _today())


def _settings(
    programme: Programme,
    *,
    start_date: dt.date | None,
    planned_end_date: dt.date | None,
    frequency: str | None,
    session_minutes: int | None,
) -> dict:
    """Frequency, duration and planned end, the programme's where not given."""
    errors: dict[str, str] = {}
    if start_date is None:
        raise ValidationError({"start_date": _("Give the start date.")}, code="required")
    if planned_end_date is None:
        planned_end_date = start_date + dt.timedelta(weeks=programme.usual_duration_weeks)
    elif planned_end_date < start_date:
        errors["planned_end_date"] = _("The planned end cannot be before the start date.")
    frequency = frequency or programme.session_frequency
    if frequency not in Programme.Frequency.values:
        errors["frequency"] = _("Choose a frequency from the list.")
    session_minutes = session_minutes or programme.session_minutes
    if not 0 < session_minutes <= 480:
        errors["session_minutes"] = _("A session lasts between 1 and 480 minutes.")
    if errors:
        raise ValidationError(errors)
    return {
        "start_date": start_date,
        "planned_end_date": planned_end_date,
        "frequency": frequency,
        "session_minutes": session_minutes,
    }


# --- writing ---------------------------------------------------------------------


def _already_matched_error() -> ValidationError:
    return ValidationError(
        _(
            "This pupil already has an active match in this programme; someone may "
            "have matched them just now. Reload the page to see the current state."
        ),
        code="already_matched",
    )


def _add_participants(match: Match, referrals: list[Referral], *, joined_on: dt.date) -> None:
    try:
        with transaction.atomic():
            MatchParticipant.objects.bulk_create(
                [
                    MatchParticipant(
                        match=match,
                        pupil_id=r.pupil_id,
                        referral=r,
                        programme_id=match.programme_id,
                        joined_on=joined_on,
                    )
                    for r in referrals
                ]
            )
    except IntegrityError as error:
        raise _already_matched_error() from error


def _mark_matched(referrals: list[Referral], *, user) -> None:
    for referral in referrals:
        referral_transition(referral=referral, to_status=S.MATCHED, user=user)


def _new_match(
    *,
    user,
    programme: Programme,
    volunteer: Volunteer,
    referrals: list[Referral],
    location_type: str,
    values: dict,
) -> Match:
    """Insert the match and its participants and move the referrals to matched.

    The caller has checked the rules.
    """
    kind = Match.Kind.GROUP if programme.format == Programme.Format.GROUP else Match.Kind.ONE_TO_ONE
    match = Match.objects.create(
        programme=programme,
        volunteer=volunteer,
        kind=kind,
        location_type=location_type,
        created_by=user,
        **values,
    )
    # Status first: the referral's version makes the second of two leaders
    # fail here with "someone else changed this referral".
    _mark_matched(referrals, user=user)
    _add_participants(match, referrals, joined_on=values["start_date"])
    return match


@transaction.atomic
def match_create(
    *,
    user,
    referrals: list[Referral],
    volunteer: Volunteer,
    location_type: str,
    start_date: dt.date,
    planned_end_date: dt.date | None = None,
    frequency: str | None = None,
    session_minutes: int | None = None,
) -> Match:
    """Match waiting pupils with a volunteer: one pupil, or a group in a group programme.

    Frequency, session length and planned end default to the programme's.
    Refused with the reasons when the volunteer may not be matched.
    """
    referrals = list(referrals)
    if not referrals:
        raise ValidationError({"referrals": _("Choose at least one pupil.")}, code="required")
    programme = referrals[0].programme
    _require_leader(user, programme)
    _check_group(len(referrals), programme)
    _check_referrals(referrals, programme)
    values = _settings(
        programme,
        start_date=start_date,
        planned_end_date=planned_end_date,
        frequency=frequency,
        session_minutes=session_minutes,
    )
    if volunteer is None:
        raise ValidationError({"volunteer": _("Choose a volunteer.")}, code="required")
    volunteer = _lock_volunteers([volunteer]).get(volunteer.pk)
    if volunteer is None:
        raise ValidationError({"volunteer": _("This volunteer no longer exists.")})
    _check_location(location_type, programme=programme, volunteer=volunteer)
    problems = _blockers(volunteer, programme, on=_rules_day(start_date), extra=len(referrals))
    if problems:
        raise ValidationError({"volunteer": problems}, code="blocked")
    return _new_match(
        user=user,
        programme=programme,
        volunteer=volunteer,
        referrals=referrals,
        location_type=location_type,
        values=values,
    )


def _groups(pairs: list[tuple[Referral, Volunteer]], programme: Programme):
    """The matches a confirmed proposal makes: (volunteer, referrals) each.

    One-to-one: one match per pair. Group programme: the pupils of one
    volunteer together, in groups of at most the programme's group size.
    """
    if programme.format != Programme.Format.GROUP:
        return [(volunteer, [referral]) for referral, volunteer in pairs]
    by_volunteer: dict[int, list[Referral]] = defaultdict(list)
    volunteers: dict[int, Volunteer] = {}
    for referral, volunteer in pairs:
        by_volunteer[volunteer.pk].append(referral)
        volunteers[volunteer.pk] = volunteer
    size = programme.group_size_max
    return [
        (volunteers[pk], referrals[i : i + size])
        for pk, referrals in by_volunteer.items()
        for i in range(0, len(referrals), size)
    ]


@transaction.atomic
def match_confirm_proposal(
    *,
    user,
    programme: Programme,
    pairs: list[tuple[Referral, Volunteer]],
    start_date: dt.date,
    location_type: str | None = None,
) -> list[Match]:
    """Confirm a reviewed (and perhaps adjusted) batch proposal: all pairs, or nothing.

    The hard rules are checked again for every volunteer with all the pupils
    the batch gives them together (cumulative capacity). ``location_type``
    applies to every match; without it the sessions take place at school.
    Frequency, session length and planned end are the programme's.
    """
    _require_leader(user, programme)
    pairs = list(pairs)
    if not pairs:
        raise ValidationError(_("No pupils were chosen to be matched."), code="required")
    values = _settings(
        programme,
        start_date=start_date,
        planned_end_date=None,
        frequency=None,
        session_minutes=None,
    )
    location_type = location_type or Match.LocationType.SCHOOL
    referrals = [referral for referral, _volunteer in pairs]
    seen = Counter(r.pk for r in referrals)
    problems: list[str] = []
    if any(n > 1 for n in seen.values()):
        problems.append(_("A pupil appears more than once in the proposal."))
    try:
        _check_referrals(referrals, programme)
    except ValidationError as error:
        problems.extend(error.messages)

    locked = _lock_volunteers(v for _r, v in pairs)
    facts = load_facts(locked.values())
    required = required_trainings(programme)
    on = _rules_day(start_date)
    per_volunteer = Counter(v.pk for _r, v in pairs)
    names: dict[int, list[str]] = defaultdict(list)
    for referral, volunteer in pairs:
        names[volunteer.pk].append(referral.pupil.full_name)
    for pk, count in per_volunteer.items():
        volunteer = locked.get(pk)
        if volunteer is None:
            problems.append(_("A chosen volunteer no longer exists."))
            continue
        blockers = blockers_from_facts(
            facts[pk], programme, on=on, required=required, extra_pupils=count
        )
        if location_type == Match.LocationType.ONLINE and not (
            programme.online or volunteer.online_possible
        ):
            blockers.append(_("This volunteer cannot work online."))
        for blocker in blockers:
            problems.append(
                _("%(volunteer)s (for %(pupils)s): %(problem)s")
                % {
                    "volunteer": volunteer.full_name,
                    "pupils": ", ".join(names[pk]),
                    "problem": blocker,
                }
            )
    if location_type not in Match.LocationType.values:
        problems.append(_("Choose a location from the list."))
    if problems:
        raise ValidationError(problems, code="blocked")

    return [
        _new_match(
            user=user,
            programme=programme,
            volunteer=locked[volunteer.pk],
            referrals=group,
            location_type=location_type,
            values=values,
        )
        for volunteer, group in _groups(pairs, programme)
    ]


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
    if end_date > _today():
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
    _require_leader(user, match.programme)
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
    _require_leader(user, match.programme)
    match = _lock_active_match(match)
    programme = match.programme
    if volunteer is None:
        raise ValidationError({"volunteer": _("Choose a volunteer.")}, code="required")
    if volunteer.pk == match.volunteer_id:
        raise ValidationError({"volunteer": _("Choose a different volunteer.")})
    participants = _active_participants(match)
    _check_end(match, participants, end_date=date, field="date")
    locked = _lock_volunteers([volunteer]).get(volunteer.pk)
    if locked is None:
        raise ValidationError({"volunteer": _("This volunteer no longer exists.")})
    if match.location_type == Match.LocationType.ONLINE and not (
        programme.online or locked.online_possible
    ):
        raise ValidationError({"volunteer": _("This volunteer cannot work online.")})
    problems = _blockers(locked, programme, on=_today(), extra=len(participants))
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
    _add_participants(new, [p.referral for p in participants], joined_on=date)
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
    _require_leader(user, match.programme)
    match = _lock_active_match(match)
    _require_group(match)
    date = date or _today()
    if date < match.start_date:
        raise ValidationError(
            {"date": _("A pupil cannot join before the group starts.")}, code="before_start"
        )
    _check_referrals([referral], match.programme)
    active = match.participants.filter(left_on__isnull=True).count()
    if active + 1 > match.programme.group_size_max:
        raise ValidationError(
            {
                "referral": _("The group is full: at most %(max)s pupils.")
                % {"max": match.programme.group_size_max}
            },
            code="group_too_large",
        )
    volunteer = _lock_volunteers([match.volunteer])[match.volunteer_id]
    problems = _blockers(volunteer, match.programme, on=_rules_day(date), extra=1)
    if problems:
        raise ValidationError({"referral": problems}, code="blocked")
    _mark_matched([referral], user=user)
    _add_participants(match, [referral], joined_on=date)
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
    _require_leader(user, match.programme)
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
    if not scope_for(user).leads(pupil.initiative_id):
        raise PermissionDenied(_("Only the project leaders of the initiative can do this."))
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
