"""Screening a volunteer: the intake talk, the VOG and the trainings followed.

Of the VOG (Verklaring Omtrent het Gedrag) only the facts are stored: when
it was issued, and who checked the original when. No scan is kept.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from ..models import VOG, Training, TrainingCompletion, Volunteer
from .common import FieldError, check_not_in_future, ensure_not_anonymised, require_leader


@transaction.atomic
def volunteer_record_intake(*, user, volunteer: Volunteer, date: dt.date, notes: str) -> Volunteer:
    """Record the intake talk (date and notes); the status is changed separately."""
    require_leader(user, volunteer.initiative_id)
    ensure_not_anonymised(volunteer.pk)
    check_not_in_future(
        date, field="date", message=_("The intake talk cannot have been held in the future.")
    )
    volunteer.intake_date = date
    volunteer.intake_notes = notes.strip()
    volunteer.save(update_fields=["intake_date", "intake_notes", "updated_at"])
    return volunteer


@transaction.atomic
def vog_record(*, user, volunteer: Volunteer, issued_on: dt.date, checked_on: dt.date) -> VOG:
    """Record a VOG whose original ``user`` has seen; the newest one counts."""
    require_leader(user, volunteer.initiative_id)
    ensure_not_anonymised(volunteer.pk)
    errors: dict[str, str] = {}
    try:
        check_not_in_future(
            issued_on, field="issued_on", message=_("The issue date cannot be in the future.")
        )
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        check_not_in_future(
            checked_on,
            field="checked_on",
            message=_("The original cannot have been checked in the future."),
        )
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if "checked_on" not in errors and "issued_on" not in errors and checked_on < issued_on:
        errors["checked_on"] = _(
            "The original cannot have been checked before it was issued (%(date)s)."
        ) % {"date": formats.date_format(issued_on, "j F Y")}
    if errors:
        raise ValidationError(errors)
    return VOG.objects.create(
        volunteer=volunteer, issued_on=issued_on, checked_by=user, checked_on=checked_on
    )


@transaction.atomic
def training_record(
    *, user, volunteer: Volunteer, training: Training, completed_on: dt.date
) -> TrainingCompletion:
    """Record that the volunteer followed one of the initiative's trainings."""
    require_leader(user, volunteer.initiative_id)
    ensure_not_anonymised(volunteer.pk)
    if training.initiative_id != volunteer.initiative_id:
        raise FieldError(
            {"training": _("Choose a training of the volunteer's initiative.")},
            code="other_initiative",
        )
    check_not_in_future(
        completed_on,
        field="completed_on",
        message=_("The training cannot have been followed in the future."),
    )
    existing = TrainingCompletion.objects.filter(volunteer=volunteer, training=training).first()
    if existing:
        raise FieldError(
            {
                "training": _("%(training)s was already recorded, followed on %(date)s.")
                % {
                    "training": training.name,
                    "date": formats.date_format(existing.completed_on, "j F Y"),
                }
            },
            code="already_recorded",
        )
    return TrainingCompletion.objects.create(
        volunteer=volunteer, training=training, completed_on=completed_on
    )
