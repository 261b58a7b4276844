"""An initiative's own rules for its volunteers, and its trainings."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Initiative, Training
from .common import FieldError, require_leader

MAX_VOG_AGE_YEARS = 10
MAX_ATTENTION_WEEKS = 52


@transaction.atomic
def initiative_update_rules(
    *,
    user,
    initiative: Initiative,
    vog_max_age_years: int,
    required_training_ids: Iterable[int],
    volunteers_log_sessions: bool,
    attention_no_session_weeks: int,
) -> Initiative:
    """How old a VOG may be, which trainings everyone needs, who logs sessions, when to warn.

    ``required_training_ids`` is the whole set: trainings of the initiative
    not in it are no longer required of every volunteer (a programme may
    still require them).
    """
    require_leader(user, initiative.pk)
    errors: dict[str, str] = {}
    if not 1 <= vog_max_age_years <= MAX_VOG_AGE_YEARS:
        errors["vog_max_age_years"] = _("Enter a number of years between 1 and %(max)s.") % {
            "max": MAX_VOG_AGE_YEARS
        }
    if not 1 <= attention_no_session_weeks <= MAX_ATTENTION_WEEKS:
        errors["attention_no_session_weeks"] = _(
            "Enter a number of weeks between 1 and %(max)s."
        ) % {"max": MAX_ATTENTION_WEEKS}
    required_ids = set(required_training_ids)
    trainings = Training.objects.select_for_update().filter(initiative=initiative)
    own_ids = set(trainings.values_list("pk", flat=True))
    if required_ids - own_ids:
        errors["required_trainings"] = _("Choose trainings of this initiative.")
    if errors:
        raise ValidationError(errors)

    initiative.vog_max_age_years = vog_max_age_years
    initiative.volunteers_log_sessions = volunteers_log_sessions
    initiative.attention_no_session_weeks = attention_no_session_weeks
    initiative.save(
        update_fields=[
            "vog_max_age_years",
            "volunteers_log_sessions",
            "attention_no_session_weeks",
            "updated_at",
        ]
    )
    trainings.filter(pk__in=required_ids).update(required=True)
    trainings.exclude(pk__in=required_ids).update(required=False)
    return initiative


@transaction.atomic
def training_create(
    *, user, initiative: Initiative, name: str, description: str = "", required: bool = False
) -> Training:
    """A training the initiative offers; ``required``: every volunteer must follow it."""
    require_leader(user, initiative.pk)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Enter the name of the training.")})
    if len(name) > 200:
        raise ValidationError({"name": _("Keep the name under 200 characters.")})
    if Training.objects.filter(initiative=initiative, name__iexact=name).exists():
        raise FieldError(
            {
                "name": _("This initiative already has a training called “%(name)s”.")
                % {"name": name}
            },
            code="duplicate",
        )
    return Training.objects.create(
        initiative=initiative, name=name, description=description.strip(), required=required
    )
