"""Database expressions shared by the models."""

from django.db import models


class LatestAllowedDate(models.Func):
    """Tomorrow's date (UTC) as the database sees it, for "not in the future" checks.

    ``Now()`` cannot be used in a CHECK constraint on SQLite (it renders as a
    non-deterministic strftime call). One day of slack covers the hours in
    which the date in the Netherlands is already a day ahead of UTC, so a date
    of today is never refused; the forms check "not in the future" exactly.
    """

    output_field = models.DateField()
    template = "(CURRENT_DATE + 1)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return "date(CURRENT_TIMESTAMP, '+1 day')", []
