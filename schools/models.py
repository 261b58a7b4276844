from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .querysets import SchoolLocationQuerySet


class SchoolBoard(TimeStampedModel):
    """A schoolbestuur, identified by DUO's bevoegd gezag nummer."""

    number = models.CharField(_("bevoegd gezag number"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("school board")
        verbose_name_plural = _("school boards")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.name or self.number


class SchoolLocation(TimeStampedModel):
    """A schoolvestiging as DUO publishes it (BRIN + two-digit location number)."""

    class Sector(models.TextChoices):
        PO = "PO", _("Primary education")
        VO = "VO", _("Secondary education")
        SO = "SO", _("Special education")

    location_code = models.CharField(
        _("location code"),
        max_length=6,
        unique=True,
        help_text=_("DUO vestigingscode: BRIN plus two digits, e.g. 32JK00."),
    )
    brin = models.CharField(_("BRIN"), max_length=4, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    board = models.ForeignKey(
        SchoolBoard, on_delete=models.PROTECT, related_name="locations", verbose_name=_("board")
    )
    municipality = models.ForeignKey(
        "municipality.Municipality",
        on_delete=models.PROTECT,
        related_name="schools",
        verbose_name=_("municipality"),
    )
    neighbourhood = models.ForeignKey(
        "municipality.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="schools",
        verbose_name=_("neighbourhood"),
    )
    sector = models.CharField(_("sector"), max_length=2, choices=Sector.choices)
    denomination = models.CharField(_("denomination"), max_length=100, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    house_number = models.CharField(_("house number"), max_length=20, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    education_structure = models.CharField(
        _("education structure"), max_length=100, blank=True, help_text=_("VO only, e.g. HAVO/VWO.")
    )

    objects = SchoolLocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("school location")
        verbose_name_plural = _("school locations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(location_code__regex=r"^[0-9A-Z]{4}[0-9]{2}$"),
                name="school_location_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city.title()})" if self.city else self.name


class SchoolYearFigure(models.Model):
    """Per school year: pupil count (DUO) and schoolweging, where known."""

    school = models.ForeignKey(
        SchoolLocation, on_delete=models.CASCADE, related_name="year_figures"
    )
    school_year = models.PositiveSmallIntegerField(
        _("school year"), help_text=_("Calendar year in which the school year starts.")
    )
    pupil_count = models.PositiveIntegerField(_("pupils"), null=True, blank=True)
    pupil_count_below_five = models.BooleanField(
        _("fewer than five pupils"), default=False, help_text=_("DUO publishes small counts as <5.")
    )
    weighting = models.DecimalField(
        _("schoolweging"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("school year figure")
        verbose_name_plural = _("school year figures")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"], name="school_year_figure_unique"
            ),
        ]
