"""Background jobs that belong to no single app. Each is idempotent."""

from __future__ import annotations

from celery import shared_task


@shared_task
def anonymise_due_records() -> dict[str, int]:
    """Nightly: anonymise the pupils and volunteers whose retention period ended.

    Running it twice does no harm: an anonymised record is not due again.
    """
    from .retention import anonymise_due_records as run

    return run()


@shared_task
def forget_old_submissions() -> int:
    """Nightly: the one-time keys of forms sent more than a day ago."""
    from .submissions import forget_old_submissions as run

    return run()
