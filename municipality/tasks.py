"""Background jobs of the municipality app."""

from __future__ import annotations

from celery import shared_task


@shared_task
def warm_dashboards() -> int:
    """Every INDICATOR_CACHE_SECONDS: each municipality's default dashboard, computed afresh."""
    from .dashboards.warm import warm_dashboards as run

    return run()
