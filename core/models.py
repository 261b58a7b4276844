from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class SchoolGrade(models.IntegerChoices):
    """School year on one scale: groep 1-8 (primary), then klas 1-6 (secondary)."""

    GROEP_1 = 1, _("Groep 1")
    GROEP_2 = 2, _("Groep 2")
    GROEP_3 = 3, _("Groep 3")
    GROEP_4 = 4, _("Groep 4")
    GROEP_5 = 5, _("Groep 5")
    GROEP_6 = 6, _("Groep 6")
    GROEP_7 = 7, _("Groep 7")
    GROEP_8 = 8, _("Groep 8")
    KLAS_1 = 9, _("Klas 1")
    KLAS_2 = 10, _("Klas 2")
    KLAS_3 = 11, _("Klas 3")
    KLAS_4 = 12, _("Klas 4")
    KLAS_5 = 13, _("Klas 5")
    KLAS_6 = 14, _("Klas 6")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class FormSubmission(models.Model):
    """A form that was sent and saved, by its one-time key (see core.submissions).

    Kept a day, so a second send of the same form (a double tap, a resend
    after a slow answer) finds the first and does not save again.
    """

    key = models.UUIDField(primary_key=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    result_url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.key)
