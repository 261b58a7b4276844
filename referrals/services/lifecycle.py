"""The referral's life cycle: draft, submission, intake decisions, withdrawal.

Status moves only along ``TRANSITIONS``. Every change is one conditional
UPDATE on (pk, version, status): when two people act on the same referral at
once, exactly one wins and the other gets ``ConcurrentChangeError``. Each
change writes a ``ReferralStatusChange`` (who, when, why) and, after commit,
queues the email to the school referrer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from core.periods import school_year_start
from initiatives.models import Programme, ProgrammePlaces

from ..models import Guardian, Pupil, Referral, ReferralStatusChange
from .anonymised import ensure_not_anonymised

S = Referral.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.INTAKE, S.DECLINED, S.WITHDRAWN}),
    S.INTAKE: frozenset({S.WAITING, S.DECLINED, S.WITHDRAWN}),
    S.WAITING: frozenset({S.MATCHED, S.WITHDRAWN, S.STOPPED_EARLY}),
    # back to waiting when a match ends and the pupil waits for a new volunteer
    S.MATCHED: frozenset({S.COMPLETED, S.STOPPED_EARLY, S.WAITING}),
}
REASON_REQUIRED = frozenset({S.DECLINED, S.WITHDRAWN, S.STOPPED_EARLY})
# Transitions a school referrer may make on their school's referrals.
REFERRER_TRANSITIONS = frozenset({S.SUBMITTED, S.WITHDRAWN})


class InvalidTransitionError(ValidationError):
    def __init__(self, from_status: str, to_status: str):
        super().__init__(
            _("A referral with status “%(from)s” cannot become “%(to)s”.")
            % {"from": S(from_status).label, "to": S(to_status).label},
            code="invalid_transition",
        )


class ConcurrentChangeError(ValidationError):
    def __init__(self):
        super().__init__(
            _(
                "Someone else changed this referral just now. "
                "Reload the page to see the current status, then try again."
            ),
            code="concurrent_change",
        )


def claim_version(referral: Referral, expected_version: int | None) -> None:
    """Bump the referral's version if it is still ``expected_version``.

    For changes other than a status change (meeting, outcome, priority) made
    from a form that carried the version: of two people acting on the same
    stale page, the first wins and the second gets ``ConcurrentChangeError``.
    ``None`` means the caller does not check.
    """
    if expected_version is None:
        return
    changed = Referral.objects.filter(pk=referral.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not changed:
        raise ConcurrentChangeError()
    referral.version = expected_version + 1


def _may_act(user, referral: Referral, to_status: str) -> bool:
    scope = scope_for(user)
    if scope.leads(referral.programme.initiative_id):
        return True
    if to_status in REFERRER_TRANSITIONS and referral.source == Referral.Source.CLIENT_MANAGER:
        from .adults import is_own_client_manager_referral

        return is_own_client_manager_referral(user, referral)
    return to_status in REFERRER_TRANSITIONS and referral.referring_school_id in scope.school_ids


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    to_status: str,
    user,
    reason: str = "",
    expected_version: int | None = None,
) -> Referral:
    """Move a referral to ``to_status`` if allowed, recording who, when and why."""
    ensure_not_anonymised(pupils=[referral.pupil_id])
    from_status = referral.status
    if expected_version is not None and expected_version != referral.version:
        # The page was stale: say so, rather than "cannot become" about a
        # status the user never saw.
        raise ConcurrentChangeError()
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        raise InvalidTransitionError(from_status, to_status)
    if not _may_act(user, referral, to_status):
        raise PermissionDenied(_("You may not change the status of this referral."))
    reason = (reason or "").strip()
    if to_status in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Give a reason.")}, code="required")

    now = timezone.now()
    updates: dict[str, Any] = {
        "status": to_status,
        "status_changed_at": now,
        "version": F("version") + 1,
        "updated_at": now,
    }
    if to_status == S.SUBMITTED:
        updates["submitted_at"] = now
    if to_status == S.WAITING:
        updates["waiting_since"] = now
        updates["last_waitlist_reminder_at"] = None
    if to_status in REASON_REQUIRED:
        updates["outcome_reason"] = reason
    version = referral.version if expected_version is None else expected_version
    changed = Referral.objects.filter(pk=referral.pk, version=version, status=from_status).update(
        **updates
    )
    if not changed:
        raise ConcurrentChangeError()

    change = ReferralStatusChange.objects.create(
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changed_by=user,
        changed_at=now,
    )
    referral.refresh_from_db()
    _notify_referrer_after_commit(change)
    return referral


def _notify_referrer_after_commit(change: ReferralStatusChange) -> None:
    from .notifications import queue_status_email

    change_id = change.pk
    # Never raises: with the queue down the change stays, and the sweep
    # (notifications.resend_unsent_status_emails) sends the email later.
    transaction.on_commit(lambda: queue_status_email(change_id))


# --- drafts and submission ------------------------------------------------


@dataclass
class PupilData:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    grade: int | None = None
    neighbourhood_id: int | None = None
    postcode: str = ""
    home_languages: list[str] | None = None
    needs: str = ""


@dataclass
class GuardianData:
    name: str
    phone: str = ""
    email: str = ""
    language: str = ""
    interpreter_needed: bool = False
    relationship: str = ""


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


def drop_in_message() -> str:
    """Why nobody is referred by name to a drop-in language café (headcounts only)."""
    return _(
        "A language café (drop-in) records only the number of visitors per session, "
        "no names: nobody can be referred to it. Choose another programme."
    )


def _check_programme_fits(
    programme: Programme,
    *,
    school,
    pupil: PupilData,
    today: dt.date,
    audience: str = Programme.Audience.PUPILS,
):
    """The programme takes this person: their audience, format, school, age and school year."""
    errors: dict[str, str] = {}
    if programme.audience != audience:
        errors["programme"] = (
            _("This programme is for adults, not for pupils.")
            if programme.audience == Programme.Audience.ADULTS
            else _("This programme is for pupils, not for adults.")
        )
    if programme.format == Programme.Format.DROP_IN:
        errors.setdefault("programme", drop_in_message())
    if (
        school is not None
        and not Programme.objects.serving_school(school).filter(pk=programme.pk).exists()
    ):
        errors.setdefault("programme", _("This programme does not take pupils from this school."))
    age = age_on(pupil.date_of_birth, today)
    if not programme.min_age <= age <= programme.max_age:
        errors.setdefault(
            "programme",
            _("This programme is for pupils aged %(min)s to %(max)s; this pupil is %(age)s.")
            % {"min": programme.min_age, "max": programme.max_age, "age": age},
        )
    if pupil.grade is not None and not programme.min_grade <= pupil.grade <= programme.max_grade:
        errors.setdefault("programme", _("This programme does not serve this school year."))
    if pupil.date_of_birth > today:
        errors["date_of_birth"] = _("The date of birth cannot be in the future.")
    if errors:
        raise ValidationError(errors)


def _write_pupil(pupil: Pupil | None, data: PupilData, *, initiative, school) -> Pupil:
    pupil = pupil or Pupil(initiative=initiative)
    pupil.initiative = initiative
    pupil.school = school
    pupil.first_name = data.first_name.strip()
    pupil.last_name = data.last_name.strip()
    pupil.date_of_birth = data.date_of_birth
    pupil.grade = data.grade
    pupil.neighbourhood_id = data.neighbourhood_id
    pupil.postcode = data.postcode.strip().upper()
    pupil.home_languages = data.home_languages or []
    pupil.needs = data.needs
    pupil.full_clean(exclude=["initiative", "school", "neighbourhood"])
    pupil.save()
    return pupil


def _write_guardians(pupil: Pupil, guardians: list[GuardianData]) -> None:
    pupil.guardians.all().delete()
    Guardian.objects.bulk_create(
        [
            Guardian(
                pupil=pupil,
                name=g.name.strip(),
                phone=g.phone.strip(),
                email=g.email.strip(),
                language=g.language.strip(),
                interpreter_needed=g.interpreter_needed,
                relationship=g.relationship,
            )
            for g in guardians
            if g.name.strip()
        ]
    )


CONSENT_FIELDS = ("consent_given_by", "consent_date", "consent_method")


@transaction.atomic
def referral_save_draft(
    *,
    user,
    school,
    programme: Programme,
    pupil: PupilData,
    guardians: list[GuardianData],
    support_what: str = "",
    support_why: str = "",
    support_tried: str = "",
    consent_given_by: str = "",
    consent_date: dt.date | None = None,
    consent_method: str = "",
    referral: Referral | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Create or update a school's draft referral (pupil, guardians, question, consent).

    Updating a draft claims its version (``expected_version``, the one the
    form or client read; without it the version ``referral`` was loaded at)
    and bumps it: of two people saving the same draft from one version, the
    first wins and the second gets ``ConcurrentChangeError``; a submit from a
    page opened before the save is stale too.
    """
    scope = scope_for(user)
    if not (scope.is_superuser or school.pk in scope.school_ids):
        raise PermissionDenied(_("You can only refer pupils from your own school."))
    if referral is not None:
        ensure_not_anonymised(pupils=[referral.pupil_id])
        if expected_version is not None and expected_version != referral.version:
            raise ConcurrentChangeError()
        if referral.status != S.DRAFT:
            raise InvalidTransitionError(referral.status, S.DRAFT)
        claim_version(referral, referral.version)
    today = timezone.localdate()
    _check_programme_fits(programme, school=school, pupil=pupil, today=today)
    if consent_date and consent_date > today:
        raise ValidationError({"consent_date": _("The consent date cannot be in the future.")})

    record = _write_pupil(
        referral.pupil if referral else None, pupil, initiative=programme.initiative, school=school
    )
    _write_guardians(record, guardians)
    referral = referral or Referral(pupil=record, referred_by=user, status=S.DRAFT)
    referral.pupil = record
    referral.programme = programme
    referral.source = Referral.Source.SCHOOL
    referral.referring_school = school
    referral.school_year = school_year_start(today)
    referral.support_what = support_what
    referral.support_why = support_why
    referral.support_tried = support_tried
    referral.consent_given_by = consent_given_by.strip()
    referral.consent_date = consent_date
    referral.consent_method = consent_method
    referral.beyond_places = False
    referral.save()
    return referral


def _check_consent(referral: Referral) -> None:
    missing = {
        field: _("Parental consent is required before the referral can be submitted.")
        for field in CONSENT_FIELDS
        if not getattr(referral, field)
    }
    if missing:
        raise ValidationError(missing, code="consent_required")


def places_left(*, programme: Programme, school, school_year: int) -> int | None:
    """Places still free for this school in this school year; None when unlimited."""
    places = (
        ProgrammePlaces.objects.filter(programme=programme, school=school, school_year=school_year)
        .values_list("places", flat=True)
        .first()
    )
    if places is None:
        return None
    taken = (
        Referral.objects.filter(
            programme=programme,
            referring_school=school,
            school_year=school_year,
            beyond_places=False,
        )
        .exclude(status__in=[S.DRAFT, S.DECLINED, S.WITHDRAWN])
        .count()
    )
    return max(places - taken, 0)


def _mark_beyond_places(referral: Referral) -> None:
    if referral.referring_school_id is None:
        return
    # Lock the places row so two submissions for the last place are serialised.
    locked = list(
        ProgrammePlaces.objects.select_for_update().filter(
            programme_id=referral.programme_id,
            school_id=referral.referring_school_id,
            school_year=referral.school_year,
        )
    )
    if not locked:
        return
    left = places_left(
        programme=referral.programme,
        school=referral.referring_school,
        school_year=referral.school_year,
    )
    beyond = left == 0
    if beyond != referral.beyond_places:
        Referral.objects.filter(pk=referral.pk).update(beyond_places=beyond)
        referral.beyond_places = beyond


@transaction.atomic
def referral_submit(*, referral: Referral, user, expected_version: int | None = None) -> Referral:
    """Submit a draft: consent must be recorded; beyond the school's places it is marked."""
    ensure_not_anonymised(pupils=[referral.pupil_id])
    _check_consent(referral)
    _mark_beyond_places(referral)
    return referral_transition(
        referral=referral, to_status=S.SUBMITTED, user=user, expected_version=expected_version
    )


@transaction.atomic
def referral_create_by_project_leader(
    *,
    user,
    programme: Programme,
    source: str,
    pupil: PupilData,
    guardians: list[GuardianData],
    source_detail: str = "",
    school=None,
    support_what: str = "",
    support_why: str = "",
    support_tried: str = "",
    consent_given_by: str = "",
    consent_date: dt.date | None = None,
    consent_method: str = "",
) -> Referral:
    """A referral that arrived by phone or mail (parent, wijkteam, ...), entered and submitted."""
    scope = scope_for(user)
    if not scope.leads(programme.initiative_id):
        raise PermissionDenied(_("You can only enter referrals for your own initiative."))
    if programme.audience == Programme.Audience.ADULTS:
        raise ValidationError(
            {
                "programme": _(
                    "This programme is for adults. Register the person with the form for "
                    "adults (“Register an adult”)."
                )
            }
        )
    if source == Referral.Source.CLIENT_MANAGER:
        raise ValidationError(
            {
                "source": _(
                    "Client managers refer people through their own page; choose another source."
                )
            }
        )
    if source == Referral.Source.SCHOOL and school is None:
        raise ValidationError({"school": _("Choose the school that referred the pupil.")})
    today = timezone.localdate()
    _check_programme_fits(programme, school=school, pupil=pupil, today=today)
    record = _write_pupil(None, pupil, initiative=programme.initiative, school=school)
    _write_guardians(record, guardians)
    referral = Referral(
        pupil=record,
        programme=programme,
        source=source,
        source_detail=source_detail,
        referring_school=school if source == Referral.Source.SCHOOL else None,
        referred_by=user,
        school_year=school_year_start(today),
        support_what=support_what,
        support_why=support_why,
        support_tried=support_tried,
        consent_given_by=consent_given_by.strip(),
        consent_date=consent_date,
        consent_method=consent_method,
        status=S.DRAFT,
    )
    _check_consent(referral)
    referral.save()
    return referral_submit(referral=referral, user=user)


# --- decisions --------------------------------------------------------------


def referral_accept(*, referral: Referral, user, expected_version: int | None = None) -> Referral:
    return referral_transition(
        referral=referral, to_status=S.INTAKE, user=user, expected_version=expected_version
    )


def referral_decline(
    *, referral: Referral, user, reason: str, expected_version: int | None = None
) -> Referral:
    return referral_transition(
        referral=referral,
        to_status=S.DECLINED,
        user=user,
        reason=reason,
        expected_version=expected_version,
    )


def referral_withdraw(
    *, referral: Referral, user, reason: str, expected_version: int | None = None
) -> Referral:
    return referral_transition(
        referral=referral,
        to_status=S.WITHDRAWN,
        user=user,
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def referral_place_on_waitlist(
    *, referral: Referral, user, expected_version: int | None = None
) -> Referral:
    """After the driehoeksgesprek: an action plan with at least one goal is required.

    Only from the intake: a matched referral returns to the waitlist when its
    match ends (``referral_transition``), not through this step.
    """
    from ..models import ActionPlan

    ensure_not_anonymised(pupils=[referral.pupil_id])
    if referral.status != S.INTAKE:
        # Say what is wrong with the status before asking for an action plan.
        raise InvalidTransitionError(referral.status, S.WAITING)
    plan = ActionPlan.objects.filter(referral=referral).select_related("meeting").first()
    if plan is None or not plan.goals.exists():
        raise ValidationError(
            _("Record the driehoeksgesprek and an action plan with at least one goal first."),
            code="action_plan_required",
        )
    if plan.meeting and plan.meeting.parent_conditions and not plan.meeting.conditions_accepted:
        raise ValidationError(
            _("The parents have not accepted the conditions of the driehoeksgesprek."),
            code="conditions_not_accepted",
        )
    return referral_transition(
        referral=referral, to_status=S.WAITING, user=user, expected_version=expected_version
    )
