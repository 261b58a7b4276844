"""The driehoeksgesprek and the action plan that follows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import scope_for

from ..models import ActionPlan, Goal, Referral, TripartiteMeeting
from .anonymised import ensure_not_anonymised
from .lifecycle import claim_version


@dataclass
class GoalData:
    description: str
    responsible: str
    review_date: dt.date


def _require_leader(user, referral: Referral) -> None:
    scope = scope_for(user)
    if not scope.leads(referral.programme.initiative_id):
        raise PermissionDenied(_("Only the initiative's project leaders can do this."))


def _check_attendees(attendees: list[str]) -> list[str]:
    valid = set(TripartiteMeeting.Attendee.values)
    unknown = [a for a in attendees if a not in valid]
    if unknown or not attendees:
        raise ValidationError({"attendees": _("Choose who takes part.")})
    return sorted(set(attendees), key=TripartiteMeeting.Attendee.values.index)


@transaction.atomic
def tripartite_meeting_plan(
    *,
    referral: Referral,
    user,
    planned_at: dt.datetime,
    attendees: list[str],
    expected_version: int | None = None,
) -> TripartiteMeeting:
    _require_leader(user, referral)
    ensure_not_anonymised(pupils=[referral.pupil_id])
    if referral.status != Referral.Status.INTAKE:
        raise ValidationError(
            _("A driehoeksgesprek is planned after the referral has been accepted."),
            code="not_in_intake",
        )
    attendees = _check_attendees(attendees)
    claim_version(referral, expected_version)
    return TripartiteMeeting.objects.create(
        referral=referral,
        planned_at=planned_at,
        attendees=attendees,
        recorded_by=user,
    )


@transaction.atomic
def tripartite_meeting_record_outcome(
    *,
    meeting: TripartiteMeeting,
    user,
    held_on: dt.date,
    attendees: list[str],
    agreements: str,
    parent_conditions: str = "",
    conditions_accepted: bool = False,
    goals: list[GoalData],
    expected_version: int | None = None,
) -> ActionPlan:
    """Record what was agreed, and the action plan with its goals."""
    referral = meeting.referral
    _require_leader(user, referral)
    ensure_not_anonymised(pupils=[referral.pupil_id])
    if referral.status != Referral.Status.INTAKE:
        raise ValidationError(
            _("The outcome of a driehoeksgesprek is recorded during the intake."),
            code="not_in_intake",
        )
    errors: dict[str, str] = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _("The meeting cannot have been held in the future.")
    if not agreements.strip():
        errors["agreements"] = _("Write down what was agreed.")
    real_goals = [g for g in goals if g.description.strip()]
    if not real_goals:
        errors["goals"] = _("Add at least one goal.")
    for g in real_goals:
        if not g.responsible.strip():
            errors["goals"] = _("Say who works on each goal.")
    if errors:
        raise ValidationError(errors)
    attendees = _check_attendees(attendees)
    claim_version(referral, expected_version)
    meeting.held_on = held_on
    meeting.attendees = attendees
    meeting.agreements = agreements.strip()
    meeting.parent_conditions = parent_conditions.strip()
    meeting.conditions_accepted = conditions_accepted
    meeting.recorded_by = user
    meeting.save()
    return action_plan_record(referral=referral, user=user, meeting=meeting, goals=real_goals)


@transaction.atomic
def action_plan_record(
    *, referral: Referral, user, goals: list[GoalData], meeting: TripartiteMeeting | None = None
) -> ActionPlan:
    """Create the action plan, or add goals to it."""
    _require_leader(user, referral)
    ensure_not_anonymised(pupils=[referral.pupil_id])
    plan, _created = ActionPlan.objects.get_or_create(
        referral=referral, defaults={"meeting": meeting}
    )
    if meeting and plan.meeting_id != meeting.pk:
        plan.meeting = meeting
        plan.save(update_fields=["meeting", "updated_at"])
    Goal.objects.bulk_create(
        [
            Goal(
                plan=plan,
                description=g.description.strip(),
                responsible=g.responsible.strip(),
                review_date=g.review_date,
            )
            for g in goals
        ]
    )
    return plan
