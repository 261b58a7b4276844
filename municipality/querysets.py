from django.db.models import Q

from accounts.scope import Scope
from core.querysets import ScopedQuerySet, any_of


class FundingAgreementQuerySet(ScopedQuerySet):
    def scope_filter(self, scope: Scope) -> Q | None:
        return any_of(
            Q(municipality_id__in=scope.municipality_ids) if scope.municipality_ids else None,
            Q(initiative_id__in=scope.led_initiative_ids) if scope.led_initiative_ids else None,
        )
