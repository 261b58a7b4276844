from __future__ import annotations

from django.db import models
from django.db.models import Q


class ProcessingLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The entries a privacy officer supervises: those about their initiative's people.

        A privacy officer of an initiative sees every entry, allowed or
        refused and by whoever, about a pupil, guardian or volunteer of that
        initiative; an administrator sees all; anyone else nothing.
        """
        from accounts.scope import scope_for
        from initiatives.models import Volunteer
        from referrals.models import Guardian, Pupil

        scope = scope_for(user)
        if scope.is_superuser:
            return self.all()
        initiative_ids = scope.privacy_initiative_ids
        if not initiative_ids:
            return self.none()
        return self.filter(
            Q(
                record_type="pupil",
                record_id__in=Pupil.objects.filter(initiative_id__in=initiative_ids).values("pk"),
            )
            | Q(
                record_type="guardian",
                record_id__in=Guardian.objects.filter(
                    pupil__initiative_id__in=initiative_ids
                ).values("pk"),
            )
            | Q(
                record_type="volunteer",
                record_id__in=Volunteer.objects.filter(initiative_id__in=initiative_ids).values(
                    "pk"
                ),
            )
        )
