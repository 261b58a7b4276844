"""A programme's impact questions: asked at the start, middle and end of a match, scored 1-5.

A question that has been answered keeps its words, because its scores were
given to those words: it can only be switched off (no longer asked at new
measurements; its scores stay) and on again. A question nobody has answered
yet can be renamed or deleted.

The model lives in ``referrals`` (the scores belong to referrals); the
project leader configures the questions with the programme, here.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from referrals.models import ImpactQuestion

from ..models import Programme
from .common import FieldError, require_leader

MAX_TEXT_LENGTH = ImpactQuestion._meta.get_field("text").max_length
MAX_ORDER = 32767  # PositiveSmallIntegerField

ANSWERED_NOT_DELETABLE = gettext_lazy(
    "This question has been answered already, so it cannot be deleted: its scores "
    "would lose their meaning. Switch it off instead."
)


def _clean_text(text: str) -> str:
    return " ".join(text.split())


def _check_text(programme: Programme, text: str, *, question: ImpactQuestion | None = None):
    """Raise a ValidationError on ``text`` if it is empty, too long or already asked."""
    if not text:
        raise FieldError({"text": _("Enter the question.")}, code="required")
    if len(text) > MAX_TEXT_LENGTH:
        raise FieldError(
            {"text": _("Keep the question under %(max)s characters.") % {"max": MAX_TEXT_LENGTH}},
            code="max_length",
        )
    same = ImpactQuestion.objects.filter(programme=programme, text__iexact=text)
    if question is not None:
        same = same.exclude(pk=question.pk)
    other = same.first()
    if other is None:
        return
    if other.is_active:
        message = _("This programme already asks “%(text)s”.")
    else:
        message = _(
            "This programme already has the question “%(text)s”, switched off. "
            "Switch it on again instead."
        )
    raise FieldError({"text": message % {"text": other.text}}, code="duplicate")


def _lock_programme(programme: Programme) -> None:
    """One change to a programme's questions at a time (order, duplicates)."""
    list(Programme.objects.select_for_update().filter(pk=programme.pk).values_list("pk"))


@transaction.atomic
def impact_question_add(*, user, programme: Programme, text: str) -> ImpactQuestion:
    """A new question, asked from the next measurement on, after the others."""
    require_leader(user, programme.initiative_id)
    _lock_programme(programme)
    text = _clean_text(text)
    _check_text(programme, text)
    last = ImpactQuestion.objects.filter(programme=programme).aggregate(last=Max("order"))["last"]
    order = 1 if last is None else min(last + 1, MAX_ORDER)
    return ImpactQuestion.objects.create(programme=programme, text=text, order=order)


@transaction.atomic
def impact_question_update(
    *, user, question: ImpactQuestion, text: str, order: int, is_active: bool
) -> ImpactQuestion:
    """Change the words (only while unanswered), the position, and whether it is asked."""
    require_leader(user, question.programme.initiative_id)
    _lock_programme(question.programme)
    question = ImpactQuestion.objects.select_related("programme").filter(pk=question.pk).first()
    if question is None:
        raise ValidationError(_("This question no longer exists."), code="gone")
    text = _clean_text(text)
    if text != _clean_text(question.text):
        if question.scores.exists():
            message = _(
                "This question has been answered already, so its words cannot change: the "
                "scores were given to these words. Switch it off and add a new question instead."
            )
            raise FieldError({"text": message}, code="scored")
        _check_text(question.programme, text, question=question)
        question.text = text
    if not 0 <= order <= MAX_ORDER:
        raise FieldError(
            {"order": _("Enter a position between 0 and %(max)s.") % {"max": MAX_ORDER}},
            code="invalid_order",
        )
    question.order = order
    question.is_active = is_active
    question.save(update_fields=["text", "order", "is_active"])
    return question


@transaction.atomic
def impact_question_move(
    *, user, question: ImpactQuestion, direction: Literal["up", "down"]
) -> ImpactQuestion:
    """Swap the question with the one before (``up``) or after it (``down``).

    The programme's questions are numbered 1, 2, 3... in their order again.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    require_leader(user, question.programme.initiative_id)
    _lock_programme(question.programme)
    questions = list(
        ImpactQuestion.objects.filter(programme_id=question.programme_id).order_by("order", "pk")
    )
    pks = [q.pk for q in questions]
    if question.pk not in pks:
        raise ValidationError(_("This question no longer exists."), code="gone")
    index = pks.index(question.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        message = (
            _("This question is asked first already.")
            if direction == "up"
            else _("This question is asked last already.")
        )
        raise ValidationError(message, code="at_end")
    questions[index], questions[other] = questions[other], questions[index]
    changed = []
    for position, item in enumerate(questions, start=1):
        if item.order != position:
            item.order = position
            changed.append(item)
    ImpactQuestion.objects.bulk_update(changed, ["order"])
    return questions[other]


@transaction.atomic
def impact_question_delete(*, user, question: ImpactQuestion) -> None:
    """Delete a question nobody has answered; an answered one can only be switched off."""
    require_leader(user, question.programme.initiative_id)
    _lock_programme(question.programme)
    if question.scores.exists():
        raise ValidationError(str(ANSWERED_NOT_DELETABLE), code="scored")
    try:
        ImpactQuestion.objects.filter(pk=question.pk).delete()
    except ProtectedError as exc:  # a score came in after the check
        raise ValidationError(str(ANSWERED_NOT_DELETABLE), code="scored") from exc
