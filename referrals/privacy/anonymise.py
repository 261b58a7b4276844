"""Anonymising a pupil: when it is due, and the erasure itself.

The field-by-field list is in the package docstring (``referrals.privacy``)
and in ``fields.py`` (ERASED, KEPT, DELETED).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from core import processing
from core.retention import ANONYMISED, is_due, pupil_retention_months

from ..models import (
    CoachCheckIn,
    ContactMoment,
    DropOutSignal,
    Evaluation,
    Goal,
    GoalEvaluation,
    Guardian,
    LearnerProfile,
    Match,
    MatchParticipant,
    PriorityChange,
    Pupil,
    PupilAvailability,
    Referral,
    ReferralStatusChange,
    TripartiteMeeting,
)

# --- who may, and when --------------------------------------------------------


def led_pupil(*, user, pk: int) -> Pupil:
    """A pupil of an initiative the user leads (an administrator: any); else 404."""
    scope = scope_for(user)
    pupils = Pupil.objects.visible_to(user).select_related("initiative", "school", "neighbourhood")
    if not scope.is_superuser:
        pupils = pupils.filter(initiative_id__in=scope.led_initiative_ids)
    return get_object_or_404(pupils, pk=pk)


def _open_referrals():
    return Referral.objects.filter(status__in=Referral.OPEN_STATUSES)


def _active_participations():
    return MatchParticipant.objects.filter(left_on__isnull=True, match__end_date__isnull=True)


def in_guidance(pupil: Pupil) -> bool:
    """A referral still open (submitted, intake, waitlist, matched) or a match still running."""
    return (
        _open_referrals().filter(pupil=pupil).exists()
        or _active_participations().filter(pupil=pupil).exists()
    )


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


def _referral_end(status: str, changed_at, updated_at) -> dt.date | None:
    if status in Referral.CLOSED_STATUSES:
        return _local_date(changed_at or updated_at)
    if status == Referral.Status.DRAFT:
        return _local_date(updated_at)  # a draft counts from its last change
    return None  # open


def _ended_on(pupils: list[Pupil], among=None) -> dict[int, dt.date | None]:
    """The day the guidance of each pupil ended: the latest end of any referral or match.

    None where a referral or match has no end yet. A pupil never referred nor
    matched counts from the record's last change. Two queries; ``among`` (a
    QuerySet of the same pupils) keeps them free of long lists of ids.
    """
    ends: dict[int, list[dt.date | None]] = {p.pk: [] for p in pupils}
    among = among if among is not None else [p.pk for p in pupils]
    for pupil_id, status, changed_at, updated_at in Referral.objects.filter(
        pupil__in=among
    ).values_list("pupil_id", "status", "status_changed_at", "updated_at"):
        if pupil_id in ends:
            ends[pupil_id].append(_referral_end(status, changed_at, updated_at))
    for pupil_id, left_on, match_end in MatchParticipant.objects.filter(
        pupil__in=among
    ).values_list("pupil_id", "left_on", "match__end_date"):
        if pupil_id in ends:
            ends[pupil_id].append(left_on or match_end)
    result = {}
    for pupil in pupils:
        days = ends[pupil.pk]
        if not days:
            result[pupil.pk] = _local_date(pupil.updated_at)
        elif None in days:
            result[pupil.pk] = None
        else:
            result[pupil.pk] = max(days)
    return result


def _not_in_guidance():
    return (
        Pupil.objects.filter(anonymised_at__isnull=True)
        .exclude(Exists(_open_referrals().filter(pupil=OuterRef("pk"))))
        .exclude(Exists(_active_participations().filter(pupil=OuterRef("pk"))))
    )


def pupil_guidance_ended_on(pupil: Pupil) -> dt.date | None:
    """When the pupil's guidance ended; None while it goes on."""
    if in_guidance(pupil):
        return None
    return _ended_on([pupil])[pupil.pk]


def pupils_due(*, today: dt.date | None = None) -> list[Pupil]:
    """Pupils not in guidance whose guidance ended ``PUPIL_RETENTION_MONTHS`` ago or more.

    Three queries, whatever the number of pupils.
    """
    today = today or timezone.localdate()
    months = pupil_retention_months()
    candidates = list(_not_in_guidance().order_by("pk"))
    ended = _ended_on(candidates, among=_not_in_guidance())
    return [p for p in candidates if is_due(ended[p.pk], months=months, today=today)]


# --- the erasure ----------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")}, code="required")
    return reason


def _erase_texts(pupil: Pupil) -> None:
    referrals = Referral.objects.filter(pupil=pupil)
    referrals.update(source_detail="", support_what="", support_why="", support_tried="")
    for field in ("consent_given_by", "outcome_reason"):
        referrals.exclude(**{field: ""}).update(**{field: ANONYMISED})
    ReferralStatusChange.objects.filter(referral__pupil=pupil).update(reason="")
    PriorityChange.objects.filter(referral__pupil=pupil).update(reason=ANONYMISED)
    TripartiteMeeting.objects.filter(referral__pupil=pupil).update(
        agreements="", parent_conditions=""
    )
    Goal.objects.filter(plan__referral__pupil=pupil).update(description=ANONYMISED, responsible="")
    Evaluation.objects.filter(referral__pupil=pupil).update(summary="")
    GoalEvaluation.objects.filter(evaluation__referral__pupil=pupil).update(note="")
    LearnerProfile.objects.filter(pupil=pupil).update(phone="", email="", language_school="")
    DropOutSignal.objects.filter(referral__pupil=pupil).update(reason=ANONYMISED)
    CoachCheckIn.objects.filter(match__participants__pupil=pupil).update(note="")

    # Notes of the pupil's matches: while the pupil was in them.
    moments = Q(pupil=pupil)
    ended_with_pupil = []
    for match_id, joined_on, left_on, match_end in MatchParticipant.objects.filter(
        pupil=pupil
    ).values_list("match_id", "joined_on", "left_on", "match__end_date"):
        window = Q(match_id=match_id, date__gte=joined_on)
        until = left_on or match_end
        moments |= window & Q(date__lte=until) if until else window
        if match_end is not None and (left_on is None or left_on >= match_end):
            ended_with_pupil.append(match_id)
    ContactMoment.objects.filter(moments).exclude(note="").update(note="")
    Match.objects.filter(pk__in=ended_with_pupil).exclude(end_note="").update(end_note="")


def _erase_admin_log(pupil: Pupil, guardian_ids: list[int]) -> None:
    for model, ids in ((Pupil, [pupil.pk]), (Guardian, guardian_ids)):
        if ids:
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in ids],
            ).update(object_repr=ANONYMISED)


@transaction.atomic
def pupil_anonymise(*, pupil: Pupil, by=None, reason: str) -> bool:
    """Erase the personal data of ``pupil`` and their guardians; keep the facts.

    ``by`` is the project leader who erases on request (they must lead the
    pupil's initiative), or None for the nightly retention job. A reason is
    required. Refused while the pupil is in guidance (an open referral or a
    running match): end that first. Returns True when the pupil was
    anonymised now, False when they already were (nothing changes).
    """
    reason = _clean_reason(reason)
    if by is not None and not scope_for(by).leads(pupil.initiative_id):
        raise PermissionDenied(_("Only the initiative's project leaders may erase a pupil's data."))
    locked = Pupil.objects.select_for_update().get(pk=pupil.pk)
    if locked.anonymised_at is not None:
        pupil.refresh_from_db()
        return False
    if in_guidance(locked):
        raise ValidationError(
            _(
                "The guidance of this pupil has not ended: a referral is still open or a "
                "match still runs. End the match and close or withdraw the referral first."
            ),
            code="in_guidance",
        )

    guardian_ids = list(Guardian.objects.filter(pupil=locked).values_list("pk", flat=True))
    Guardian.objects.filter(pk__in=guardian_ids).update(
        name=ANONYMISED, phone="", email="", language="", interpreter_needed=False
    )
    PupilAvailability.objects.filter(pupil=locked).delete()
    _erase_texts(locked)
    _erase_admin_log(locked, guardian_ids)

    locked.first_name = ANONYMISED
    locked.last_name = ""
    locked.date_of_birth = dt.date(locked.date_of_birth.year, 1, 1)
    locked.postcode = ""
    locked.home_languages = []
    locked.needs = ""
    locked.anonymised_at = timezone.now()
    locked.save(
        update_fields=[
            "first_name",
            "last_name",
            "date_of_birth",
            "postcode",
            "home_languages",
            "needs",
            "anonymised_at",
            "updated_at",
        ]
    )
    records = [(processing.PUPIL, locked.pk)] + [(processing.GUARDIAN, pk) for pk in guardian_ids]
    for record_type, record_id in records:
        processing.record_processing(
            user=by,
            action=processing.ERASE if by is not None else processing.ANONYMISE,
            record_type=record_type,
            record_id=record_id,
            purpose=processing.PURPOSE_DATA_SUBJECT_REQUEST
            if by is not None
            else processing.PURPOSE_RETENTION,
            reason=reason,
        )
    pupil.refresh_from_db()
    return True
