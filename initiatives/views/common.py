"""Small pieces the initiatives views share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from ..models import Volunteer


def add_errors(form, error: ValidationError) -> list[str]:
    """Put a service's ValidationError next to the fields it names, or on top.

    Returns the messages about the availability rows (shown above the rows).
    """
    availability: list[str] = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            if field == "availability":
                availability.extend(m for e in errors for m in e.messages)
            elif form is not None:
                form.add_error(field if field in form.fields else None, errors)
    elif form is not None:
        form.add_error(None, error)
    else:
        availability.extend(error.messages)  # no form: shown above the rows
    return availability


def bound(request, form_class, *, initial=None, **kwargs):
    """The form, with the posted data on a POST.

    ``initial`` is passed either way: a disabled field takes its value from it.
    """
    if request.method == "POST":
        return form_class(request.POST, initial=initial, **kwargs)
    return form_class(initial=initial, **kwargs)


def to_detail(volunteer: Volunteer):
    return redirect("initiatives:volunteer_detail", pk=volunteer.pk)
