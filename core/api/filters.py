"""Query parameters that take the schema at its word.

The OpenAPI schema is fuzzed (schemathesis): a parameter valid by the schema
must be accepted, and one that is not must be a 400, never a 500 nor quietly
"no filter". django-filter and DRF are lenient where the schema is exact, so:

- ``StrictOrderingFilter``: ``?ordering=`` one of the view's fields, else a 400;
- ``StrictFilterSet``: a parameter sent without a value is a 400;
- ``IdFilter``: a whole number; one no identifier can have matches nothing,
  rather than overflowing in the database; ``BoundedIdFilter``: 1 to
  ``MAX_ID``, as its schema says, else a 400;
- ``StrictBooleanFilter``: ``true`` or ``false`` only;
- ``IsoDateFilter`` and ``date_range``: YYYY-MM-DD only, whatever the language.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.drainage import set_override
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter

from .fields import DATE_PATTERN, ID_SCHEMA, MAX_ID


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=field`` or ``?ordering=-field``, one of the view's ``ordering_fields``."""

    def _allowed(self, view, request) -> list[str]:
        fields = getattr(view, "ordering_fields", None) or []
        if fields == "__all__":  # pragma: no cover - not used: every view names its fields
            return []
        return [field if isinstance(field, str) else field[0] for field in fields]

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get(self.ordering_param)
        if value is None:
            return self.get_default_ordering(view)
        allowed = self._allowed(view, request)
        if value.lstrip("-") not in allowed:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("Order by one of: %(fields)s (with - in front for descending).")
                        % {"fields": ", ".join(allowed) or "-"}
                    ]
                }
            )
        return [value]

    def get_schema_operation_parameters(self, view):
        allowed = self._allowed(view, None)
        if not allowed:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by this field; a leading - sorts descending.",
                "schema": {
                    "type": "string",
                    "enum": [variant for field in allowed for variant in (field, f"-{field}")],
                },
            }
        ]


class StrictFilterSet(django_filters.FilterSet):
    """A parameter sent without a value (``?programme=``) is a 400, as the schema says
    (an empty string is no integer, date or choice), rather than "no filter".

    Free-text filters (``CharFilter``) are left alone: the empty text is a valid
    string by the schema, and filters nothing.
    """

    def is_valid(self):
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if name not in self.data or isinstance(filter_, django_filters.CharFilter):
                continue
            getlist = getattr(self.data, "getlist", None)
            values = getlist(name) if getlist else [self.data[name]]
            if all(value == "" for value in values):
                error = forms.ValidationError(
                    _("Give a value, or leave the parameter out."), code="required"
                )
                self.form.add_error(name, error)
                valid = False
        return valid


class IdFilter(django_filters.NumberFilter):
    """An identifier filter: a whole number, so ``?school=0.5`` is a 400, not an empty list.

    A number no identifier can have (beyond 64 bits) matches nothing: on a foreign
    key Django passes it to the database as is, and SQLite overflows (a 500). Use
    ``BoundedIdFilter`` where such a number should be a 400 instead.
    """

    field_class = forms.IntegerField

    def filter(self, qs, value):
        if value is not None and not -MAX_ID - 1 <= value <= MAX_ID:
            return qs.none()
        return super().filter(qs, value)


class BoundedIdFilter(IdFilter):
    """An identifier from 1 to ``MAX_ID``, and the schema says so (``minimum`` and
    ``maximum``): ``?programme=0`` or a 70-bit number is a 400."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        # An override replaces the whole parameter schema, its description too.
        set_override(self, "field", {**ID_SCHEMA, "description": self.extra.get("help_text", "")})


class TrueFalseField(forms.NullBooleanField):
    """``true`` or ``false``; anything else is an error, not "no filter"."""

    widget = forms.TextInput  # NullBooleanSelect reads unknown values as "no filter"
    default_error_messages = {"invalid": gettext_lazy("Enter true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value == "true":
            return True
        if value == "false":
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A boolean parameter as the schema writes it: ``true`` or ``false``."""

    field_class = TrueFalseField


class IsoDateField(forms.DateField):
    """YYYY-MM-DD only (the schema's ``format: date``), whatever the language's formats."""

    input_formats = ["%Y-%m-%d"]

    def to_python(self, value):
        if isinstance(value, str) and value and not re.fullmatch(DATE_PATTERN, value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IsoDateFilter(django_filters.DateFilter):
    field_class = IsoDateField


def date_range(
    field_name: str, what: str, *, transform: str = ""
) -> tuple[IsoDateFilter, IsoDateFilter]:
    """The filters ``<name>_after`` and ``<name>_before``, both inclusive:
    ``start_date_after, start_date_before = date_range("start_date", "Started")``.

    ``transform="date"`` compares the date of a date-time field.
    """
    prefix = f"{transform}__" if transform else ""
    return (
        IsoDateFilter(
            field_name=field_name,
            lookup_expr=f"{prefix}gte",
            help_text=f"{what} on or after this date.",
        ),
        IsoDateFilter(
            field_name=field_name,
            lookup_expr=f"{prefix}lte",
            help_text=f"{what} on or before this date.",
        ),
    )
