"""``{% mfa_status as mfa %}``: whether two-step verification is required for the user.

The MFA pages are allauth's views; they say why the second factor is asked
for with ``mfa.required`` (this user must have one), ``mfa.enforced``
(``settings.MFA_REQUIRED``) and ``mfa.active`` (the user has one).
"""

from __future__ import annotations

from django import template
from django.conf import settings

from accounts.mfa import has_second_factor, mfa_required

register = template.Library()


@register.simple_tag(takes_context=True)
def mfa_status(context) -> dict:
    user = context.get("user")
    active = bool(user is not None and user.is_authenticated and has_second_factor(user))
    return {
        "required": mfa_required(user),
        "enforced": settings.MFA_REQUIRED,
        "active": active,
    }
