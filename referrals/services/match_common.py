"""Checks and steps the match services share (``matches`` and ``match_changes``).

Not services themselves: the callers check access first and run inside
their own transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from initiatives.models import Programme, Volunteer

from ..models import Match, MatchParticipant, Referral
from .lifecycle import referral_transition

S = Referral.Status


def require_leader(user, initiative_id: int) -> None:
    if not scope_for(user).leads(initiative_id):
        raise PermissionDenied(_("Only the project leaders of the initiative can do this."))


def today() -> dt.date:
    return timezone.localdate()


def rules_day(start: dt.date) -> dt.date:
    """The VOG must be valid today and on the first day of the match."""
    return max(start, today())


def lock_volunteers(volunteers: Iterable[Volunteer]) -> dict[int, Volunteer]:
    """The volunteers re-read and locked (in pk order, so two batches cannot deadlock)."""
    ids = sorted({v.pk for v in volunteers})
    locked = (
        Volunteer.objects.select_for_update(of=("self",))
        .select_related("initiative")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {v.pk: v for v in locked}


def online_impossible(location_type: str, *, programme: Programme, volunteer: Volunteer) -> bool:
    """Online sessions chosen, but neither the programme nor the volunteer works online."""
    return location_type == Match.LocationType.ONLINE and not (
        programme.online or volunteer.online_possible
    )


def check_referrals(referrals: list[Referral], programme: Programme) -> None:
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


def _already_matched_error() -> ValidationError:
    return ValidationError(
        _(
            "This pupil already has an active match in this programme; someone may "
            "have matched them just now. Reload the page to see the current state."
        ),
        code="already_matched",
    )


def add_participants(match: Match, referrals: list[Referral], *, joined_on: dt.date) -> None:
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


def mark_matched(referrals: list[Referral], *, user) -> None:
    for referral in referrals:
        referral_transition(referral=referral, to_status=S.MATCHED, user=user)
