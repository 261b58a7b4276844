"""The 'needs attention' page of the project leader.

Lists what the rules in ``referrals.attention`` find in the initiatives the
user leads, grouped by rule. Project leaders only (others get 403); items
come only from one's own initiatives. The home page shows the counts with
``referrals/attention/_panel.html`` and ``attention_summary(user)``.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from accounts.decorators import leader_required
from accounts.scope import scope_for
from audit.services import note

from ..attention import group_by_rule, needs_attention


def _note_shown(request, items) -> None:
    """The processing log: the volunteers and the pupils of the matches listed."""
    from ..models import MatchParticipant

    match_ids = [item.match.pk for item in items if item.match is not None]
    note(
        request,
        "volunteer",
        [item.volunteer.pk for item in items if item.volunteer is not None]
        + [item.match.volunteer_id for item in items if item.match is not None],
    )
    if match_ids:
        note(
            request,
            "pupil",
            MatchParticipant.objects.filter(match_id__in=match_ids).values_list(
                "pupil_id", flat=True
            ),
        )


@leader_required
def attention_list(request):
    items = needs_attention(user=request.user)
    _note_shown(request, items)
    scope = scope_for(request.user)
    context = {
        "groups": group_by_rule(items),
        "total": len(items),
        # Name the initiative only when the list can hold more than one.
        "show_initiative": scope.is_superuser or len(scope.led_initiative_ids) > 1,
    }
    return render(request, "referrals/attention/list.html", context)


urlpatterns = [
    path("aandacht/", attention_list, name="attention"),
]
