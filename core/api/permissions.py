"""Permissions every endpoint applies on top of ``visible_to(user)``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from accounts.models import ApiToken


class ReadOnlyTokenPermission(permissions.BasePermission):
    """A read-only token may read what its user may read, and change nothing."""

    message = _("This token is read only.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return not (isinstance(request.auth, ApiToken) and request.auth.read_only)
