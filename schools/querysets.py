from django.db.models import Q

from accounts.scope import Scope
from core.querysets import ScopedQuerySet


class SchoolLocationQuerySet(ScopedQuerySet):
    """School locations are public (DUO open data): every signed-in user sees them."""

    def scope_filter(self, scope: Scope) -> Q | None:
        return Q() if scope.user_id else None

    def in_municipality(self, municipality):
        return self.filter(municipality=municipality)
