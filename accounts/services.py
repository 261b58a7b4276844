"""Writes for accounts: invitations and their acceptance.

Access is by invitation only. An invitation creates the user (with an
unusable password) if needed, adds the membership, records an
``Invitation`` row and, after the transaction commits, emails a link. For a
user who never set a password the link is allauth's own
password-reset-from-key URL, so the link is signed by Django's token
generator and stops working once the password is set or it expires
(``PASSWORD_RESET_TIMEOUT``, from ``INVITATION_VALID_DAYS``). A user who
already has a password gets a notice of the new membership instead.
"""

from __future__ import annotations

import logging

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import ROLE_ORGANISATION, Invitation, Membership, Role, User
from .scope import forget_scope, scope_for

logger = logging.getLogger(__name__)

# Roles a project leader may hand out, always within an initiative they lead.
PROJECT_LEADER_MAY_INVITE = frozenset({Role.PROJECT_LEADER, Role.VOLUNTEER})


def is_invitation_administrator(user: User) -> bool:
    """Administrators may invite anyone into any organisation."""
    return user.is_active and (
        user.is_superuser or (user.is_staff and user.has_perm("accounts.add_invitation"))
    )


def may_invite(user: User) -> bool:
    """Whether the user may invite anybody at all (administrator or project leader)."""
    if not user.is_authenticated:
        return False
    return is_invitation_administrator(user) or bool(scope_for(user).led_initiative_ids)


def _check_may_invite(*, inviter: User, role: Role, organisation: models.Model) -> None:
    if is_invitation_administrator(inviter):
        return
    scope = scope_for(inviter)
    if not scope.led_initiative_ids:
        raise PermissionDenied(_("Only administrators and project leaders can invite users."))
    if role not in PROJECT_LEADER_MAY_INVITE:
        raise PermissionDenied(
            _("A project leader can only invite project leaders and volunteers.")
        )
    if organisation.pk not in scope.led_initiative_ids:
        raise PermissionDenied(
            _("You can only invite people into an initiative you lead as project leader.")
        )


def _organisation_field(role: Role, organisation: models.Model) -> str:
    """The Membership field for this role, after checking the organisation fits it."""
    field_name = ROLE_ORGANISATION[role]
    expected = Membership._meta.get_field(field_name).related_model
    if not isinstance(organisation, expected) or organisation.pk is None:
        raise ValidationError(
            _("The organisation for the role %(role)s must be a %(kind)s.")
            % {"role": role.label.lower(), "kind": expected._meta.verbose_name},
            code="organisation_mismatch",
        )
    return field_name


def _ensure_email_address(user: User) -> None:
    """allauth's record of the login address: verified, since the invitation proves it."""
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def _record_invitation(
    *, user: User, invited_by: User | None, membership: Membership | None
) -> Invitation:
    invitation = Invitation.objects.create(user=user, invited_by=invited_by, membership=membership)
    from .tasks import send_invitation_email

    invitation_id = invitation.pk
    transaction.on_commit(lambda: send_invitation_email.delay(invitation_id))
    return invitation


@transaction.atomic
def invite_user(
    *,
    email: str,
    role: str,
    organisation: models.Model,
    invited_by: User,
    first_name: str = "",
    last_name: str = "",
) -> Invitation:
    """Give ``email`` a role in ``organisation`` and email them an invitation.

    Creates the user if the address is new. Raises ``PermissionDenied`` when
    ``invited_by`` may not invite into this organisation or role, and
    ``ValidationError`` for bad input or a membership that already exists.
    Nothing is written when either is raised.
    """
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError(_("Unknown role."), code="invalid_role") from None
    field_name = _organisation_field(role, organisation)
    _check_may_invite(inviter=invited_by, role=role, organisation=organisation)

    email = User.objects.normalize_email(email.strip()).lower()
    validate_email(email)

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=None, first_name=first_name.strip(), last_name=last_name.strip()
        )
    elif not user.is_active:
        raise ValidationError(
            _("The account of %(email)s is deactivated; an administrator can reactivate it.")
            % {"email": email},
            code="inactive",
        )
    _ensure_email_address(user)

    membership, created = Membership.objects.current().get_or_create(
        user=user, role=role, **{field_name: organisation}
    )
    if not created and user.has_usable_password():
        raise ValidationError(
            _("%(email)s is already %(role)s at %(organisation)s.")
            % {"email": email, "role": role.label.lower(), "organisation": organisation},
            code="already_member",
        )
    # Not created and no password yet: the invitation is sent again.
    forget_scope(user)
    return _record_invitation(user=user, invited_by=invited_by, membership=membership)


@transaction.atomic
def send_invitation(
    *, user: User, invited_by: User, membership: Membership | None = None
) -> Invitation:
    """(Re)send an invitation to an existing user, e.g. one made in the admin.

    Only administrators may do this: it can reach any user.
    """
    if not is_invitation_administrator(invited_by):
        raise PermissionDenied(_("Only administrators can send invitations to existing users."))
    if not user.is_active:
        raise ValidationError(
            _("The account of %(email)s is deactivated.") % {"email": user.email},
            code="inactive",
        )
    if membership is not None and membership.user_id != user.pk:
        raise ValidationError(_("That membership belongs to another user."), code="wrong_user")
    _ensure_email_address(user)
    return _record_invitation(user=user, invited_by=invited_by, membership=membership)


@transaction.atomic
def invitations_accept(*, user: User) -> int:
    """Mark the user's open invitations as accepted (called on every login)."""
    return Invitation.objects.filter(user=user, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )


def set_password_url(user: User) -> str:
    """Absolute allauth password-reset-from-key URL for the user."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL + path


def invitation_email_deliver(*, invitation: Invitation) -> bool:
    """Send the invitation email. Returns False when there was nothing to send.

    An invitation already accepted, or for a deactivated user, is not sent
    (again), so running this twice for an accepted invitation does no harm.
    Nor is one for a membership that has ended meanwhile: it would invite
    the person to a role they no longer have.
    """
    user = invitation.user
    if invitation.accepted_at is not None or not user.is_active:
        logger.info("Invitation %s not sent: accepted or user inactive", invitation.pk)
        return False
    membership = invitation.membership
    if membership is not None and membership.ended_at and membership.ended_at <= timezone.now():
        logger.info("Invitation %s not sent: the membership has ended", invitation.pk)
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "invited_by": invitation.invited_by,
            "membership": membership,
            "role": membership.get_role_display() if membership else "",
            "organisation": membership.organisation if membership else "",
            "set_password_url": "" if user.has_usable_password() else set_password_url(user),
            "login_url": settings.SITE_URL + reverse("account_login"),
            "password_reset_url": settings.SITE_URL + reverse("account_reset_password"),
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
            "site_url": settings.SITE_URL,
        }
        message = get_adapter().render_mail("account/email/invitation", user.email, context)
    message.send()
    return True


def may_end_membership(*, user: User, membership: Membership) -> bool:
    """Administrators end any membership; project leaders those of initiatives they lead."""
    if is_invitation_administrator(user):
        return True
    return (
        membership.initiative_id is not None
        and membership.initiative_id in scope_for(user).led_initiative_ids
    )


@transaction.atomic
def membership_end(*, membership: Membership, ended_by: User) -> Membership:
    """The member leaves the organisation: access ends now, pages and API tokens alike.

    The membership is kept with its end time (who had access when); the
    user's other memberships are untouched.
    """
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not may_end_membership(user=ended_by, membership=membership):
        raise PermissionDenied(_("You may not end this membership."))
    if membership.user_id == ended_by.pk and not is_invitation_administrator(ended_by):
        raise ValidationError(
            _("You cannot end your own membership; ask another project leader."),
            code="own_membership",
        )
    now = timezone.now()
    if membership.ended_at is not None and membership.ended_at <= now:
        return membership  # already ended: nothing to do
    membership.ended_at = now
    membership.save(update_fields=["ended_at"])
    forget_scope(membership.user)
    logger.info(
        "Membership %s ended by user %s", membership.pk, ended_by.pk
    )  # ids only: no personal data in logs
    return membership
