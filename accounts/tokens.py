"""Personal API tokens: creation, revocation and authentication.

The secret is shown once, when the token is made; the database keeps only
its SHA-256 hash (a random 256-bit secret needs no slow password hash), so a
leaked database yields no usable token. A token acts as its user, narrowed to
the membership it was made for, and never reaches further than the user's
own scope at the moment of each request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .mfa import mfa_setup_needed
from .models import ApiToken, Membership, User
from .scope import Scope, scope_for

SECRET_PREFIX = "al_"
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_TOKENS_PER_USER = 20


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    membership: Membership | None = None,
    read_only: bool = False,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns it with the secret, which is not stored."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, so you recognise it later.")
    elif len(name) > 100:
        errors["name"] = _("A token's name has at most 100 characters.")
    if membership is not None and membership.user_id != user.pk:
        raise PermissionDenied(_("A token can only carry one of your own roles."))
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry date must lie in the future.")
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if active >= MAX_TOKENS_PER_USER:
        errors["name"] = _("You have %(count)d active tokens; revoke one first.") % {
            "count": active
        }
    if errors:
        raise ValidationError(errors)
    random_part = secrets.token_urlsafe(32)
    secret = f"{SECRET_PREFIX}{random_part}"
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(SECRET_PREFIX) + 6],
        key_hash=_hash(secret),
        membership=membership,
        read_only=read_only,
        expires_at=expires_at,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """Revoke one of the user's own tokens; revoking twice changes nothing."""
    if token.user_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_scope(token: ApiToken) -> Scope:
    """The user's scope, narrowed to the token's membership when it has one."""
    full = scope_for(token.user)
    if token.membership_id is None:
        return full
    membership = token.membership
    if membership.ended_at is not None and membership.ended_at <= timezone.now():
        # the user left the organisation the token was made for: nothing
        return Scope(user_id=token.user_id)
    org_id = membership.initiative_id or membership.school_id or membership.municipality_id
    ids = frozenset({org_id})
    empty: frozenset[int] = frozenset()
    return Scope(
        # a token for one role is that role only, even for an administrator
        is_superuser=False,
        led_initiative_ids=ids if membership.role == "project_leader" else empty,
        volunteer_initiative_ids=ids if membership.role == "volunteer" else empty,
        school_ids=ids if membership.role == "school_referrer" else empty,
        municipality_ids=ids if membership.role == "municipal_official" else empty,
        privacy_initiative_ids=ids if membership.role == "privacy_officer" else empty,
        client_manager_municipality_ids=ids if membership.role == "client_manager" else empty,
        user_id=token.user_id,
    )


def authenticate_secret(secret: str) -> ApiToken | None:
    """The live token for this secret, or None."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "membership")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer al_…`` (``Token al_…`` is accepted too)."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Give the token after the word Bearer, without spaces in it.")
            )
        try:
            secret = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = authenticate_secret(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("This token is not valid: unknown, expired or revoked.")
            )
        user = token.user
        if mfa_setup_needed(user):
            # A token made before the user got a role that requires a second
            # factor (or before MFA was required) must not get around the setup.
            from audit.services import note_refusal

            note_refusal(request, user=user)
            raise exceptions.PermissionDenied(
                _(
                    "Two-step verification is required for your account and you have not "
                    "set it up yet. Set it up on the site first (Two-step verification, at "
                    "the top of every page); until then your API tokens give no access."
                ),
                code="mfa_required",
            )
        # every visible_to(user) in this request starts from the narrowed scope
        user._scope_cache = token_scope(token)
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
