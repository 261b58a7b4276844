"""Ordering that says no: an unknown ordering field is a 400, not silently ignored."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter


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


class IdFilter(django_filters.NumberFilter):
    """An identifier filter: a whole number, so ``?school=0.5`` is a 400, not an empty list."""

    field_class = forms.IntegerField
