"""Adult language coaching: the planned dosage templates and the default impact questions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from referrals.models import ImpactQuestion

from ..models import Programme


@dataclass(frozen=True)
class DosageTemplate:
    """A planned dosage of one track: so many meetings of so long in so many weeks."""

    key: str
    label: str
    planned_meetings: int
    session_minutes: int
    usual_duration_weeks: int


DOSAGE_TEMPLATES: dict[str, DosageTemplate] = {
    template.key: template
    for template in (
        DosageTemplate(
            "adult_20_6m",
            _("20 meetings of 1.5 hours in 6 months"),
            planned_meetings=20,
            session_minutes=90,
            usual_duration_weeks=26,
        ),
        DosageTemplate(
            "adult_40_12m",
            _("40 meetings of 1.5 hours in 12 months"),
            planned_meetings=40,
            session_minutes=90,
            usual_duration_weeks=52,
        ),
    )
}

DOSAGE_TEMPLATE_CHOICES = [(t.key, t.label) for t in DOSAGE_TEMPLATES.values()]


def apply_dosage_template(programme: Programme, key: str) -> Programme:
    """Fill the programme's planned dosage from a template (not saved)."""
    template = DOSAGE_TEMPLATES[key]
    programme.planned_meetings = template.planned_meetings
    programme.session_minutes = template.session_minutes
    programme.usual_duration_weeks = template.usual_duration_weeks
    return programme


# Measured at the start, halfway and at the end of every adult track.
ADULT_IMPACT_QUESTIONS = (
    _("Speaking skill in Dutch"),
    _("Social contacts and activities"),
    _("Satisfaction with the language coach"),
)


@transaction.atomic
def adult_programme_add_default_questions(*, programme: Programme) -> list[ImpactQuestion]:
    """Give an adult programme the default impact questions it does not ask yet.

    Idempotent: a question the programme already has (same words) is skipped.
    """
    if programme.audience != Programme.Audience.ADULTS:
        return []
    existing = {
        text.lower()
        for text in ImpactQuestion.objects.filter(programme=programme).values_list(
            "text", flat=True
        )
    }
    last = max(
        ImpactQuestion.objects.filter(programme=programme).values_list("order", flat=True),
        default=0,
    )
    created = []
    for text in ADULT_IMPACT_QUESTIONS:
        text = str(text)
        if text.lower() in existing:
            continue
        last += 1
        created.append(ImpactQuestion.objects.create(programme=programme, text=text, order=last))
    return created
