from django.db.models import Q

from accounts.scope import Scope
from core.querysets import ScopedQuerySet, any_of


class ProgrammeQuerySet(ScopedQuerySet):
    """Programmes are not personal data: every signed-in user may see them."""

    def scope_filter(self, scope: Scope) -> Q | None:
        return Q() if scope.user_id else None

    def serving_school(self, school):
        """Active programmes that take pupils from this school."""
        return (
            self.filter(is_active=True, municipalities=school.municipality_id)
            .filter(Q(schools__isnull=True) | Q(schools=school))
            .distinct()
        )

    def managed_by(self, user):
        """Programmes the user leads as project leader."""
        from accounts.scope import scope_for

        scope = scope_for(user)
        if scope.is_superuser:
            return self.all()
        return self.filter(initiative_id__in=scope.led_initiative_ids)


class VolunteerQuerySet(ScopedQuerySet):
    def scope_filter(self, scope: Scope) -> Q | None:
        return any_of(
            Q(initiative_id__in=scope.led_initiative_ids) if scope.led_initiative_ids else None,
            # a volunteer sees their own record
            Q(user_id=scope.user_id) if scope.volunteer_initiative_ids else None,
        )
