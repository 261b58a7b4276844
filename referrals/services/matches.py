"""Making matches: one by hand (``match_create``) or a confirmed batch proposal.

Every match goes through the hard rules of ``referrals.matching.rules``
(valid VOG, required trainings, programme, free capacity): a project leader
choosing a volunteer by hand is held to them as much as a proposal is.
Ending a match, replacing its volunteer and changing a group's members are
in ``match_changes``; the checks both share in ``match_common``.

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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from initiatives.models import Programme, Volunteer

from ..matching.rules import blockers_from_facts, load_facts, matching_blockers, required_trainings
from ..models import Match, Referral
from .anonymised import ensure_not_anonymised
from .match_common import (
    add_participants_together,
    check_referrals,
    lock_volunteers,
    mark_matched,
    online_impossible,
    require_leader,
    rules_day,
)


def _check_location(location_type: str, *, programme: Programme, volunteer: Volunteer) -> None:
    if not location_type:
        raise ValidationError(
            {"location_type": _("Choose where the sessions take place.")}, code="required"
        )
    if location_type not in Match.LocationType.values:
        raise ValidationError({"location_type": _("Choose a location from the list.")})
    if online_impossible(location_type, programme=programme, volunteer=volunteer):
        raise ValidationError(
            {
                "location_type": _(
                    "Online sessions are not possible: the programme is not online "
                    "and the volunteer cannot work online."
                )
            }
        )


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


def _new_matches(
    *,
    user,
    programme: Programme,
    groups: list[tuple[Volunteer, list[Referral]]],
    location_type: str,
    values: dict,
) -> list[Match]:
    """Insert the matches and their participants and move the referrals to matched.

    The caller has checked the rules. A fixed number of queries however many
    matches: confirming a whole waitlist's proposal writes them all at once.
    """
    kind = Match.Kind.GROUP if programme.format == Programme.Format.GROUP else Match.Kind.ONE_TO_ONE
    # Status first: the referral's version makes the second of two leaders
    # fail here with "someone else changed this referral".
    mark_matched([r for _volunteer, referrals in groups for r in referrals], user=user)
    matches = Match.objects.bulk_create(
        Match(
            programme=programme,
            volunteer=volunteer,
            kind=kind,
            location_type=location_type,
            created_by=user,
            **values,
        )
        for volunteer, _referrals in groups
    )
    add_participants_together(
        [(match, referrals) for match, (_v, referrals) in zip(matches, groups, strict=True)],
        joined_on=values["start_date"],
    )
    return matches


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
    require_leader(user, programme.initiative_id)
    ensure_not_anonymised(
        pupils=[r.pupil_id for r in referrals], volunteers=[volunteer.pk if volunteer else None]
    )
    _check_group(len(referrals), programme)
    check_referrals(referrals, programme)
    values = _settings(
        programme,
        start_date=start_date,
        planned_end_date=planned_end_date,
        frequency=frequency,
        session_minutes=session_minutes,
    )
    if volunteer is None:
        raise ValidationError({"volunteer": _("Choose a volunteer.")}, code="required")
    volunteer = lock_volunteers([volunteer]).get(volunteer.pk)
    if volunteer is None:
        raise ValidationError({"volunteer": _("This volunteer no longer exists.")})
    _check_location(location_type, programme=programme, volunteer=volunteer)
    problems = matching_blockers(
        volunteer, programme, on=rules_day(start_date), extra_pupils=len(referrals)
    )
    if problems:
        raise ValidationError({"volunteer": problems}, code="blocked")
    [match] = _new_matches(
        user=user,
        programme=programme,
        groups=[(volunteer, referrals)],
        location_type=location_type,
        values=values,
    )
    return match


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
    require_leader(user, programme.initiative_id)
    pairs = list(pairs)
    ensure_not_anonymised(
        pupils=[r.pupil_id for r, _v in pairs], volunteers=[v.pk for _r, v in pairs]
    )
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
        check_referrals(referrals, programme)
    except ValidationError as error:
        problems.extend(error.messages)

    locked = lock_volunteers(v for _r, v in pairs)
    facts = load_facts(locked.values())
    required = required_trainings(programme)
    on = rules_day(start_date)
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
        if online_impossible(location_type, programme=programme, volunteer=volunteer):
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

    return _new_matches(
        user=user,
        programme=programme,
        groups=[(locked[volunteer.pk], group) for volunteer, group in _groups(pairs, programme)],
        location_type=location_type,
        values=values,
    )
