from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from .querysets import FundingAgreementQuerySet


class Municipality(TimeStampedModel):
    """A gemeente, identified by its CBS code (e.g. GM0344 Utrecht)."""

    cbs_code = models.CharField(
        _("CBS code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^GM\d{4}$", _("Use the form GM0344."))],
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cbs_code__regex=r"^GM[0-9]{4}$"), name="municipality_cbs_code_format"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def number(self) -> str:
        """The four digits DUO calls GEMEENTENUMMER."""
        return self.cbs_code[2:]


class Neighbourhood(models.Model):
    """A wijk (optionally a buurt within a wijk) of a municipality."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="neighbourhoods"
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("CBS code"), max_length=10, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    postcodes = models.JSONField(
        _("postcode areas"),
        default=list,
        blank=True,
        help_text=_("Four-digit postcode areas that belong to this neighbourhood."),
    )

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["municipality__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="neighbourhood_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Funder(TimeStampedModel):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        NATIONAL = "national", _("National programme")
        FOUNDATION = "foundation", _("Foundation")
        SCHOOLS = "schools", _("Schools")
        PARENTS = "parents", _("Parents' contributions")
        COMPANY = "company", _("Company")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funders",
        help_text=_("Set when the funder is a municipality."),
    )

    class Meta:
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="municipality") | Q(municipality__isnull=False),
                name="funder_municipality_required_for_municipal_funder",
            )
        ]

    def __str__(self) -> str:
        return self.name


class FundingAgreement(TimeStampedModel):
    """A subsidie/beschikking: money for an initiative's programmes over a period."""

    class PeriodKind(models.TextChoices):
        CALENDAR_YEAR = "calendar", _("Calendar year")
        SCHOOL_YEAR = "school", _("School year")

    reference = models.CharField(_("reference"), max_length=100, blank=True)
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="agreements")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="funding_agreements",
        help_text=_("The municipality in whose area the funded work takes place."),
    )
    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.PROTECT, related_name="funding_agreements"
    )
    programmes = models.ManyToManyField(
        "initiatives.Programme", related_name="funding_agreements", verbose_name=_("programmes")
    )
    amount = models.DecimalField(
        _("amount (EUR)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    objects = FundingAgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding agreement")
        verbose_name_plural = _("funding agreements")
        ordering = ["-start_date", "funder__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="funding_agreement_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="funding_agreement_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder} - {self.initiative} ({self.start_date:%Y}-{self.end_date:%Y})"


class Target(models.Model):
    """A target for one indicator in a funding agreement (e.g. 220 pupils reached)."""

    class Indicator(models.TextChoices):
        PUPILS_REACHED = "pupils_reached", _("Pupils reached")
        MATCHES_STARTED = "matches_started", _("Matches started")
        VOLUNTEERS_ACTIVE = "volunteers_active", _("Active volunteers")
        CONTACT_HOURS = "contact_hours", _("Contact hours")
        SESSIONS_HELD = "sessions_held", _("Sessions held")
        SCHOOLS_REFERRING = "schools_referring", _("Schools referring")
        GOALS_ACHIEVED_PCT = "goals_achieved_pct", _("Goals achieved (%)")
        # adult language coaching (reports.indicators.adults)
        ADULT_LEARNERS_REACHED = "adult_learners_reached", _("Adult learners reached")
        ADULT_TRACKS_STARTED = "adult_tracks_started", _("Coaching tracks started")

    agreement = models.ForeignKey(
        FundingAgreement, on_delete=models.CASCADE, related_name="targets"
    )
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    value = models.PositiveIntegerField(_("target value"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "indicator"], name="target_unique_indicator_per_agreement"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()}: {self.value}"


class AccountabilityText(TimeStampedModel):
    """The initiative's own words for one agreement and period, printed in the report."""

    agreement = models.ForeignKey(
        FundingAgreement, on_delete=models.CASCADE, related_name="accountability_texts"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    went_well = models.TextField(_("what went well"), blank=True)
    went_less_well = models.TextField(_("what went less well"), blank=True)
    story = models.TextField(_("a short story"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("accountability text")
        verbose_name_plural = _("accountability texts")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "period_start", "period_end"],
                name="accountability_text_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="accountability_text_period_valid",
            ),
        ]
