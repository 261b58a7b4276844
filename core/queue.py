"""Handing a job to the task queue when the queue may be down.

A job whose work is already stored (a queued report, an unsent status email)
must not fail the request that stored it when the broker (Redis) is
unreachable: ``send_task`` logs and returns False, and a periodic sweep
(``reports.services.sweep_reports``, ``referrals.services.notifications``)
sends what is still waiting once the broker is back. The tasks are
idempotent, so a job sent twice does no harm.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def send_task(task, *args, description: str) -> bool:
    """``task.delay(*args)``; never raises. ``description`` names the job in the log.

    Returns whether the job reached the queue. The description carries ids
    only, never personal data.
    """
    try:
        task.delay(*args)
    except Exception as exc:  # kombu's OperationalError, redis' ConnectionError, ...
        logger.warning("%s: the task queue is unavailable (%s)", description, type(exc).__name__)
        return False
    return True
