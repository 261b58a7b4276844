"""Pages of at most 200 items with the total count of all pages.

Unlike DRF's default, a ``page`` or ``page_size`` that is not a whole number
in range is refused with a 400 naming the parameter; a page past the last
one is a 404.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination


def _positive_int(request, name: str, maximum: int | None = None) -> int | None:
    values = request.query_params.getlist(name)
    if not values:
        return None
    message = (
        _("Give a whole number from 1 to %(max)d.") % {"max": maximum}
        if maximum
        else _("Give a whole number from 1.")
    )
    if len(values) > 1:
        raise exceptions.ValidationError({name: [_("Give this parameter once.")]})
    value = values[0]
    if not value.isdigit() or value.startswith("0") or len(value) > 9:
        raise exceptions.ValidationError({name: [message]})
    number = int(value)
    if maximum is not None and number > maximum:
        raise exceptions.ValidationError({name: [message]})
    return number


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return _positive_int(request, self.page_size_query_param, self.max_page_size) or (
            self.page_size
        )

    def paginate_queryset(self, queryset, request, view=None):
        _positive_int(request, self.page_query_param)
        page = super().paginate_queryset(queryset, request, view)
        # The processing log: whose personal data this page shows.
        from audit.registry import records_of
        from audit.services import note

        for record_type, ids in records_of(page or []).items():
            note(request, record_type, ids)
        return page

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 999999999},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Items per page, 1 to 200 (default 50).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"]["description"] = "Total number of items on all pages."
        result["properties"]["next"]["description"] = "Address of the next page, if any."
        result["properties"]["previous"]["description"] = "Address of the previous page, if any."
        result["properties"]["results"]["description"] = "The items on this page."
        return result
