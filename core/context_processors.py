from accounts.scope import scope_for

from .navigation import nav_links_for


def navigation(request):
    """Role-aware navigation: which sections the signed-in user may open."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "scope": scope,
        "user_roles": scope.roles,
        "nav_links": nav_links_for(user, scope=scope, path=request.path),
    }
