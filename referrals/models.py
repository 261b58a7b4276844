"""Pupils, guardians, referrals and everything that follows a referral.

No BSN and no special-category data (ethnicity, migration background,
health) are stored, by design.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.db import LatestAllowedDate
from core.models import SchoolGrade, TimeStampedModel, Weekday

from .querysets import (
    ContactMomentQuerySet,
    MatchQuerySet,
    PupilQuerySet,
    ReferralQuerySet,
)


class Pupil(TimeStampedModel):
    """A participant. Belongs to the initiative that guides them."""

    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.PROTECT, related_name="pupils"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    school = models.ForeignKey(
        "schools.SchoolLocation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("school"),
    )
    grade = models.PositiveSmallIntegerField(
        _("year group"), choices=SchoolGrade.choices, null=True, blank=True
    )
    neighbourhood = models.ForeignKey(
        "municipality.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("neighbourhood"),
    )
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    home_languages = models.JSONField(_("languages spoken at home"), default=list, blank=True)
    needs = models.TextField(_("needs"), blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__lte=LatestAllowedDate()), name="pupil_born_in_the_past"
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | (Q(grade__gte=1) & Q(grade__lte=14)),
                name="pupil_grade_range",
            ),
        ]
        indexes = [models.Index(fields=["last_name", "date_of_birth"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PupilAvailability(models.Model):
    """A weekly time slot in which a pupil can take part (for matching)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("availability of the pupil")
        verbose_name_plural = _("availability of the pupil")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="pupil_availability_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=1) & Q(weekday__lte=7),
                name="pupil_availability_weekday_range",
            ),
        ]


class Guardian(TimeStampedModel):
    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        CARER = "carer", _("Carer")
        OTHER = "other", _("Other")

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("name"), max_length=200)
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("language spoken"), max_length=50, blank=True)
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Referral(TimeStampedModel):
    """An aanmelding of a pupil for a programme, with its status history."""

    class Source(models.TextChoices):
        SCHOOL = "school", _("School")
        PARENT = "parent", _("Parent")
        WIJKTEAM = "wijkteam", _("Neighbourhood team")
        CLIENT_MANAGER = "client_manager", _("Client manager (municipality)")
        SELF = "self", _("Self")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        INTAKE = "intake", _("Intake")
        WAITING = "waiting", _("On the waitlist")
        MATCHED = "matched", _("Matched")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        STOPPED_EARLY = "stopped_early", _("Stopped early")

    class ConsentMethod(models.TextChoices):
        IN_WRITING = "written", _("In writing (signed form)")
        DIGITAL = "digital", _("Digitally (email or form)")
        VERBAL = "verbal", _("Verbally, recorded by the referrer")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="referrals")
    programme = models.ForeignKey(
        "initiatives.Programme", on_delete=models.PROTECT, related_name="referrals"
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    source_detail = models.CharField(_("source details"), max_length=200, blank=True)
    referring_school = models.ForeignKey(
        "schools.SchoolLocation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referring school"),
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals_made",
    )
    school_year = models.PositiveSmallIntegerField(
        _("school year"), help_text=_("Calendar year in which the school year starts.")
    )
    support_what = models.TextField(_("what support is needed"), blank=True)
    support_why = models.TextField(_("why"), blank=True)
    support_tried = models.TextField(_("what the school already tried"), blank=True)
    consent_given_by = models.CharField(_("consent given by"), max_length=200, blank=True)
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    consent_method = models.CharField(
        _("consent given how"), max_length=20, choices=ConsentMethod.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    status_changed_at = models.DateTimeField(_("last change"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    waiting_since = models.DateTimeField(_("on waitlist since"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=3, help_text=_("1 is most urgent, 5 least.")
    )
    beyond_places = models.BooleanField(
        _("waiting for a place"),
        default=False,
        help_text=_("Referred after the school's places for this school year were taken."),
    )
    outcome_reason = models.TextField(_("reason"), blank=True)
    last_waitlist_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="school") | Q(referring_school__isnull=False),
                name="referral_school_source_has_school",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (~Q(consent_given_by="") & Q(consent_date__isnull=False) & ~Q(consent_method="")),
                name="referral_consent_required_after_draft",
            ),
            models.CheckConstraint(
                condition=Q(consent_date__isnull=True) | Q(consent_date__lte=LatestAllowedDate()),
                name="referral_consent_not_in_future",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="referral_submitted_has_submitted_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "stopped_early", "withdrawn"])
                | ~Q(outcome_reason=""),
                name="referral_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=1) & Q(priority__lte=5), name="referral_priority_range"
            ),
        ]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self) -> str:
        return f"{self.pupil} - {self.programme}"

    OPEN_STATUSES = (Status.SUBMITTED, Status.INTAKE, Status.WAITING, Status.MATCHED)
    CLOSED_STATUSES = (Status.COMPLETED, Status.DECLINED, Status.WITHDRAWN, Status.STOPPED_EARLY)


class ReferralStatusChange(models.Model):
    """Every status change of a referral: who, when, why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Referral.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Referral.Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))
    referrer_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["changed_at", "pk"]


class PriorityChange(models.Model):
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="priority_changes"
    )
    from_priority = models.PositiveSmallIntegerField()
    to_priority = models.PositiveSmallIntegerField()
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="priority_change_has_reason"),
        ]


class TripartiteMeeting(TimeStampedModel):
    """The driehoeksgesprek: parent, teacher, pupil and the initiative."""

    class Attendee(models.TextChoices):
        PARENT = "parent", _("Parent")
        PUPIL = "pupil", _("Pupil")
        TEACHER = "teacher", _("Teacher or IB'er")
        INITIATIVE = "initiative", _("Initiative")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="tripartite_meetings"
    )
    planned_at = models.DateTimeField(_("planned for"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    attendees = models.JSONField(_("attendees"), default=list, blank=True)
    agreements = models.TextField(_("agreements"), blank=True)
    parent_conditions = models.TextField(_("conditions for the parents"), blank=True)
    conditions_accepted = models.BooleanField(_("parents accept the conditions"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("driehoeksgesprek")
        verbose_name_plural = _("driehoeksgesprekken")
        ordering = ["planned_at"]


class ActionPlan(TimeStampedModel):
    """The plan van aanpak that follows the driehoeksgesprek."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="action_plan")
    meeting = models.ForeignKey(
        TripartiteMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_plans",
    )

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")


class Goal(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="goals")
    description = models.TextField(_("goal"))
    responsible = models.CharField(_("who"), max_length=200)
    review_date = models.DateField(_("review date"))

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["review_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="goal_has_description"),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class Match(TimeStampedModel):
    """A koppeling: one volunteer with one pupil, or with a group."""

    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One-to-one")
        GROUP = "group", _("Group")

    class LocationType(models.TextChoices):
        HOME = "home", _("At home")
        SCHOOL = "school", _("At school")
        LIBRARY = "library", _("Library")
        COMMUNITY_CENTRE = "community_centre", _("Community centre")
        ONLINE = "online", _("Online")

    class EndReason(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        PUPIL_STOPPED = "pupil_stopped", _("Pupil stopped")
        VOLUNTEER_STOPPED = "volunteer_stopped", _("Volunteer stopped")
        MOVED = "moved", _("Moved")
        OTHER = "other", _("Other")

    programme = models.ForeignKey(
        "initiatives.Programme", on_delete=models.PROTECT, related_name="matches"
    )
    volunteer = models.ForeignKey(
        "initiatives.Volunteer", on_delete=models.PROTECT, related_name="matches"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    location_type = models.CharField(_("location"), max_length=20, choices=LocationType.choices)
    frequency = models.CharField(_("planned frequency"), max_length=20, default="weekly")
    session_minutes = models.PositiveSmallIntegerField(_("session length (minutes)"), default=90)
    start_date = models.DateField(_("start date"))
    planned_end_date = models.DateField(_("planned end"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    end_note = models.TextField(_("end note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="match_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_date__isnull=True)
                | Q(planned_end_date__gte=F("start_date")),
                name="match_planned_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) & Q(end_reason=""))
                | (Q(end_date__isnull=False) & ~Q(end_reason="")),
                name="match_ended_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(session_minutes__gt=0) & Q(session_minutes__lte=480),
                name="match_session_minutes_range",
            ),
        ]
        indexes = [models.Index(fields=["programme", "end_date"])]

    def __str__(self) -> str:
        return f"{self.volunteer} ({self.programme})"

    @property
    def is_active(self) -> bool:
        return self.end_date is None

    @property
    def ended_early(self) -> bool:
        return bool(self.end_reason) and self.end_reason != self.EndReason.COMPLETED


class MatchParticipant(models.Model):
    """A pupil in a match. A one-to-one match has one; a group match several."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="participants")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="match_participations")
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="match_participations"
    )
    # Denormalised from match.programme so the database can enforce
    # "at most one active match per pupil per programme".
    programme = models.ForeignKey(
        "initiatives.Programme", on_delete=models.PROTECT, related_name="+"
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("match participant")
        verbose_name_plural = _("match participants")
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "programme"],
                condition=Q(left_on__isnull=True),
                name="one_active_match_per_pupil_per_programme",
            ),
            models.UniqueConstraint(fields=["match", "pupil"], name="match_participant_unique"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="match_participant_left_not_before_joined",
            ),
        ]


class ContactMoment(TimeStampedModel):
    """A tutoring session, or a contact with teacher or parents."""

    class Kind(models.TextChoices):
        SESSION = "session", _("Tutoring session")
        TEACHER = "teacher", _("Contact with teacher or mentor")
        PARENT = "parent", _("Contact with parents")
        TRIPARTITE = "tripartite", _("Driehoeksgesprek")
        OTHER = "other", _("Other")

    class Phase(models.TextChoices):
        START = "start", _("Start")
        MID = "mid", _("Mid-term")
        END = "end", _("End")

    class Attendance(models.TextChoices):
        HELD = "held", _("Held")
        PUPIL_ABSENT = "pupil_absent", _("Pupil absent")
        VOLUNTEER_CANCELLED = "volunteer_cancelled", _("Volunteer cancelled")

    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, null=True, blank=True, related_name="contact_moments"
    )
    pupil = models.ForeignKey(
        Pupil, on_delete=models.CASCADE, null=True, blank=True, related_name="contact_moments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, blank=True)
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    attendance = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, default=Attendance.HELD
    )
    participants = models.JSONField(_("who took part"), default=list, blank=True)
    # Group sessions: one row for the session; the pupils of the group who
    # were not there. A one-to-one session uses ``pupil`` and ``attendance``.
    absent_pupils = models.ManyToManyField(
        Pupil, blank=True, related_name="missed_sessions", verbose_name=_("absent pupils")
    )
    note = models.TextField(_("note"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ContactMomentQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact moment")
        verbose_name_plural = _("contact moments")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(match__isnull=False) | Q(pupil__isnull=False),
                name="contact_moment_about_match_or_pupil",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__lte=600), name="contact_moment_duration_range"
            ),
            # Zero minutes only for a session that did not take place (pupil
            # absent, volunteer cancelled); one that was held lasted some time.
            models.CheckConstraint(
                condition=~Q(attendance="held") | Q(duration_minutes__gt=0),
                name="contact_moment_held_has_duration",
            ),
            models.CheckConstraint(
                condition=~Q(kind="session") | Q(match__isnull=False),
                name="contact_moment_session_has_match",
            ),
        ]
        indexes = [
            models.Index(fields=["match", "date"]),
            models.Index(fields=["date", "kind"]),
        ]


class Evaluation(TimeStampedModel):
    """Mid-term or end evaluation of a referral's action plan."""

    class Moment(models.TextChoices):
        MID = "mid", _("Mid-term")
        END = "end", _("End")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="evaluations")
    moment = models.CharField(_("moment"), max_length=10, choices=Moment.choices)
    held_on = models.DateField(_("held on"))
    summary = models.TextField(_("summary"), blank=True)
    pupil_satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction of the pupil (1-5)"), null=True, blank=True
    )
    parent_satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction of the parents (1-5)"), null=True, blank=True
    )
    # In a programme for adults the evaluation is held with the coach and the
    # learner: ``pupil_satisfaction`` is then the learner's, this the coach's,
    # and there are no parents.
    coach_satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction of the coach (1-5)"), null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["held_on"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "moment"], name="evaluation_unique_moment"),
            models.CheckConstraint(
                condition=Q(held_on__lte=LatestAllowedDate()), name="evaluation_not_in_future"
            ),
            models.CheckConstraint(
                condition=Q(pupil_satisfaction__isnull=True)
                | (Q(pupil_satisfaction__gte=1) & Q(pupil_satisfaction__lte=5)),
                name="evaluation_pupil_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=Q(parent_satisfaction__isnull=True)
                | (Q(parent_satisfaction__gte=1) & Q(parent_satisfaction__lte=5)),
                name="evaluation_parent_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=Q(coach_satisfaction__isnull=True)
                | (Q(coach_satisfaction__gte=1) & Q(coach_satisfaction__lte=5)),
                name="evaluation_coach_satisfaction_range",
            ),
        ]


class GoalEvaluation(models.Model):
    class Result(models.TextChoices):
        ACHIEVED = "achieved", _("Achieved")
        PARTLY = "partly", _("Partly achieved")
        NOT_ACHIEVED = "not_achieved", _("Not achieved")

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="goal_results"
    )
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="evaluations")
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("goal evaluation")
        verbose_name_plural = _("goal evaluations")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "goal"], name="goal_evaluation_unique"),
        ]


class ImpactMeasurement(TimeStampedModel):
    """Scores on a few questions at start, middle and end, to show change."""

    class Moment(models.TextChoices):
        START = "start", _("Start")
        MID = "mid", _("Mid-term")
        END = "end", _("End")

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="impact_measurements"
    )
    moment = models.CharField(_("moment"), max_length=10, choices=Moment.choices)
    measured_on = models.DateField(_("measured on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("impact measurement")
        verbose_name_plural = _("impact measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "moment"], name="impact_measurement_unique_moment"
            ),
        ]


class ImpactQuestion(models.Model):
    """A question a programme asks at each impact measurement, scored 1-5."""

    programme = models.ForeignKey(
        "initiatives.Programme", on_delete=models.CASCADE, related_name="impact_questions"
    )
    text = models.CharField(_("question"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("asked"), default=True)

    class Meta:
        verbose_name = _("impact question")
        verbose_name_plural = _("impact questions")
        ordering = ["programme", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "text"], name="impact_question_unique_per_programme"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class ImpactScore(models.Model):
    measurement = models.ForeignKey(
        ImpactMeasurement, on_delete=models.CASCADE, related_name="scores"
    )
    question = models.ForeignKey(
        ImpactQuestion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("question")
    )
    score = models.PositiveSmallIntegerField(
        _("score (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("impact score")
        verbose_name_plural = _("impact scores")
        constraints = [
            models.UniqueConstraint(
                fields=["measurement", "question"], name="impact_score_unique_question"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="impact_score_range"
            ),
        ]


class AttentionSignal(models.Model):
    """One 'needs attention' finding, remembered so it is reported only once.

    ``subject`` names what it is about (``match:12``, ``volunteer:3``) and
    ``anchor`` the occasion (e.g. the date of the last held session), so the
    same gap is reported once, and a new gap later is reported again.
    """

    class Rule(models.TextChoices):
        NO_SESSION = "no_session", _("No session held for weeks")
        TEACHER_START = "teacher_start", _("No teacher contact at the start")
        TEACHER_MID = "teacher_mid", _("No teacher contact at mid-term")
        MID_EVALUATION = "mid_evaluation", _("Mid-term evaluation due")
        VOG_EXPIRING = "vog_expiring", _("VOG expires soon")
        NO_CHECK_IN = "no_check_in", _("No check-in with the coach for weeks")

    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.CASCADE, related_name="attention_signals"
    )
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    subject = models.CharField(max_length=40)
    anchor = models.CharField(max_length=40)
    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, null=True, blank=True, related_name="attention_signals"
    )
    volunteer = models.ForeignKey(
        "initiatives.Volunteer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attention_signals",
    )
    first_seen_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attention signal")
        verbose_name_plural = _("attention signals")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject", "anchor"], name="attention_signal_once"
            ),
            models.CheckConstraint(
                condition=Q(match__isnull=False) | Q(volunteer__isnull=False),
                name="attention_signal_has_subject",
            ),
        ]


# --- adult language coaching (taalcoaching in de inburgering) ---------------


class LearnerProfile(TimeStampedModel):
    """What an adult learner brings: route, level goal, language school, coach.

    Adults have no school and no school year; their contact details live here
    (a pupil's go through the guardians). No BSN, by design.
    """

    class LearningRoute(models.TextChoices):
        B1 = "b1", _("B1 route")
        EDUCATION = "education", _("Education route")
        Z = "z", _("Z route")

    class Level(models.TextChoices):
        A1 = "A1", "A1"
        A2 = "A2", "A2"
        B1 = "B1", "B1"
        B2 = "B2", "B2"
        C1 = "C1", "C1"

    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="learner_profile")
    municipality = models.ForeignKey(
        "municipality.Municipality",
        on_delete=models.PROTECT,
        related_name="learner_profiles",
        verbose_name=_("municipality"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    learning_route = models.CharField(
        _("learning route"), max_length=20, choices=LearningRoute.choices
    )
    level_goal = models.CharField(
        _("language level goal"), max_length=2, choices=Level.choices, blank=True
    )
    language_school = models.CharField(_("language school"), max_length=200, blank=True)
    has_coach = models.BooleanField(_("has a coach"), default=False)

    class Meta:
        verbose_name = _("learner details")
        verbose_name_plural = _("learner details")
        constraints = [
            models.CheckConstraint(
                condition=Q(learning_route__in=["b1", "education", "z"]),
                name="learner_profile_route_known",
            ),
            models.CheckConstraint(
                condition=Q(level_goal__in=["", "A1", "A2", "B1", "B2", "C1"]),
                name="learner_profile_level_known",
            ),
        ]

    def __str__(self) -> str:
        return str(self.pupil)


class DropOutSignal(models.Model):
    """The coordinator's signal that an adult learner is about to drop out."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="drop_out_signals"
    )
    match = models.ForeignKey(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="drop_out_signals"
    )
    signalled_on = models.DateField(_("date"))
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    client_manager_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("signal of imminent drop-out")
        verbose_name_plural = _("signals of imminent drop-out")
        ordering = ["-signalled_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="drop_out_signal_has_reason"),
            models.CheckConstraint(
                condition=Q(signalled_on__lte=LatestAllowedDate()),
                name="drop_out_signal_not_in_future",
            ),
        ]


class CoachCheckIn(models.Model):
    """The coordinator's check-in with the volunteer coach of an adult match."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="coach_check_ins")
    held_on = models.DateField(_("date"))
    note = models.CharField(_("short note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("check-in with the coach")
        verbose_name_plural = _("check-ins with the coach")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(held_on__lte=LatestAllowedDate()),
                name="coach_check_in_not_in_future",
            ),
        ]
