"""Local development: embedded SQLite, tasks in-process, mail on the console."""

from config.env import env_bool

from .base import *  # noqa: F403

ENVIRONMENT = "local"
DEBUG = env_bool("DJANGO_DEBUG", default=True)
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
