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

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
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


def _key(*, user, filters: DashboardFilters) -> str:
    whole = DashboardFilters(period=filters.period, municipality=filters.municipality)
    agreements = selectors.agreements_signature(user=user, filters=whole)
    period = [filters.period.start.isoformat(), filters.period.end.isoformat()]
    return figures_cache.key("dashboard-page", filters.scope, [*period, agreements])


def municipal_page(request, *, user, filters: DashboardFilters) -> MunicipalPage:
    """The body of the municipal dashboard of ``filters``: kept, or rendered now."""
    max_age = figures_cache.max_age()
    key = _key(user=user, filters=filters) if max_age > 0 else None
    if key is not None:
        kept = cache.get(key)
        if isinstance(kept, MunicipalPage):
            return kept
    dashboard = selectors.municipal_dashboard(user=user, filters=filters)
    page = MunicipalPage(
        body=render_to_string(BODY_TEMPLATE, {"dashboard": dashboard}, request=request),
        period_label=str(dashboard.period.label),
        withheld=dashboard.withheld,
    )
    if key is not None and dashboard.computed_at is not None:
        # kept while its oldest figure is fresh: one shown while it is computed
        # anew (reports.indicators.cache) is not kept, the next visitor gets the new one
        timeout = int(max_age - (timezone.now() - dashboard.computed_at).total_seconds())
        if timeout >= 1:
            cache.set(key, page, timeout=timeout)
    return page
