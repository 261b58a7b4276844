"""The shared starting points of every indicator: programmes, pupils, matches in scope.

One ``Context`` per (scope, period). It runs one query (the programmes in
scope, which the tables need for their labels anyway); everything else is a
lazy QuerySet that the indicator modules filter and aggregate further.

A context counts the programmes of one audience (``audience``): school-age
programmes by default, so every figure about pupils, referrals, matches,
sessions, goals and impact leaves adult language coaching out, in this one
place (docs/indicators.md, "Adult programmes"). ``for_audience(ADULTS)`` is
the adult section's context; ``for_audience(None)`` counts every programme
(the volunteers, who serve both, and reads grouped by programme).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from core.periods import Period
from initiatives.models import Programme

from .scope import IndicatorScope


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the project's time zone (Europe/Amsterdam)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass
class Context:
    scope: IndicatorScope
    period: Period
    programmes: list[Programme] = field(default_factory=list)
    # Whose figures the querysets below count: the programmes in scope for this
    # audience (``Programme.Audience``); None counts every programme in scope.
    audience: str | None = Programme.Audience.PUPILS

    @classmethod
    def build(cls, scope: IndicatorScope, period: Period) -> Context:
        restricted = Programme.schools.through.objects.filter(programme_id=OuterRef("pk"))
        programmes = list(
            Programme.objects.filter(scope.programme_q())
            .select_related("initiative")
            .annotate(school_restricted=Exists(restricted))
            .distinct()
            .order_by("initiative__name", "name", "pk")
        )
        return cls(scope=scope, period=period, programmes=programmes)

    def for_audience(self, audience: str | None) -> Context:
        """The same scope, period and programmes, counting ``audience`` (None: all)."""
        return self if audience == self.audience else replace(self, audience=audience)

    @cached_property
    def programme_ids(self) -> list[int]:
        """Every programme in scope, of any audience (volunteers, labels)."""
        return [p.pk for p in self.programmes]

    @cached_property
    def counted_programmes(self) -> list[Programme]:
        """The programmes in scope this context counts (those of its ``audience``)."""
        if self.audience is None:
            return list(self.programmes)
        return [p for p in self.programmes if p.audience == self.audience]

    @cached_property
    def counted_programme_ids(self) -> list[int]:
        # An empty list gives "IN ()", which Django turns into an empty result
        # without a query; the figures are then zero, as they should be.
        return [p.pk for p in self.counted_programmes]

    @cached_property
    def pupil_programme_ids(self) -> list[int]:
        """The school-age programmes in scope: pupils reached and its splits count only these."""
        return [p.pk for p in self.programmes if p.audience == Programme.Audience.PUPILS]

    @cached_property
    def pupil_programmes(self) -> list[Programme]:
        return [p for p in self.programmes if p.audience == Programme.Audience.PUPILS]

    # -- time boundaries -------------------------------------------------

    @property
    def start_at(self) -> dt.datetime:
        """For datetime fields: from this moment (inclusive)."""
        return day_start(self.period.start)

    @property
    def end_before(self) -> dt.datetime:
        """For datetime fields: before this moment (the day after the period's end)."""
        return day_start(self.period.end + dt.timedelta(days=1))

    # -- starting querysets -------------------------------------------------

    def pupils(self) -> QuerySet:
        from referrals.models import Pupil

        return Pupil.objects.filter(self.scope.pupil_q())

    def referrals(self) -> QuerySet:
        """Referrals of the counted programmes, for pupils in scope (any status, any date)."""
        from referrals.models import Referral

        return Referral.objects.filter(programme_id__in=self.counted_programme_ids).filter(
            self.scope.pupil_q("pupil__")
        )

    def matches(self) -> QuerySet:
        """Matches of the counted programmes; with a place filter, by their first participant."""
        from referrals.models import Match, MatchParticipant

        matches = Match.objects.filter(programme_id__in=self.counted_programme_ids)
        if self.scope.filters_pupils:
            first_pupil = (
                MatchParticipant.objects.filter(match_id=OuterRef("pk"))
                .order_by("joined_on", "pk")
                .values("pupil_id")[:1]
            )
            matches = matches.alias(first_pupil_id=Subquery(first_pupil)).filter(
                first_pupil_id__in=self.pupils().values("pk")
            )
        return matches

    def contact_moments(self) -> QuerySet:
        """Contact moments of the matches in scope (any kind, any date)."""
        from referrals.models import ContactMoment

        if self.scope.filters_pupils:
            return ContactMoment.objects.filter(match_id__in=self.matches().values("pk"))
        return ContactMoment.objects.filter(match__programme_id__in=self.counted_programme_ids)
