"""Access scoping for pupils and everything about them.

- project leaders: their initiative's pupils, referrals, matches, contact moments,
  but not draft referrals, nor a pupil whose only referrals are drafts;
- volunteers: only the pupils they are currently matched with;
- school referrers: only pupils referred from their school;
- client managers (klantmanagers): only the adults they referred themselves,
  while they are a client manager of the municipality the referral was made in;
- municipal officials: no personal data at all (aggregates only, elsewhere).
"""

from django.db.models import Q

from accounts.scope import Scope
from core.querysets import ScopedQuerySet, any_of


def _client_manager_referrals(scope: Scope):
    from .models import Referral

    return Referral.objects.filter(
        referred_by_id=scope.user_id,
        source="client_manager",
        pupil__learner_profile__municipality_id__in=scope.client_manager_municipality_ids,
    )


def _active_participations(scope: Scope):
    from .models import MatchParticipant

    return MatchParticipant.objects.filter(
        left_on__isnull=True, match__end_date__isnull=True, match__volunteer__user_id=scope.user_id
    )


class PupilQuerySet(ScopedQuerySet):
    def scope_filter(self, scope: Scope) -> Q | None:
        from .models import Referral

        return any_of(
            # Not a child whose only referrals are drafts: until the referrer
            # submits (with consent), the initiative sees neither the referral
            # nor the child. A pupil without any referral (entered by the
            # initiative itself) stays visible.
            (
                Q(initiative_id__in=scope.led_initiative_ids)
                & (
                    Q(pk__in=Referral.objects.exclude(status="draft").values("pupil_id"))
                    | ~Q(pk__in=Referral.objects.values("pupil_id"))
                )
            )
            if scope.led_initiative_ids
            else None,
            Q(pk__in=_active_participations(scope).values("pupil_id"))
            if scope.volunteer_initiative_ids
            else None,
            Q(
                pk__in=Referral.objects.filter(referring_school_id__in=scope.school_ids).values(
                    "pupil_id"
                )
            )
            if scope.school_ids
            else None,
            Q(pk__in=_client_manager_referrals(scope).values("pupil_id"))
            if scope.client_manager_municipality_ids
            else None,
        )


class ReferralQuerySet(ScopedQuerySet):
    def scope_filter(self, scope: Scope) -> Q | None:
        return any_of(
            (Q(programme__initiative_id__in=scope.led_initiative_ids) & ~Q(status="draft"))
            if scope.led_initiative_ids
            else None,
            Q(pk__in=_active_participations(scope).values("referral_id"))
            if scope.volunteer_initiative_ids
            else None,
            Q(referring_school_id__in=scope.school_ids) if scope.school_ids else None,
            Q(pk__in=_client_manager_referrals(scope).values("pk"))
            if scope.client_manager_municipality_ids
            else None,
        )

    def open(self):
        return self.filter(status__in=["submitted", "intake", "waiting", "matched"])


class MatchQuerySet(ScopedQuerySet):
    def scope_filter(self, scope: Scope) -> Q | None:
        from .models import MatchParticipant

        return any_of(
            Q(programme__initiative_id__in=scope.led_initiative_ids)
            if scope.led_initiative_ids
            else None,
            Q(volunteer__user_id=scope.user_id, end_date__isnull=True)
            if scope.volunteer_initiative_ids
            else None,
            Q(
                pk__in=MatchParticipant.objects.filter(
                    referral__referring_school_id__in=scope.school_ids
                ).values("match_id")
            )
            if scope.school_ids
            else None,
        )

    def active(self):
        return self.filter(end_date__isnull=True)


class ContactMomentQuerySet(ScopedQuerySet):
    """Contact moments hold notes (personal data): schools never see them."""

    def scope_filter(self, scope: Scope) -> Q | None:
        from .models import Match, Pupil

        led = list(scope.led_initiative_ids)
        return any_of(
            # As two subqueries, not joins: PostgreSQL then combines the indexes
            # on match and pupil instead of joining every contact moment
            # (half the time of the list's count at city scale).
            (
                Q(match_id__in=Match.objects.filter(programme__initiative_id__in=led).values("pk"))
                | Q(pupil_id__in=Pupil.objects.filter(initiative_id__in=led).values("pk"))
            )
            if led
            else None,
            Q(match__volunteer__user_id=scope.user_id, match__end_date__isnull=True)
            if scope.volunteer_initiative_ids
            else None,
        )
