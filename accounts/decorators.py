"""View decorators for who may open a page at all.

Which objects a user may see is decided by ``visible_to(user)``; these only
turn away users without the role (403) or not signed in (to the login page).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .scope import scope_for


def leader_required(view):
    """Signed in and project leader of at least one initiative (or administrator)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = scope_for(request.user)
        if not (scope.is_superuser or scope.led_initiative_ids):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
