from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class MembershipQuerySet(models.QuerySet):
    def current(self, at=None):
        """Memberships that give access now: not ended, or ending later."""
        at = at or timezone.now()
        return self.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
