"""Anonymising a volunteer: when it is due, and the erasure itself.

The field-by-field list is in the package docstring (``initiatives.privacy``)
and in ``fields.py`` (ERASED, KEPT, DELETED).
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Membership, Role, User
from accounts.scope import forget_scope, scope_for
from core import processing
from core.retention import ANONYMISED, is_due, volunteer_retention_months

from ..models import Availability, Volunteer, VolunteerStatusChange
from ..selectors import volunteer_for_leader

# Rows of other apps that belong to an account and are deleted with it.
_ACCOUNT_ROWS = (
    ("account", "EmailAddress"),
    ("mfa", "Authenticator"),
    ("socialaccount", "SocialAccount"),
)


def led_volunteer(*, user, pk: int) -> Volunteer:
    """A volunteer of an initiative the user leads (an administrator: any); else 404."""
    return volunteer_for_leader(user=user, pk=pk)


def _active_matches():
    from referrals.models import Match

    return Match.objects.filter(end_date__isnull=True)


def volunteers_due(*, today: dt.date | None = None) -> list[Volunteer]:
    """Stopped volunteers without an active match, VOLUNTEER_RETENTION_MONTHS after their end."""
    today = today or timezone.localdate()
    months = volunteer_retention_months()
    candidates = (
        Volunteer.objects.filter(
            anonymised_at__isnull=True, status=Volunteer.Status.STOPPED, end_date__isnull=False
        )
        .exclude(Exists(_active_matches().filter(volunteer=OuterRef("pk"))))
        .order_by("pk")
    )
    return [v for v in candidates if is_due(v.end_date, months=months, today=today)]


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")}, code="required")
    return reason


def _replace_admin_log(model, pk: int) -> None:
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=str(pk)
    ).update(object_repr=ANONYMISED)


def _erase_account(volunteer: Volunteer) -> None:
    """Deactivate and scrub the volunteer's account, unless it still serves another role."""
    user = volunteer.user
    if user is None:
        return
    Membership.objects.filter(
        user=user, role=Role.VOLUNTEER, initiative_id=volunteer.initiative_id
    ).delete()
    forget_scope(user)
    if user.is_staff or user.is_superuser or Membership.objects.filter(user=user).exists():
        return  # someone who works on in another role keeps their account
    user.email = f"anoniem-{user.pk}@geanonimiseerd.invalid"
    user.first_name = ANONYMISED
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])
    ApiToken.objects.filter(user=user).delete()
    for app_label, model_name in _ACCOUNT_ROWS:
        if apps.is_installed(f"allauth.{app_label}"):
            apps.get_model(app_label, model_name).objects.filter(user=user).delete()
    _replace_admin_log(User, user.pk)


@transaction.atomic
def volunteer_anonymise(*, volunteer: Volunteer, by=None, reason: str) -> bool:
    """Erase the personal data of ``volunteer``; keep the facts the indicators count.

    ``by`` is the project leader who erases on request (they must lead the
    volunteer's initiative), or None for the nightly retention job. A reason
    is required. Only a volunteer who stopped, without an active match:
    stop them first. Returns True when the volunteer was anonymised now,
    False when they already were (nothing changes).
    """
    from referrals.models import Match

    reason = _clean_reason(reason)
    if by is not None and not scope_for(by).leads(volunteer.initiative_id):
        raise PermissionDenied(
            _("Only the initiative's project leaders may erase a volunteer's data.")
        )
    locked = (
        Volunteer.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=volunteer.pk)
    )
    if locked.anonymised_at is not None:
        volunteer.refresh_from_db()
        return False
    if locked.status != Volunteer.Status.STOPPED:
        raise ValidationError(
            _("Only the data of a volunteer who stopped can be erased: stop the volunteer first."),
            code="not_stopped",
        )
    if _active_matches().filter(volunteer=locked).exists():
        raise ValidationError(
            _("The volunteer still has active matches: end them or hand them over first."),
            code="in_guidance",
        )

    Availability.objects.filter(volunteer=locked).delete()
    VolunteerStatusChange.objects.filter(volunteer=locked).exclude(reason="").update(reason="")
    Match.objects.filter(volunteer=locked).exclude(end_note="").update(end_note="")
    _erase_account(locked)
    _replace_admin_log(Volunteer, locked.pk)

    locked.user = None
    locked.first_name = ANONYMISED
    locked.last_name = ""
    locked.email = ""
    locked.phone = ""
    locked.postcode = ""
    locked.date_of_birth = None
    locked.languages = []
    locked.intake_notes = ""
    locked.stop_reason = ""
    locked.anonymised_at = timezone.now()
    locked.save(
        update_fields=[
            "user",
            "first_name",
            "last_name",
            "email",
            "phone",
            "postcode",
            "date_of_birth",
            "languages",
            "intake_notes",
            "stop_reason",
            "anonymised_at",
            "updated_at",
        ]
    )
    processing.record_processing(
        user=by,
        action=processing.ERASE if by is not None else processing.ANONYMISE,
        record_type=processing.VOLUNTEER,
        record_id=locked.pk,
        purpose=processing.PURPOSE_DATA_SUBJECT_REQUEST
        if by is not None
        else processing.PURPOSE_RETENTION,
        reason=reason,
    )
    volunteer.refresh_from_db()
    return True
