"""A programme's impact questions: the list, add, change, reorder, switch off and on, delete.

Access: a project leader of some initiative (else 403) and a programme of an
initiative they lead (else 404). The rules (an answered question keeps its
words and cannot be deleted) are the services'; these views show their
refusals.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import leader_required

from .. import selectors, services
from ..forms import ImpactQuestionEditForm, ImpactQuestionForm
from ..services.programmes import ANSWERED_NOT_DELETABLE
from .common import add_errors, bound


def _to_list(question):
    """Back to the programme's questions, scrolled to this question."""
    url = reverse("initiatives:programme_questions", args=[question.programme_id])
    return redirect(f"{url}#question-{question.pk}")


def _error_message(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@leader_required
def programme_questions(request, pk: int):
    programme = selectors.programme_for_leader(user=request.user, pk=pk)
    form = bound(request, ImpactQuestionForm)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.impact_question_add(
                user=request.user, programme=programme, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request, _("The question “%(text)s” has been added.") % {"text": question.text}
            )
            return _to_list(question)
    return render(
        request,
        "initiatives/programme_questions.html",
        {
            "programme": programme,
            "questions": selectors.impact_questions(programme=programme),
            "form": form,
        },
    )


@leader_required
def question_edit(request, pk: int):
    question = selectors.impact_question_for_leader(user=request.user, pk=pk)
    scored = question.scores.exists()
    form = bound(
        request,
        ImpactQuestionEditForm,
        initial=ImpactQuestionEditForm.initial_for(question),
        scored=scored,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.impact_question_update(
                user=request.user,
                question=question,
                text=data["text"],
                order=data["order"],
                is_active=data["is_active"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The question has been saved."))
            return _to_list(question)
    return render(
        request,
        "initiatives/programme_question_form.html",
        {"question": question, "programme": question.programme, "form": form},
    )


@leader_required
@require_POST
def question_move(request, pk: int):
    question = selectors.impact_question_for_leader(user=request.user, pk=pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest()
    try:
        services.impact_question_move(user=request.user, question=question, direction=direction)
    except ValidationError as error:
        _error_message(request, error)
    return _to_list(question)


@leader_required
@require_POST
def question_switch(request, pk: int):
    """Switch a question on (``is_active=1``) or off (``is_active=0``)."""
    question = selectors.impact_question_for_leader(user=request.user, pk=pk)
    value = request.POST.get("is_active")
    if value not in ("0", "1"):
        return HttpResponseBadRequest()
    is_active = value == "1"
    try:
        services.impact_question_update(
            user=request.user,
            question=question,
            text=question.text,
            order=question.order,
            is_active=is_active,
        )
    except ValidationError as error:
        _error_message(request, error)
    else:
        message = (
            _("“%(text)s” is asked again from the next measurement on.")
            if is_active
            else _("“%(text)s” is no longer asked. Its scores are kept.")
        )
        messages.success(request, message % {"text": question.text})
    return _to_list(question)


@leader_required
def question_delete(request, pk: int):
    question = selectors.impact_question_for_leader(user=request.user, pk=pk)
    back = reverse("initiatives:programme_questions", args=[question.programme_id])
    if request.method == "POST":
        try:
            services.impact_question_delete(user=request.user, question=question)
        except ValidationError as error:
            _error_message(request, error)
            return _to_list(question)
        messages.success(
            request, _("The question “%(text)s” has been deleted.") % {"text": question.text}
        )
        return redirect(back)
    if question.scores.exists():
        messages.error(request, ANSWERED_NOT_DELETABLE)
        return _to_list(question)
    return render(
        request,
        "initiatives/programme_question_delete.html",
        {"question": question, "programme": question.programme, "back_url": back},
    )
