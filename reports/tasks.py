"""Background jobs of accountability reports. Each takes ids and is idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def generate_report(report_id: int) -> bool:
    """Generate one queued report; does nothing when it is already running or done."""
    from .services import report_generate

    return report_generate(report_id=report_id)


@shared_task
def generate_due_reports() -> int:
    """Daily: the automatic report of every agreement period that has ended (once)."""
    from .services import generate_due_reports as run

    return run()


@shared_task
def sweep_reports() -> dict:
    """Every 5 minutes: re-queue reports whose worker died, re-send those never sent."""
    from .services import sweep_reports as run

    return run()


@shared_task
def refresh_figures(kind: str, scope: dict, args: list, language: str) -> None:
    """Compute one stale entry of the figures cache again (reports.indicators.cache)."""
    from .indicators.cache import refresh

    refresh(kind, scope, args, language)
