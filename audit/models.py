"""The processing log (verwerkingenlogging): who did what with whose personal data.

One row per read or change of a pupil's, guardian's or volunteer's record,
allowed or refused. A row holds no personal data itself: the record is named
by its type and id, the actor by their user id. The database refuses every
UPDATE and DELETE of a row (triggers made in migration 0001), so not even the
application can alter the log.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import ProcessingLogQuerySet


class ProcessingLogEntry(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        LIST = "list", _("Shown in a list")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        ANONYMISE = "anonymise", _("Anonymised")

    class Result(models.TextChoices):
        ALLOWED = "allowed", _("Allowed")
        REFUSED = "refused", _("Refused")

    class RecordType(models.TextChoices):
        PUPIL = "pupil", _("Pupil")
        GUARDIAN = "guardian", _("Guardian")
        VOLUNTEER = "volunteer", _("Volunteer")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # No foreign keys: the log outlives users and records, and must not be
    # changed by a cascade when either is removed.
    actor_id = models.BigIntegerField(_("user"), null=True, blank=True, db_index=True)
    record_type = models.CharField(_("record type"), max_length=20, choices=RecordType.choices)
    record_id = models.BigIntegerField(_("record"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    purpose = models.CharField(_("purpose"), max_length=60)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    channel = models.CharField(_("channel"), max_length=10)  # page, api, export, pdf, job
    request_id = models.CharField(_("request id"), max_length=36, blank=True)

    objects = ProcessingLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("processing log entry")
        verbose_name_plural = _("processing log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["record_type", "record_id", "at"])]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.record_type}#{self.record_id}"
