"""Pages of at most 200 items with the total count of all pages."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_query_description = "Page number, from 1."
    page_size_query_description = "Items per page (1 to 200, default 50)."

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count"]["description"] = "Total number of items on all pages."
        result["properties"]["next"]["description"] = "Address of the next page, if any."
        result["properties"]["previous"]["description"] = "Address of the previous page, if any."
        result["properties"]["results"]["description"] = "The items on this page."
        return result
