from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.db import LatestAllowedDate
from core.models import SchoolGrade, TimeStampedModel, Weekday

from .querysets import ProgrammeQuerySet, VolunteerQuerySet


class Initiative(TimeStampedModel):
    """A volunteer organisation (initiatief) running one or more programmes."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    municipalities = models.ManyToManyField(
        "municipality.Municipality", related_name="initiatives", verbose_name=_("works in")
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    vog_max_age_years = models.PositiveSmallIntegerField(_("maximum VOG age (years)"), default=3)
    volunteers_log_sessions = models.BooleanField(
        _("volunteers log their own sessions"), default=True
    )
    attention_no_session_weeks = models.PositiveSmallIntegerField(
        _("signal a match without a held session after (weeks)"), default=3
    )

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(vog_max_age_years__gte=1), name="initiative_vog_max_age_positive"
            ),
            models.CheckConstraint(
                condition=Q(attention_no_session_weeks__gte=1),
                name="initiative_attention_weeks_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Programme(TimeStampedModel):
    """A project of an initiative, e.g. Taalmentoraat PO."""

    class SupportType(models.TextChoices):
        LANGUAGE = "language", _("Language")
        HOMEWORK = "homework", _("Homework help")
        READING = "reading", _("Reading")
        STUDY_SKILLS = "study_skills", _("Study skills")
        PARENT_INVOLVEMENT = "parent_involvement", _("Parent involvement")

    class Audience(models.TextChoices):
        PUPILS = "pupils", _("Pupils (school age)")
        ADULTS = "adults", _("Adults (language coaching)")

    class Format(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One-to-one")
        GROUP = "group", _("Group")
        # a drop-in language café: only headcounts per session, no names
        DROP_IN = "drop_in", _("Drop-in language café")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        TWICE_WEEKLY = "twice_weekly", _("Twice a week")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="programmes",
        verbose_name=_("initiative"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(
        _("serves"), max_length=10, choices=Audience.choices, default=Audience.PUPILS
    )
    support_type = models.CharField(
        _("type of support"), max_length=30, choices=SupportType.choices
    )
    format = models.CharField(_("format"), max_length=20, choices=Format.choices)
    online = models.BooleanField(_("online"), default=False)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=8)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), default=16)
    min_grade = models.PositiveSmallIntegerField(
        _("from school year"), choices=SchoolGrade.choices, default=SchoolGrade.GROEP_5
    )
    max_grade = models.PositiveSmallIntegerField(
        _("up to school year"), choices=SchoolGrade.choices, default=SchoolGrade.KLAS_4
    )
    usual_duration_weeks = models.PositiveSmallIntegerField(_("usual duration (weeks)"), default=40)
    session_frequency = models.CharField(
        _("session frequency"), max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    session_minutes = models.PositiveSmallIntegerField(_("session length (minutes)"), default=90)
    # The planned dosage of one track, e.g. 20 meetings over 6 months; empty
    # where the programme has no fixed number.
    planned_meetings = models.PositiveSmallIntegerField(
        _("planned meetings per track"), null=True, blank=True
    )
    group_size_max = models.PositiveSmallIntegerField(_("maximum group size"), default=1)
    municipalities = models.ManyToManyField(
        "municipality.Municipality",
        related_name="programmes",
        verbose_name=_("municipalities served"),
    )
    schools = models.ManyToManyField(
        "schools.SchoolLocation",
        blank=True,
        related_name="programmes",
        verbose_name=_("only for these schools"),
        help_text=_("Leave empty to serve every school in the municipalities served."),
    )
    required_trainings = models.ManyToManyField(
        "Training", blank=True, related_name="required_by", verbose_name=_("required trainings")
    )
    waitlist_reminder_weeks = models.PositiveSmallIntegerField(
        _("waitlist reminder after (weeks)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["initiative__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "name"], name="programme_unique_name_per_initiative"
            ),
            models.CheckConstraint(
                condition=Q(max_age__gte=F("min_age")), name="programme_age_range_valid"
            ),
            models.CheckConstraint(
                condition=Q(max_grade__gte=F("min_grade")), name="programme_grade_range_valid"
            ),
            models.CheckConstraint(
                condition=Q(session_minutes__gt=0) & Q(session_minutes__lte=480),
                name="programme_session_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(group_size_max__gte=1), name="programme_group_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(format="group") | Q(group_size_max=1),
                name="programme_one_to_one_has_group_size_one",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammePlaces(models.Model):
    """How many pupils of one school a programme takes in one school year."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="places")
    school = models.ForeignKey(
        "schools.SchoolLocation", on_delete=models.CASCADE, related_name="programme_places"
    )
    school_year = models.PositiveSmallIntegerField(
        _("school year"), help_text=_("Calendar year in which the school year starts.")
    )
    places = models.PositiveSmallIntegerField(_("places"))

    class Meta:
        verbose_name = _("places per school")
        verbose_name_plural = _("places per school")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "school", "school_year"], name="programme_places_unique"
            ),
        ]


class Training(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="trainings")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    required = models.BooleanField(
        _("required for every volunteer"),
        default=False,
        help_text=_("A volunteer cannot be matched before following this training."),
    )

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "name"], name="training_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(TimeStampedModel):
    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        SCREENING = "screening", _("Screening")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        STOPPED = "stopped", _("Stopped")

    class EducationLevel(models.TextChoices):
        SECONDARY = "secondary", _("Secondary school")
        MBO = "mbo", _("MBO")
        HBO = "hbo", _("HBO")
        WO = "wo", _("University")

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="volunteers",
        verbose_name=_("initiative"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_profile",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.APPLICANT
    )
    neighbourhoods = models.ManyToManyField(
        "municipality.Neighbourhood",
        blank=True,
        related_name="volunteers",
        verbose_name=_("neighbourhoods they can go to"),
    )
    programmes = models.ManyToManyField(
        Programme,
        blank=True,
        related_name="volunteers",
        verbose_name=_("programmes"),
        help_text=_("Leave empty for every programme of the initiative."),
    )
    max_travel_km = models.PositiveSmallIntegerField(
        _("maximum travel distance (km)"), null=True, blank=True
    )
    online_possible = models.BooleanField(_("online possible"), default=False)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    school_levels = models.JSONField(
        _("school levels"), default=list, blank=True, help_text=_("PO, VO or both.")
    )
    education_level = models.CharField(
        _("education level"), max_length=20, choices=EducationLevel.choices, blank=True
    )
    capacity = models.PositiveSmallIntegerField(_("pupils at once"), default=1)
    intake_date = models.DateField(_("intake talk"), null=True, blank=True)
    intake_notes = models.TextField(_("intake notes"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    stop_reason = models.CharField(_("reason for stopping"), max_length=200, blank=True)
    # Set when the personal data was erased (initiatives.privacy).
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="volunteer_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=20),
                name="volunteer_capacity_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="stopped") | Q(end_date__isnull=False),
                name="volunteer_stopped_has_end_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class VolunteerStatusChange(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=Volunteer.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Volunteer.Status.choices)
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer status change")
        verbose_name_plural = _("volunteer status changes")
        ordering = ["date", "created_at"]


class Availability(models.Model):
    """A weekly time slot in which a volunteer is available."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="availability_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=1) & Q(weekday__lte=7), name="availability_weekday_range"
            ),
        ]


class VOG(models.Model):
    """Verklaring Omtrent het Gedrag. Only the facts are stored, never a scan."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="vogs")
    issued_on = models.DateField(_("issue date"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("original checked by"),
    )
    checked_on = models.DateField(_("checked on"))

    class Meta:
        verbose_name = _("VOG")
        verbose_name_plural = _("VOGs")
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__lte=LatestAllowedDate()), name="vog_issue_date_not_in_future"
            ),
            models.CheckConstraint(
                condition=Q(checked_on__gte=F("issued_on")), name="vog_checked_after_issue"
            ),
        ]


class TrainingCompletion(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="training_completions"
    )
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="completions")
    completed_on = models.DateField(_("completed on"))

    class Meta:
        verbose_name = _("training followed")
        verbose_name_plural = _("trainings followed")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "training"], name="training_completion_unique"
            ),
            models.CheckConstraint(
                condition=Q(completed_on__lte=LatestAllowedDate()),
                name="training_completion_not_in_future",
            ),
        ]


class DropInSession(TimeStampedModel):
    """One session of a drop-in language café (taalcafé): headcounts only, never names.

    A drop-in programme records no participants: only how many came, how many
    of them came for the first time and how many volunteers helped.
    """

    MAX_HEADCOUNT = 500

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="drop_in_sessions",
        verbose_name=_("programme"),
    )
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    headcount = models.PositiveSmallIntegerField(_("visitors"))
    first_visits = models.PositiveSmallIntegerField(_("of whom first visit"), null=True, blank=True)
    volunteers_present = models.PositiveSmallIntegerField(_("volunteers present"), default=0)

    class Meta:
        verbose_name = _("drop-in session")
        verbose_name_plural = _("drop-in sessions")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(headcount__lte=500), name="dropin_headcount_range"),
            models.CheckConstraint(
                condition=Q(date__lte=LatestAllowedDate()), name="dropin_date_not_in_future"
            ),
            models.CheckConstraint(
                condition=Q(first_visits__isnull=True) | Q(first_visits__lte=F("headcount")),
                name="dropin_first_visits_within_headcount",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(duration_minutes__lte=480),
                name="dropin_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(volunteers_present__lte=500), name="dropin_volunteers_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.date:%Y-%m-%d}"
