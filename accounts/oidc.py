"""Login with the organisation's identity provider (OpenID Connect), for invited users only.

The provider (typically Microsoft Entra ID of a municipality) is configured
by the ``OIDC_*`` environment variables (see config/settings/base.py). An
organisation login signs in the existing user whose address the provider
vouches for (``email_verified``, or an address in ``OIDC_VERIFIED_EMAIL_DOMAINS``);
it never creates a user. What the user then sees follows from their
memberships, exactly as after a password login.
"""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .security import email_digest

logger = logging.getLogger("accounts.security")


class InviteOnlySocialAccountAdapter(DefaultSocialAccountAdapter):
    """Organisation logins for invited users; no sign-up, no linking of other identities."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        # allauth has looked the user up: by an identity linked before, else
        # by an address the provider verified (SOCIALACCOUNT_EMAIL_AUTHENTICATION).
        if sociallogin.is_existing:
            return
        addresses = [address.email for address in sociallogin.email_addresses]
        logger.info(
            "Organisation login refused, no account: provider=%s email_hash=%s",
            sociallogin.account.provider,
            email_digest(addresses[0]) if addresses else "-",
        )
        messages.error(
            request,
            _(
                "You could not log in with %(organisation)s: there is no account on this "
                "platform for the email address that %(organisation)s passed on, or "
                "%(organisation)s did not confirm that address. Accounts are made by "
                "invitation only; ask the project leader or administrator you work with "
                "to invite you at your work address."
            )
            % {"organisation": sociallogin.provider.name},
        )
        raise ImmediateHttpResponse(redirect("account_login"))
