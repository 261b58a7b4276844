"""Settings of the real Celery worker that tests/test_worker_killed.py starts and kills."""

import os

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["FAULT_BROKER_URL"]
