"""A drop-in language café's sessions: log one, list them. Headcounts only, no names.

Access: a project leader of some initiative (else 403) and a drop-in
programme of an initiative they lead (else 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import leader_required

from .. import selectors
from ..forms import DropInSessionForm
from ..services.drop_in import drop_in_session_record
from .common import add_errors, bound


@leader_required
def drop_in_sessions(request, pk: int):
    programme = selectors.drop_in_programme_for_leader(user=request.user, pk=pk)
    form = bound(request, DropInSessionForm)
    if request.method == "POST" and form.is_valid():
        try:
            drop_in_session_record(user=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The session has been logged."))
            return redirect("initiatives:drop_in_sessions", pk=programme.pk)
    return render(
        request,
        "initiatives/drop_in_sessions.html",
        {
            "programme": programme,
            "sessions": selectors.drop_in_sessions(programme=programme),
            "form": form,
        },
    )
