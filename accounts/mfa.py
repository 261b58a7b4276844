"""Two-step verification (MFA) for everyone who sees personal data.

allauth's MFA app does the work: authenticator apps (TOTP), security keys
(WebAuthn) and recovery codes, and asking for the second factor at login
once a user has one. This module adds the rule of this platform: project
leaders, volunteers and school referrers see personal data of pupils,
guardians or volunteers, and administrators can see everything, so they must
have a second factor. A user who must but has none is sent to the setup page
before any other page, by ``MfaRequiredMiddleware``.

Municipal officials see aggregates only: for them MFA is offered, not
required. ``settings.MFA_REQUIRED`` switches the rule off for the local demo
(see the README); production refuses to start without it.
"""

from __future__ import annotations

import logging

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer

from .models import Role
from .scope import scope_for

logger = logging.getLogger("accounts.security")

# Roles that see personal data of pupils, guardians or volunteers.
PERSONAL_DATA_ROLES = frozenset(
    {
        Role.PROJECT_LEADER,
        Role.VOLUNTEER,
        Role.SCHOOL_REFERRER,
        Role.PRIVACY_OFFICER,
        Role.CLIENT_MANAGER,
    }
)
# What counts as a second factor; recovery codes only stand in for one.
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def mfa_required(user) -> bool:
    """Whether this user's roles require a second factor (personal data or administration)."""
    if not settings.MFA_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(scope_for(user).roles & PERSONAL_DATA_ROLES)


def has_second_factor(user) -> bool:
    return is_mfa_enabled(user, SECOND_FACTORS)


def mfa_setup_needed(user) -> bool:
    """A user who must have a second factor but has none yet."""
    return mfa_required(user) and not has_second_factor(user)


@transaction.atomic
def mfa_reset(*, user, reset_by) -> int:
    """Remove all of ``user``'s second factors and recovery codes (lost phone).

    Only an administrator with full rights may: whoever resets it can set up
    a new one with the password alone. Returns the number removed.
    """
    if not reset_by.is_superuser:
        raise PermissionDenied
    removed, _by_type = Authenticator.objects.filter(user=user).delete()
    logger.warning(
        "Two-step verification reset: user_id=%s by_user_id=%s removed=%s",
        user.pk,
        reset_by.pk,
        removed,
    )
    return removed


def _reachable_paths() -> tuple[str, ...]:
    """Path prefixes a user without the required second factor may still open."""
    return (
        reverse("mfa_index"),  # /accounts/2fa/...: setup, security keys, recovery codes
        reverse("account_reauthenticate"),  # setting up asks for the password again
        reverse("account_logout"),
        reverse("set_language"),
        reverse("privacy"),
        reverse("health"),
        settings.STATIC_URL,
    )


def _explanation() -> str:
    return _(
        "Your account gives access to personal data of pupils, parents or volunteers, "
        "or to the administration of the platform. Such an account must be protected "
        "with two-step verification: besides your password, a code from an app on "
        "your phone or a security key. Set it up first; it takes a minute."
    )


def _api_refusal(request) -> HttpResponse:
    from core.api.errors import problem

    response = problem(
        403,
        _(
            "Two-step verification is required for your account. Set it up on the "
            "site before you use the API with this session."
        ),
        code="mfa_required",
        request=request,
    )
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    return response.render()


class MfaRequiredMiddleware:
    """Send a user who must have a second factor but has none to its setup page.

    Only the setup pages (and what they need: reauthentication, logout, the
    language switch, static files, the health check and the privacy
    statement) stay reachable. API requests by session get 403 problem
    details, whatever else they send. Requests with a personal API token
    have no session user here; ``accounts.tokens.ApiTokenAuthentication``
    refuses them with the same 403 while the token's user has no second
    factor (a token may predate the role that requires one).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_reachable_paths())
            and mfa_setup_needed(user)
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request) -> HttpResponse:
        if request.path.startswith("/api/"):
            return _api_refusal(request)
        setup_url = reverse("mfa_activate_totp")
        messages.warning(request, _explanation())
        if getattr(request, "htmx", False):
            # htmx would put the whole setup page inside a fragment; reload instead.
            return HttpResponse(status=204, headers={"HX-Redirect": setup_url})
        return HttpResponseRedirect(setup_url)
