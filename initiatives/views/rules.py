"""The initiative's own rules for its volunteers, its trainings and its programmes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import leader_required

from .. import selectors, services
from ..forms import InitiativeRulesForm, TrainingForm
from .common import add_errors


@leader_required
def initiative_settings(request, pk: int):
    initiative = get_object_or_404(selectors.led_initiatives(request.user), pk=pk)
    trainings = initiative.trainings.order_by("name")
    rules_form = InitiativeRulesForm(
        initial=InitiativeRulesForm.initial_for(initiative), trainings=trainings
    )
    training_form = TrainingForm(prefix="training")
    if request.method == "POST":
        if request.POST.get("form") == "training":
            training_form = TrainingForm(request.POST, prefix="training")
            if training_form.is_valid():
                data = training_form.cleaned_data
                try:
                    training = services.training_create(
                        user=request.user,
                        initiative=initiative,
                        name=data["name"],
                        description=data["description"],
                        required=data["required"],
                    )
                except ValidationError as error:
                    add_errors(training_form, error)
                else:
                    messages.success(
                        request,
                        _("The training “%(name)s” has been added.") % {"name": training.name},
                    )
                    return redirect("initiatives:initiative_settings", pk=initiative.pk)
        else:
            rules_form = InitiativeRulesForm(request.POST, trainings=trainings)
            if rules_form.is_valid():
                data = rules_form.cleaned_data
                try:
                    services.initiative_update_rules(
                        user=request.user,
                        initiative=initiative,
                        vog_max_age_years=data["vog_max_age_years"],
                        required_training_ids=[t.pk for t in data["required_trainings"]],
                        volunteers_log_sessions=data["volunteers_log_sessions"],
                        attention_no_session_weeks=data["attention_no_session_weeks"],
                    )
                except ValidationError as error:
                    add_errors(rules_form, error)
                else:
                    messages.success(request, _("The rules have been saved."))
                    return redirect("initiatives:initiative_settings", pk=initiative.pk)
    return render(
        request,
        "initiatives/initiative_settings.html",
        {
            "initiative": initiative,
            "trainings": list(trainings.prefetch_related("required_by")),
            "rules_form": rules_form,
            "training_form": training_form,
            "programmes": selectors.initiative_programmes(initiative=initiative),
        },
    )
