from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.scope import Scope, scope_for


class ScopedQuerySet(models.QuerySet):
    """A QuerySet with one access rule: ``visible_to(user)``.

    Subclasses implement ``scope_filter(scope)``, returning a ``Q`` for what
    the scope may see, or ``None`` for nothing. Administrators see all.
    """

    def scope_filter(self, scope: Scope) -> Q | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.is_superuser:
            return self.all()
        condition = self.scope_filter(scope)
        if condition is None:
            return self.none()
        return self.filter(condition)


def any_of(*conditions: Q | None) -> Q | None:
    """OR together the conditions that apply; None when none does."""
    result = None
    for condition in conditions:
        if condition is None:
            continue
        result = condition if result is None else result | condition
    return result
