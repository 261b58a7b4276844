"""The municipal dashboard's page body, kept as rendered for a while.

Rendering the dashboard from kept figures (``reports.indicators.cache``)
still means protecting every figure against small numbers and drawing a
chart per funding agreement: about a tenth of a second at city scale, for a
page every official of the municipality sees the same. So the rendered body
is kept too, in the same cache, for as long as its oldest figure is fresh
(``INDICATOR_CACHE_SECONDS`` after it was computed): the page never shows
figures older than it would without this, and those the beat job computes
anew show as soon as the kept body expires.

Its key holds everything the body depends on: the language, the filters, and
the funding agreements of the municipality the user sees in the period, each
with the time it last changed (saving an agreement or its targets changes
it), so an edited target shows at once. The body holds no personal data:
only the suppressed aggregates the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from reports.indicators import cache as figures_cache

from . import selectors
from .selectors import DashboardFilters

BODY_TEMPLATE = "municipality/dashboard_body.html"


@dataclass(frozen=True)
class MunicipalPage:
    """What the municipal dashboard page shows of ``selectors.municipal_dashboard``."""

    body: SafeString
    period_label: str
    withheld: bool


def page_args(*, user, filters: DashboardFilters) -> list:
    """The period and the municipality's agreements the user sees, each with its last change."""
    whole = DashboardFilters(period=filters.period, municipality=filters.municipality)
    agreements = selectors.agreements_signature(user=user, filters=whole)
    return [filters.period.start.isoformat(), filters.period.end.isoformat(), agreements]


def municipal_page(request, *, user, filters: DashboardFilters) -> MunicipalPage:
    """The body of the municipal dashboard of ``filters``: kept, or rendered now."""

    def build():
        dashboard = selectors.municipal_dashboard(user=user, filters=filters)
        page = MunicipalPage(
            body=render_to_string(BODY_TEMPLATE, {"dashboard": dashboard}, request=request),
            period_label=str(dashboard.period.label),
            withheld=dashboard.withheld,
        )
        return page, dashboard.computed_at

    return figures_cache.derived(
        "dashboard-page", filters.scope, lambda: page_args(user=user, filters=filters), build
    )
