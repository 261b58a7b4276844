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
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from initiatives.models import Programme, Volunteer

from ..models import Match, MatchParticipant, Referral, ReferralStatusChange
from .anonymised import ensure_not_anonymised
from .lifecycle import (
    TRANSITIONS,
    ConcurrentChangeError,
    InvalidTransitionError,
    _notify_referrer_after_commit,
)

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
    if programme.format == Programme.Format.DROP_IN:
        # Headcounts only: a referral there predates the refusal at intake.
        raise ValidationError(
            {
                "referrals": _(
                    "A language café (drop-in) records only the number of visitors per "
                    "session, no names: nobody can be matched in it."
                )
            },
            code="drop_in",
        )
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
    add_participants_together([(match, referrals)], joined_on=joined_on)


def add_participants_together(
    matches: list[tuple[Match, list[Referral]]], *, joined_on: dt.date
) -> None:
    """The referrals' pupils join their matches, in one INSERT for all.

    A pupil who already has an active match in the programme (the database
    constraint) refuses the whole batch.
    """
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
                    for match, group in matches
                    for r in group
                ]
            )
    except IntegrityError as error:
        raise _already_matched_error() from error


def mark_matched(referrals: list[Referral], *, user) -> None:
    """Move waiting referrals to matched: a fixed number of queries for a whole batch.

    The same rules as ``referral_transition`` for each: only along
    ``TRANSITIONS``, only by a project leader of the programme's initiative,
    and only while nobody changed a referral since it was read (status and
    version, checked under a row lock): otherwise nothing changes and the
    second of two leaders gets ``ConcurrentChangeError``. Each referral gets
    its ``ReferralStatusChange`` and, after commit, its email to the school.
    """
    if not referrals:
        return
    ensure_not_anonymised(pupils=[r.pupil_id for r in referrals])
    for referral in referrals:
        if S.MATCHED not in TRANSITIONS.get(referral.status, frozenset()):
            raise InvalidTransitionError(referral.status, S.MATCHED)
    initiatives = set(
        Programme.objects.filter(pk__in={r.programme_id for r in referrals}).values_list(
            "initiative_id", flat=True
        )
    )
    scope = scope_for(user)
    if not all(scope.leads(initiative) for initiative in initiatives):
        raise PermissionDenied(_("You may not change the status of this referral."))
    read = {r.pk: (r.version, r.status) for r in referrals}
    current = (
        Referral.objects.select_for_update()
        .filter(pk__in=read)
        .order_by("pk")
        .values_list("pk", "version", "status")
    )
    now_ = timezone.now()
    if {pk: (version, status) for pk, version, status in current} != read:
        raise ConcurrentChangeError()
    Referral.objects.filter(pk__in=read).update(
        status=S.MATCHED, status_changed_at=now_, version=F("version") + 1, updated_at=now_
    )
    changes = ReferralStatusChange.objects.bulk_create(
        ReferralStatusChange(
            referral=referral,
            from_status=referral.status,
            to_status=S.MATCHED,
            changed_by=user,
            changed_at=now_,
        )
        for referral in referrals
    )
    for referral in referrals:
        referral.status, referral.version = S.MATCHED, referral.version + 1
        referral.status_changed_at = referral.updated_at = now_
    for change in changes:
        _notify_referrer_after_commit(change)
