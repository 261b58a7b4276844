"""Links between the pages of a list (templates/components/pagination.html)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, number, param: str = "page") -> str:
    """The current query string with ``param`` set to ``number``, the other parameters kept.

    ``param`` lets a page hold two paged lists (the inbox: ``page`` and ``intake``).
    """
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"
