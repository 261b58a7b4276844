"""Adult language coaching (taalcoaching in de inburgering).

A klantmanager (client manager) of a municipality refers an adult newcomer
to a programme for adults that serves the municipality, or the person
registers through the project leader, who enters them directly; either way
the person gives their own consent (no guardians, no school, no BSN). The
project leader records signals of
imminent drop-out, which the klantmanager is told about, and check-ins with
the volunteer coach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from core.periods import school_year_start
from initiatives.models import Programme

from ..models import CoachCheckIn, DropOutSignal, LearnerProfile, Match, Referral
from .anonymised import ensure_not_anonymised
from .lifecycle import (
    CONSENT_FIELDS,
    InvalidTransitionError,
    PupilData,
    _check_programme_fits,
    _write_pupil,
    drop_in_message,
    referral_submit,
)
from .match_common import require_leader

S = Referral.Status

# Who brings an adult to the project leader: the person themselves, a
# neighbourhood team or someone else. Schools refer pupils, and a
# klantmanager refers through their own page (``adult_referral_save``).
ADULT_SOURCES = (Referral.Source.SELF, Referral.Source.WIJKTEAM, Referral.Source.OTHER)


@dataclass
class LearnerData:
    learning_route: str
    level_goal: str = ""
    language_school: str = ""
    has_coach: bool = False
    phone: str = ""
    email: str = ""


def adult_programmes(*, municipality_ids):
    """Active programmes for adults that serve one of these municipalities.

    Not a drop-in language café: it counts visitors, nobody is referred to it by name.
    """
    return (
        Programme.objects.filter(
            is_active=True,
            audience=Programme.Audience.ADULTS,
            municipalities__in=list(municipality_ids),
        )
        .exclude(format=Programme.Format.DROP_IN)
        .distinct()
        .select_related("initiative")
        .order_by("initiative__name", "name")
    )


def led_adult_programmes(*, user):
    """Active programmes for adults of the initiatives the user leads, to register a person.

    Not a drop-in language café: it counts visitors, nobody is registered for it by name.
    """
    return (
        Programme.objects.managed_by(user)
        .filter(is_active=True, audience=Programme.Audience.ADULTS)
        .exclude(format=Programme.Format.DROP_IN)
        .select_related("initiative")
        .order_by("initiative__name", "name")
    )


def is_own_client_manager_referral(user, referral: Referral) -> bool:
    """Referred by this user, who is still a client manager of its municipality."""
    scope = scope_for(user)
    if referral.referred_by_id != scope.user_id or scope.user_id is None:
        return False
    profile = LearnerProfile.objects.filter(pupil_id=referral.pupil_id).first()
    return profile is not None and profile.municipality_id in scope.client_manager_municipality_ids


def _write_profile(pupil, data: LearnerData, *, municipality) -> LearnerProfile:
    profile = LearnerProfile.objects.filter(pupil=pupil).first() or LearnerProfile(pupil=pupil)
    profile.municipality = municipality
    profile.learning_route = data.learning_route
    profile.level_goal = data.level_goal
    profile.language_school = data.language_school.strip()
    profile.has_coach = data.has_coach
    profile.phone = data.phone.strip()
    profile.email = data.email.strip()
    profile.full_clean(exclude=["pupil", "municipality"])
    profile.save()
    return profile


def _check_adult_consent(referral: Referral) -> None:
    missing = {
        field: _("The person's own consent is required before the referral can be submitted.")
        for field in CONSENT_FIELDS
        if not getattr(referral, field)
    }
    if missing:
        raise ValidationError(missing, code="consent_required")


@transaction.atomic
def adult_referral_save(
    *,
    user,
    municipality,
    programme: Programme,
    pupil: PupilData,
    learner: LearnerData,
    support_what: str = "",
    consent_given_by: str = "",
    consent_date: dt.date | None = None,
    consent_method: str = "",
    submit: bool = False,
    referral: Referral | None = None,
) -> Referral:
    """Save a klantmanager's referral of an adult as a draft and, if asked, submit it."""
    scope = scope_for(user)
    if municipality.pk not in scope.client_manager_municipality_ids:
        raise PermissionDenied(_("You can only refer people for your own municipality."))
    if referral is not None:
        ensure_not_anonymised(pupils=[referral.pupil_id])
        if not is_own_client_manager_referral(user, referral):
            raise PermissionDenied(_("You can only change your own referrals."))
        if referral.status != S.DRAFT:
            raise InvalidTransitionError(referral.status, S.DRAFT)
    if programme.format == Programme.Format.DROP_IN:
        raise ValidationError({"programme": drop_in_message()}, code="drop_in")
    if not adult_programmes(municipality_ids=[municipality.pk]).filter(pk=programme.pk).exists():
        raise ValidationError(
            {"programme": _("This programme does not take adults from your municipality.")}
        )
    today = timezone.localdate()
    _check_programme_fits(
        programme, school=None, pupil=pupil, today=today, audience=Programme.Audience.ADULTS
    )
    if consent_date and consent_date > today:
        raise ValidationError({"consent_date": _("The consent date cannot be in the future.")})
    record = _write_pupil(
        referral.pupil if referral else None, pupil, initiative=programme.initiative, school=None
    )
    _write_profile(record, learner, municipality=municipality)
    referral = referral or Referral(pupil=record, referred_by=user, status=S.DRAFT)
    referral.pupil = record
    referral.programme = programme
    referral.source = Referral.Source.CLIENT_MANAGER
    referral.referring_school = None
    referral.school_year = school_year_start(today)
    referral.support_what = support_what
    referral.consent_given_by = consent_given_by.strip()
    referral.consent_date = consent_date
    referral.consent_method = consent_method
    referral.save()
    if submit:
        referral = adult_referral_submit(referral=referral, user=user)
    return referral


def adult_referral_submit(
    *, referral: Referral, user, expected_version: int | None = None
) -> Referral:
    """Submit a klantmanager's draft: the person's own consent must be recorded."""
    _check_adult_consent(referral)
    return referral_submit(referral=referral, user=user, expected_version=expected_version)


@transaction.atomic
def adult_referral_create_by_project_leader(
    *,
    user,
    programme: Programme,
    municipality,
    source: str,
    pupil: PupilData,
    learner: LearnerData,
    source_detail: str = "",
    support_what: str = "",
    consent_given_by: str = "",
    consent_date: dt.date | None = None,
    consent_method: str = "",
) -> Referral:
    """An adult who registered with the initiative (or was sent by a neighbourhood team, ...).

    The project leader enters the person, their learner details and their own
    consent; the referral is submitted at once, as
    ``referral_create_by_project_leader`` does for a pupil. No school, no
    guardians.
    """
    scope = scope_for(user)
    if not scope.leads(programme.initiative_id):
        raise PermissionDenied(_("You can only enter referrals for your own initiative."))
    today = timezone.localdate()
    _check_programme_fits(
        programme, school=None, pupil=pupil, today=today, audience=Programme.Audience.ADULTS
    )
    errors = {}
    if source not in ADULT_SOURCES:
        errors["source"] = _(
            "An adult registers themselves or is sent by a neighbourhood team or someone "
            "else; a client manager refers through their own page."
        )
    if not programme.municipalities.filter(pk=municipality.pk).exists():
        errors["municipality"] = _("This programme does not serve this municipality.")
    if consent_date and consent_date > today:
        errors["consent_date"] = _("The consent date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        programme=programme,
        source=source,
        source_detail=source_detail.strip(),
        referring_school=None,
        referred_by=user,
        school_year=school_year_start(today),
        support_what=support_what,
        consent_given_by=consent_given_by.strip(),
        consent_date=consent_date,
        consent_method=consent_method,
        status=S.DRAFT,
    )
    _check_adult_consent(referral)
    record = _write_pupil(None, pupil, initiative=programme.initiative, school=None)
    _write_profile(record, learner, municipality=municipality)
    referral.pupil = record
    referral.save()
    return referral_submit(referral=referral, user=user)


@transaction.atomic
def learner_profile_record(
    *, user, referral: Referral, learner: LearnerData, municipality
) -> LearnerProfile:
    """The project leader records an adult's learner details (direct registration)."""
    require_leader(user, referral.programme.initiative_id)
    ensure_not_anonymised(pupils=[referral.pupil_id])
    return _write_profile(referral.pupil, learner, municipality=municipality)


def _match_of(referral: Referral) -> Match | None:
    return (
        Match.objects.filter(participants__referral=referral).order_by("-start_date", "-pk").first()
    )


@transaction.atomic
def drop_out_signal_record(
    *, user, referral: Referral, reason: str, signalled_on: dt.date
) -> DropOutSignal:
    """Record a signal of imminent drop-out; the klantmanager is emailed after commit."""
    require_leader(user, referral.programme.initiative_id)
    ensure_not_anonymised(pupils=[referral.pupil_id])
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Give a reason.")
    if signalled_on > timezone.localdate():
        errors["signalled_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    signal = DropOutSignal.objects.create(
        referral=referral,
        match=_match_of(referral),
        reason=reason.strip(),
        signalled_on=signalled_on,
        recorded_by=user,
    )
    from ..tasks import send_drop_out_signal_email

    transaction.on_commit(lambda: send_drop_out_signal_email.delay(signal.pk))
    return signal


@transaction.atomic
def coach_check_in_record(*, user, match: Match, held_on: dt.date, note: str = "") -> CoachCheckIn:
    """Record a check-in of the coordinator with the coach of an adult match."""
    require_leader(user, match.programme.initiative_id)
    if match.programme.audience != Programme.Audience.ADULTS:
        raise ValidationError(_("Check-ins with the coach are for programmes for adults."))
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The date cannot be in the future.")})
    return CoachCheckIn.objects.create(
        match=match, held_on=held_on, note=(note or "").strip()[:500], recorded_by=user
    )


def client_manager_overview(*, user) -> dict:
    """For the klantmanager's home page: how many of their referrals are open, closed, drafts.

    A read, kept here with the rest of the adult journey (one query).
    """
    from django.db.models import Count, Q

    counts = (
        Referral.objects.visible_to(user)
        .filter(referred_by=user, source=Referral.Source.CLIENT_MANAGER)
        .aggregate(
            open=Count("pk", filter=Q(status__in=Referral.OPEN_STATUSES)),
            drafts=Count("pk", filter=Q(status=S.DRAFT)),
            total=Count("pk"),
        )
    )
    return counts
