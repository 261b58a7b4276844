"""Keep the default municipal dashboards fresh (the beat job ``warm-dashboards``).

An official opening the dashboard sees the current school year of their
municipality without filters. Those figures are computed here in the
background, every ``INDICATOR_CACHE_SECONDS``, so that no official waits
for a computation (reports.indicators.cache). Filtered views are computed
when first asked for and then kept the same way.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import translation

from municipality.models import Municipality

from .forms import default_period_key, period_from_key
from .selectors import warm

logger = logging.getLogger(__name__)

LOCK = "figures:warming"


def municipalities_with_work():
    """Municipalities with a programme or a funding agreement: those with figures to show."""
    return (
        Municipality.objects.filter(
            Q(programmes__isnull=False) | Q(funding_agreements__isnull=False)
        )
        .distinct()
        .order_by("pk")
    )


def warm_dashboards() -> int:
    """Compute every municipality's default dashboard again; returns how many were done.

    Does nothing when the cache is off, or while an earlier run still works
    (a run at national scale can take longer than the interval).
    """
    interval = settings.INDICATOR_CACHE_SECONDS
    if interval <= 0 or not cache.add(LOCK, 1, timeout=max(interval, 60) * 3):
        return 0
    started = time.monotonic()
    done = 0
    try:
        period = period_from_key(default_period_key())
        with translation.override(settings.LANGUAGE_CODE):
            for municipality in municipalities_with_work().iterator():
                warm(municipality, period)
                done += 1
    finally:
        cache.delete(LOCK)
    logger.info(
        "Dashboards of %s municipalities computed in %.1f s", done, time.monotonic() - started
    )
    return done
