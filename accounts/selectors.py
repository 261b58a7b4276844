"""Reads for accounts."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.models import Initiative

from .models import Invitation, User
from .scope import scope_for
from .services import is_invitation_administrator

INVITATION_STATUS_LABELS = {
    "accepted": _("Accepted"),
    "pending": _("Not yet accepted"),
    "expired": _("Link expired"),
}


def invitation_get(*, invitation_id: int) -> Invitation | None:
    """One invitation with what its email needs, or None (e.g. rolled back)."""
    return (
        Invitation.objects.select_related(
            "user",
            "invited_by",
            "membership__initiative",
            "membership__school",
            "membership__municipality",
        )
        .filter(pk=invitation_id)
        .first()
    )


def initiatives_for_inviting(*, user: User) -> QuerySet[Initiative]:
    """Initiatives the user may invite project leaders and volunteers into."""
    if is_invitation_administrator(user):
        return Initiative.objects.all()
    return Initiative.objects.filter(pk__in=scope_for(user).led_initiative_ids)


def invitation_status(invitation: Invitation, *, now=None) -> str:
    """'accepted', 'pending' or 'expired' (the set-password link no longer works)."""
    if invitation.accepted_at is not None:
        return "accepted"
    now = now or timezone.now()
    if invitation.sent_at + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT) < now:
        return "expired"
    return "pending"


def invitations_sent_by(*, user: User) -> list[Invitation]:
    """The invitations the user sent, newest first, each with ``status`` and ``status_label``."""
    invitations = list(
        Invitation.objects.filter(invited_by=user).select_related(
            "user",
            "membership__initiative",
            "membership__school",
            "membership__municipality",
        )
    )
    now = timezone.now()
    for invitation in invitations:
        invitation.status = invitation_status(invitation, now=now)
        invitation.status_label = INVITATION_STATUS_LABELS[invitation.status]
    return invitations


def api_tokens_of(*, user: User):
    """The user's own API tokens, newest first, with the role each carries."""
    from .models import ApiToken

    return ApiToken.objects.filter(user=user).select_related(
        "membership__initiative", "membership__school", "membership__municipality"
    )


def team_memberships(*, user: User) -> list:
    """Current memberships of the initiatives the user leads, for the team page."""
    from .models import Membership

    led = scope_for(user).led_initiative_ids
    return list(
        Membership.objects.current()
        .filter(initiative_id__in=led)
        .select_related("user", "initiative")
        .order_by("initiative__name", "role", "user__last_name", "user__first_name", "pk")
    )


def team_membership_get(*, user: User, pk: int):
    """One current membership of an initiative the user leads, or None (404 for others)."""
    from .models import Membership

    return (
        Membership.objects.current()
        .filter(pk=pk, initiative_id__in=scope_for(user).led_initiative_ids)
        .select_related("user")
        .first()
    )
