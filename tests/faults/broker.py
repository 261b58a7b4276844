"""Point the test process's Celery app at another broker for the length of a test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Tasks are sent to ``url`` (not run in-process) inside the block."""
    from config.celery_app import app

    def fresh_connections():
        app._pool = None  # the broker connection pool, made again from broker_url
        app.amqp._producer_pool = None

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=url, task_always_eager=False)
    fresh_connections()
    try:
        yield
    finally:
        app.conf.update(**saved)
        fresh_connections()
