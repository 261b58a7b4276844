"""Lockouts: logins, second factors and password resets refused for too many attempts.

allauth enforces the limits (``ACCOUNT_RATE_LIMITS``); this module logs each
refusal as a warning on the logger ``accounts.security``, with the user's id
when the account is known and otherwise a keyed hash of the address that was
typed in (the same address gives the same hash, so a repeated attack shows,
but the log holds no address). Never an email address, a password or a
reset key.
"""

from __future__ import annotations

import logging

from django.shortcuts import render
from django.utils.crypto import salted_hmac

logger = logging.getLogger("accounts.security")


def email_digest(email: str) -> str:
    """A keyed hash of an address, for logs: recognisable, not readable."""
    return salted_hmac("accounts.security.email", email.strip().lower()).hexdigest()[:16]


def log_lockout(request, *, action: str, user=None, email: str | None = None) -> None:
    """Log that ``action`` was refused after too many attempts."""
    from .models import User

    if user is None and email:
        user = User.objects.filter(email__iexact=email.strip()).only("pk").first()
    if user is not None:
        who = f"user_id={user.pk}"
    elif email:
        who = f"email_hash={email_digest(email)}"
    else:
        who = "user unknown"
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match is not None else "-"
    logger.warning("Too many attempts, refused: action=%s %s view=%s", action, who, view)


def too_many_requests(request):
    """``handler429`` for allauth: an answer in the site's frame, and a log entry.

    allauth calls it when a rate limit of ``ACCOUNT_RATE_LIMITS`` refuses a
    request: logins per IP address, password reset requests, the password
    reset link, reauthentication.
    """
    user = request.user if request.user.is_authenticated else None
    # the login form names the address "login", the password reset form "email"
    email = None if user else (request.POST.get("email") or request.POST.get("login"))
    match = getattr(request, "resolver_match", None)
    action = (match.url_name if match is not None else None) or "request"
    log_lockout(request, action=action, user=user, email=email)
    return render(request, "429.html", status=429)
