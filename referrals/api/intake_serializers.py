"""Serializers of the intake endpoints: pupils and guardians, referrals, the
driehoeksgesprek, the action plan and the waitlist.

What a role reads follows its pages:

- the initiative's project leaders read everything their referral page shows
  (guardians' contact details, priority, driehoeksgesprekken, who changed what);
- the referring school reads what its referral page shows: status, history with
  reasons, the goals and their results, whether a volunteer is matched and how
  many sessions were held; never the volunteer, session notes, the guardians'
  phone and email, the priority or the driehoeksgesprek's notes;
- the klantmanager (client manager) who referred an adult reads what their
  page shows: status and history, the signals of imminent drop-out and the
  start and stop of the coaching track; not the meetings nor the action plan;
- the matched volunteer reads their pupil's name, school and year group only.

A value a role may not read is ``null``. Input serializers only check shape
and map to the keyword arguments of the service the page calls.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.scope import Scope, scope_for
from core.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictDateTimeField,
    StrictEmailField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
    StrictRegexField,
)
from core.models import SchoolGrade
from initiatives.models import Programme
from municipality.models import Municipality, Neighbourhood
from schools.models import SchoolLocation

from .. import selectors
from ..forms.leader import LeaderReferralForm
from ..forms.school import programmes_for_schools
from ..models import (
    DropOutSignal,
    Goal,
    GoalEvaluation,
    Guardian,
    LearnerProfile,
    PriorityChange,
    Pupil,
    Referral,
    ReferralStatusChange,
    TripartiteMeeting,
)
from ..services.adults import ADULT_SOURCES, LearnerData, adult_programmes
from ..services.intake import GoalData
from ..services.lifecycle import GuardianData, PupilData, age_on
from ..services.waitlist import reminder_interval
from ..views.leader import _create_choices

LEADER, SCHOOL, VOLUNTEER, CLIENT_MANAGER = "leader", "school", "volunteer", "client_manager"
MAX_TEXT = 5000
MAX_INT = 2_147_483_647
HIDDEN = "Null when your role does not see it."


def _scope(serializer) -> Scope:
    request = serializer.context.get("request")
    return scope_for(getattr(request, "user", None))


def pupil_access(scope: Scope, pupil: Pupil) -> str:
    """How much of a pupil the user reads: as project leader, referring school or volunteer."""
    if scope.leads(pupil.initiative_id):
        return LEADER
    if getattr(pupil, "referred_by_own_school", False):
        return SCHOOL
    return VOLUNTEER


def referral_access(scope: Scope, referral: Referral) -> str:
    """Project leader of the programme's initiative, the klantmanager who referred the
    adult, or else the referring school."""
    if scope.leads(referral.programme.initiative_id):
        return LEADER
    if (
        referral.source == Referral.Source.CLIENT_MANAGER
        and scope.user_id is not None
        and referral.referred_by_id == scope.user_id
    ):
        return CLIENT_MANAGER
    return SCHOOL


def _blank_out(data: dict, names) -> dict:
    for name in names:
        if name in data:
            data[name] = None
    return data


# --- output: pupils and guardians -------------------------------------------------


class GuardianSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=f"Phone number, possibly empty. {HIDDEN} (Schools.)",
    )
    email = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=f"Email address, possibly empty. {HIDDEN} (Schools.)",
    )

    class Meta:
        model = Guardian
        fields = ["id", "name", "relationship", "phone", "email", "language", "interpreter_needed"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the parent or carer."},
            "name": {"help_text": "Name of the parent or carer."},
            "relationship": {"help_text": "Relationship to the pupil, possibly empty."},
            "language": {"help_text": "Language the parent or carer speaks, possibly empty."},
            "interpreter_needed": {"help_text": "Whether talks need an interpreter."},
        }


GUARDIAN_CONTACT = ("phone", "email")


def guardians_for(access: str, guardians) -> list[dict] | None:
    if access == VOLUNTEER:
        return None
    data = GuardianSerializer(guardians, many=True).data
    if access == SCHOOL:
        return [_blank_out(dict(item), GUARDIAN_CONTACT) for item in data]
    return data


class PupilSerializer(serializers.ModelSerializer):
    initiative_name = serializers.CharField(
        source="initiative.name", read_only=True, help_text="Name of the initiative."
    )
    date_of_birth = serializers.DateField(
        read_only=True, allow_null=True, help_text=f"Date of birth. {HIDDEN} (Volunteers.)"
    )
    school_name = serializers.CharField(
        source="school.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Name of the pupil's school, if known.",
    )
    neighbourhood = serializers.IntegerField(
        source="neighbourhood_id",
        read_only=True,
        allow_null=True,
        help_text=f"Identifier of the neighbourhood the pupil lives in. {HIDDEN}",
    )
    neighbourhood_name = serializers.CharField(
        source="neighbourhood.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=f"Name of the neighbourhood. {HIDDEN}",
    )
    postcode = serializers.CharField(
        read_only=True, allow_null=True, help_text=f"Postcode, possibly empty. {HIDDEN}"
    )
    home_languages = serializers.ListField(
        child=serializers.CharField(help_text="A language."),
        read_only=True,
        allow_null=True,
        help_text=f"Languages spoken at home. {HIDDEN}",
    )
    needs = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=f"What the initiative noted about the pupil's needs. {HIDDEN}",
    )
    guardians = serializers.SerializerMethodField(
        help_text="Parents or carers. Schools see no phone or email; null for volunteers."
    )

    class Meta:
        model = Pupil
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "initiative",
            "initiative_name",
            "school",
            "school_name",
            "grade",
            "neighbourhood",
            "neighbourhood_name",
            "postcode",
            "home_languages",
            "needs",
            "guardians",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the pupil."},
            "initiative": {"help_text": "Identifier of the initiative that guides the pupil."},
            "school": {"help_text": "Identifier of the pupil's school location, if known."},
            "grade": {"help_text": "Year group: 1 to 8 is groep 1 to 8, 9 to 14 klas 1 to 6."},
        }

    HIDDEN_FOR = {
        LEADER: (),
        SCHOOL: ("neighbourhood", "neighbourhood_name", "postcode", "home_languages", "needs"),
        VOLUNTEER: (
            "date_of_birth",
            "neighbourhood",
            "neighbourhood_name",
            "postcode",
            "home_languages",
            "needs",
        ),
    }

    @extend_schema_field(GuardianSerializer(many=True, allow_null=True))
    def get_guardians(self, pupil):
        return guardians_for(pupil_access(_scope(self), pupil), pupil.guardians.all())

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return _blank_out(data, self.HIDDEN_FOR[pupil_access(_scope(self), instance)])


class PupilSummarySerializer(serializers.ModelSerializer):
    """The pupil as a referral shows them, to its project leaders and its school."""

    class Meta:
        model = Pupil
        fields = ["id", "first_name", "last_name", "date_of_birth", "grade"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the pupil."},
            "grade": {"help_text": "Year group: 1 to 8 is groep 1 to 8, 9 to 14 klas 1 to 6."},
        }


# --- output: referrals ------------------------------------------------------------


class ReferralStatusChangeSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        source="to_status",
        choices=Referral.Status.choices,
        read_only=True,
        help_text="The new status.",
    )
    previous_status = serializers.CharField(
        source="from_status",
        read_only=True,
        help_text="The status before (one of the referral statuses); empty for the first.",
    )
    changed_by_name = serializers.SerializerMethodField(
        help_text=f"Who made the change. {HIDDEN} (Schools.)"
    )

    class Meta:
        model = ReferralStatusChange
        fields = ["status", "previous_status", "reason", "changed_at", "changed_by_name"]
        read_only_fields = fields
        extra_kwargs = {
            "reason": {"help_text": "Why, when a reason was given (declined, withdrawn, ...)."},
            "changed_at": {"help_text": "When the status changed."},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_changed_by_name(self, change):
        if not self.context.get("leader_view") or change.changed_by is None:
            return None
        return change.changed_by.get_full_name() or change.changed_by.email


class TripartiteMeetingSerializer(serializers.ModelSerializer):
    attendees = serializers.ListField(
        child=serializers.ChoiceField(
            choices=TripartiteMeeting.Attendee.choices, help_text="One who takes part."
        ),
        read_only=True,
        help_text="Who takes part (planned) or took part (held).",
    )

    class Meta:
        model = TripartiteMeeting
        fields = [
            "id",
            "planned_at",
            "held_on",
            "attendees",
            "agreements",
            "parent_conditions",
            "conditions_accepted",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the driehoeksgesprek."},
            "planned_at": {"help_text": "When it is (or was) planned."},
            "held_on": {"help_text": "When it was held; null while only planned."},
            "agreements": {"help_text": "What was agreed; empty while only planned."},
            "parent_conditions": {"help_text": "Conditions for the parents, possibly empty."},
            "conditions_accepted": {"help_text": "Whether the parents accept the conditions."},
        }


class PriorityChangeSerializer(serializers.ModelSerializer):
    changed_by_name = serializers.SerializerMethodField(help_text="Who changed the priority.")

    class Meta:
        model = PriorityChange
        fields = ["from_priority", "to_priority", "reason", "changed_at", "changed_by_name"]
        read_only_fields = fields
        extra_kwargs = {
            "from_priority": {"help_text": "Priority before (1 is most urgent, 5 least)."},
            "to_priority": {"help_text": "Priority after (1 is most urgent, 5 least)."},
            "reason": {"help_text": "Why the priority changed."},
            "changed_at": {"help_text": "When the priority changed."},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_changed_by_name(self, change):
        if change.changed_by is None:
            return None
        return change.changed_by.get_full_name() or change.changed_by.email


class GoalResultSerializer(serializers.Serializer):
    evaluation = serializers.CharField(
        read_only=True, help_text="The evaluation: mid (mid-term) or end."
    )
    result = serializers.ChoiceField(
        choices=GoalEvaluation.Result.choices, read_only=True, help_text="How far it was achieved."
    )


class ActionPlanGoalSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="Identifier of the goal.")
    description = serializers.CharField(read_only=True, help_text="The goal.")
    responsible = serializers.CharField(
        read_only=True, allow_null=True, help_text=f"Who works on it. {HIDDEN} (Schools.)"
    )
    review_date = serializers.DateField(read_only=True, help_text="When the goal is reviewed.")
    results = GoalResultSerializer(
        many=True, read_only=True, help_text="The goal's results at the evaluations so far."
    )


def goals_of(referral: Referral, *, leader_view: bool) -> list[dict]:
    """The action plan's goals with their evaluation results (as both referral pages show)."""
    goals = (
        Goal.objects.filter(plan__referral=referral)
        .prefetch_related(
            Prefetch("evaluations", queryset=GoalEvaluation.objects.select_related("evaluation"))
        )
        .order_by("review_date", "pk")
    )
    rows = []
    for goal in goals:
        results = sorted(goal.evaluations.all(), key=lambda ge: (ge.evaluation.held_on, ge.pk))
        rows.append(
            {
                "id": goal.pk,
                "description": goal.description,
                "responsible": goal.responsible if leader_view else None,
                "review_date": goal.review_date,
                "results": [
                    {"evaluation": ge.evaluation.moment, "result": ge.result} for ge in results
                ],
            }
        )
    return rows


class DropOutSignalSerializer(serializers.ModelSerializer):
    class Meta:
        model = DropOutSignal
        fields = ["signalled_on", "reason"]
        read_only_fields = fields
        extra_kwargs = {
            "signalled_on": {"help_text": "When the coordinator signalled it."},
            "reason": {"help_text": "Why the person is about to drop out."},
        }


class CoachingTrackSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="When the coaching track started.")
    end_date = serializers.DateField(
        allow_null=True, help_text="When it stopped; null while it runs."
    )
    end_reason = serializers.CharField(
        allow_blank=True, help_text="Why it stopped, in words; empty while it runs."
    )


class ReferralSerializer(serializers.ModelSerializer):
    """A referral in a list: what the school's list and the project leader's inbox show."""

    pupil = PupilSummarySerializer(read_only=True, help_text="The referred pupil.")
    programme_name = serializers.CharField(
        source="programme.name", read_only=True, help_text="Name of the programme."
    )
    initiative = serializers.IntegerField(
        source="programme.initiative_id",
        read_only=True,
        help_text="Identifier of the programme's initiative.",
    )
    initiative_name = serializers.CharField(
        source="programme.initiative.name", read_only=True, help_text="Name of the initiative."
    )
    referring_school_name = serializers.CharField(
        source="referring_school.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Name of the referring school; null when no school referred.",
    )
    source_detail = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=f"Where the referral came from, in words. {HIDDEN} (Schools.)",
    )
    priority = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=f"Waitlist priority, 1 most urgent to 5 least. {HIDDEN} (Schools.)",
    )
    waiting_since = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=f"When the pupil joined the waitlist; null if never. {HIDDEN} (Schools.)",
    )
    next_step = serializers.SerializerMethodField(help_text="What happens next, in words.")
    days_waiting = serializers.SerializerMethodField(
        help_text="Days since submission while no volunteer is matched; null otherwise."
    )
    matched_since = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="Since when a volunteer is matched; null when none is.",
    )
    sessions_held = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Tutoring sessions held for this referral. Null for the klantmanager, who "
        "sees the start and stop of the coaching track, not its meetings.",
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "status",
            "next_step",
            "days_waiting",
            "pupil",
            "programme",
            "programme_name",
            "initiative",
            "initiative_name",
            "source",
            "source_detail",
            "referring_school",
            "referring_school_name",
            "school_year",
            "created_at",
            "submitted_at",
            "status_changed_at",
            "waiting_since",
            "priority",
            "beyond_places",
            "matched_since",
            "sessions_held",
            "version",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the referral."},
            "status": {"help_text": "Where the referral is in its life cycle."},
            "programme": {"help_text": "Identifier of the programme referred to."},
            "source": {"help_text": "Who referred the pupil."},
            "referring_school": {"help_text": "Identifier of the referring school, if any."},
            "created_at": {"help_text": "When the referral was first saved."},
            "submitted_at": {"help_text": "When it was submitted; null for a draft."},
            "status_changed_at": {"help_text": "When the status last changed."},
            "version": {
                "help_text": "Changes with every change; send it with an action to be "
                "told (409) when someone else changed the referral meanwhile."
            },
        }

    LEADER_ONLY = ("source_detail", "priority", "waiting_since")
    # The klantmanager's page shows neither the meetings nor the action plan.
    NOT_FOR_CLIENT_MANAGER = ("sessions_held",)

    def get_next_step(self, referral) -> str:
        return selectors.next_step(referral)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_waiting(self, referral):
        return selectors.days_waiting(referral, today=self.context.get("today"))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        access = referral_access(_scope(self), instance)
        if access != LEADER:
            _blank_out(data, self.LEADER_ONLY)
        if access == CLIENT_MANAGER:
            _blank_out(data, self.NOT_FOR_CLIENT_MANAGER)
        return data


class ReferralDetailSerializer(ReferralSerializer):
    """One referral: the school's or the project leader's referral page."""

    guardians = serializers.SerializerMethodField(
        help_text="The pupil's parents or carers; schools see no phone or email."
    )
    status_changes = serializers.SerializerMethodField(
        help_text="Every status change, oldest first, with its reason."
    )
    tripartite_meetings = serializers.SerializerMethodField(
        help_text=f"The driehoeksgesprekken, planned and held. {HIDDEN} (Schools.)"
    )
    goals = serializers.SerializerMethodField(
        help_text="The action plan's goals with their evaluation results; null for the "
        "klantmanager."
    )
    drop_out_signals = serializers.SerializerMethodField(
        help_text="Adult language coaching: the coordinator's signals that the person is "
        "about to drop out, newest first, as the klantmanager's page shows them. For the "
        "initiative's project leaders and the klantmanager who referred the person; null "
        "for schools."
    )
    coaching_tracks = serializers.SerializerMethodField(
        help_text="Adult language coaching: the start and stop of each coaching track, "
        "oldest first (never the meetings). For the initiative's project leaders and the "
        "klantmanager who referred the person; null for schools."
    )
    priority_changes = serializers.SerializerMethodField(
        help_text=f"Earlier priority changes, oldest first. {HIDDEN} (Schools.)"
    )

    class Meta(ReferralSerializer.Meta):
        fields = [
            *ReferralSerializer.Meta.fields,
            "support_what",
            "support_why",
            "support_tried",
            "consent_given_by",
            "consent_date",
            "consent_method",
            "outcome_reason",
            "guardians",
            "status_changes",
            "tripartite_meetings",
            "goals",
            "priority_changes",
            "drop_out_signals",
            "coaching_tracks",
        ]
        read_only_fields = fields
        extra_kwargs = {
            **ReferralSerializer.Meta.extra_kwargs,
            "support_what": {"help_text": "What support the pupil needs."},
            "support_why": {"help_text": "Why the pupil needs it."},
            "support_tried": {"help_text": "What the school already tried."},
            "consent_given_by": {"help_text": "The parent or carer who consented."},
            "consent_date": {"help_text": "When consent was given; null if not recorded."},
            "consent_method": {"help_text": "How consent was given; empty if not recorded."},
            "outcome_reason": {"help_text": "Reason of a decline, withdrawal or early stop."},
        }

    def _leader(self, referral) -> bool:
        return referral_access(_scope(self), referral) == LEADER

    @extend_schema_field(GuardianSerializer(many=True))
    def get_guardians(self, referral):
        access = LEADER if self._leader(referral) else SCHOOL
        return guardians_for(access, referral.pupil.guardians.all())

    @extend_schema_field(ReferralStatusChangeSerializer(many=True))
    def get_status_changes(self, referral):
        context = {**self.context, "leader_view": self._leader(referral)}
        return ReferralStatusChangeSerializer(
            referral.status_changes.all(), many=True, context=context
        ).data

    @extend_schema_field(TripartiteMeetingSerializer(many=True, allow_null=True))
    def get_tripartite_meetings(self, referral):
        if not self._leader(referral):
            return None
        return TripartiteMeetingSerializer(referral.tripartite_meetings.all(), many=True).data

    def _follows_adult(self, referral) -> bool:
        return referral_access(_scope(self), referral) in (LEADER, CLIENT_MANAGER)

    @extend_schema_field(DropOutSignalSerializer(many=True, allow_null=True))
    def get_drop_out_signals(self, referral):
        if not self._follows_adult(referral):
            return None
        return DropOutSignalSerializer(referral.drop_out_signals.all(), many=True).data

    @extend_schema_field(CoachingTrackSerializer(many=True, allow_null=True))
    def get_coaching_tracks(self, referral):
        if not self._follows_adult(referral):
            return None
        return CoachingTrackSerializer(selectors.coaching_tracks(referral), many=True).data

    @extend_schema_field(ActionPlanGoalSerializer(many=True, allow_null=True))
    def get_goals(self, referral):
        if referral_access(_scope(self), referral) == CLIENT_MANAGER:
            return None
        return ActionPlanGoalSerializer(
            goals_of(referral, leader_view=self._leader(referral)), many=True
        ).data

    @extend_schema_field(PriorityChangeSerializer(many=True, allow_null=True))
    def get_priority_changes(self, referral):
        if not self._leader(referral):
            return None
        return PriorityChangeSerializer(referral.priority_changes.all(), many=True).data


# --- output: the waitlist -----------------------------------------------------------


class WaitlistEntrySerializer(serializers.ModelSerializer):
    """A waiting pupil, as the waitlist page shows them."""

    referral = serializers.IntegerField(
        source="pk", read_only=True, help_text="Identifier of the referral."
    )
    pupil = PupilSummarySerializer(read_only=True, help_text="The waiting pupil.")
    age = serializers.SerializerMethodField(help_text="The pupil's age today, in years.")
    programme_name = serializers.CharField(
        source="programme.name", read_only=True, help_text="Name of the programme."
    )
    referring_school_name = serializers.CharField(
        source="referring_school.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Name of the referring school; null when no school referred.",
    )
    needs = serializers.CharField(
        source="pupil.needs", read_only=True, help_text="The pupil's needs, possibly empty."
    )
    days_waiting = serializers.SerializerMethodField(
        help_text="Days since the referral was submitted."
    )
    long_wait = serializers.SerializerMethodField(
        help_text="Whether the pupil has waited longer than the programme's reminder interval."
    )
    guardian_languages = serializers.SerializerMethodField(
        help_text="The languages the parents or carers speak."
    )
    interpreter_needed = serializers.SerializerMethodField(
        help_text="Whether any parent or carer needs an interpreter."
    )

    class Meta:
        model = Referral
        fields = [
            "referral",
            "priority",
            "pupil",
            "age",
            "programme",
            "programme_name",
            "source",
            "referring_school",
            "referring_school_name",
            "submitted_at",
            "waiting_since",
            "days_waiting",
            "long_wait",
            "beyond_places",
            "needs",
            "support_what",
            "guardian_languages",
            "interpreter_needed",
            "version",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "priority": {"help_text": "Priority, 1 most urgent to 5 least."},
            "programme": {"help_text": "Identifier of the programme."},
            "source": {"help_text": "Who referred the pupil."},
            "referring_school": {"help_text": "Identifier of the referring school, if any."},
            "submitted_at": {"help_text": "When the referral was submitted."},
            "waiting_since": {"help_text": "When the pupil joined the waitlist."},
            "support_what": {"help_text": "What support the pupil needs."},
            "version": {"help_text": "The referral's version, for the priority action."},
        }

    def _today(self):
        return self.context.get("today") or timezone.localdate()

    def get_age(self, referral) -> int:
        return age_on(referral.pupil.date_of_birth, self._today())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_waiting(self, referral):
        return selectors.days_waiting(referral, today=self._today())

    def get_long_wait(self, referral) -> bool:
        if not referral.waiting_since:
            return False
        return timezone.now() - referral.waiting_since >= reminder_interval(referral.programme)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_guardian_languages(self, referral):
        languages = []
        for guardian in referral.pupil.guardians.all():
            if guardian.language and guardian.language not in languages:
                languages.append(guardian.language)
        return languages

    def get_interpreter_needed(self, referral) -> bool:
        return any(g.interpreter_needed for g in referral.pupil.guardians.all())


# --- input: shared pieces -------------------------------------------------------------


class VersionSerializer(serializers.Serializer):
    version = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        help_text="The referral's version as you read it. If given and the referral changed "
        "meanwhile, the answer is 409 and nothing changes.",
    )


class ReasonSerializer(VersionSerializer):
    reason = StrictCharField(
        max_length=MAX_TEXT,
        help_text="Why; the referrer sees this reason.",
        error_messages={"blank": _("Give a reason."), "required": _("Give a reason.")},
    )


class PrioritySerializer(VersionSerializer):
    priority = StrictIntegerField(
        min_value=1, max_value=5, help_text="The new priority: 1 most urgent, 5 least."
    )
    reason = StrictCharField(
        max_length=MAX_TEXT, help_text="Why the priority changes; recorded with the change."
    )


def _attendees_field(help_text: str):
    return serializers.ListField(
        child=StrictChoiceField(
            choices=TripartiteMeeting.Attendee.choices, help_text="One who takes part."
        ),
        allow_empty=False,
        max_length=len(TripartiteMeeting.Attendee.choices),
        help_text=help_text,
    )


class MeetingPlanSerializer(VersionSerializer):
    planned_at = StrictDateTimeField(help_text="When the driehoeksgesprek takes place.")
    attendees = _attendees_field("Who is invited.")


class GoalInputSerializer(serializers.Serializer):
    description = StrictCharField(
        max_length=MAX_TEXT, help_text="The goal, e.g. finishes the maths material in six weeks."
    )
    responsible = StrictCharField(max_length=200, help_text="Who works on it.")
    review_date = StrictDateField(help_text="When the goal is reviewed.")


def _goals_field():
    return serializers.ListField(
        child=GoalInputSerializer(),
        min_length=1,
        max_length=10,
        help_text="The goals: one to ten.",
    )


def goal_data(goals: list[dict]) -> list[GoalData]:
    return [
        GoalData(
            description=g["description"], responsible=g["responsible"], review_date=g["review_date"]
        )
        for g in goals
    ]


class MeetingOutcomeSerializer(VersionSerializer):
    meeting = StrictPrimaryKeyRelatedField(
        queryset=TripartiteMeeting.objects.none(),
        required=False,
        help_text="Identifier of the planned driehoeksgesprek; may be left out when only "
        "one is planned without an outcome.",
    )
    held_on = StrictDateField(help_text="When it was held; not in the future.")
    attendees = _attendees_field("Who actually took part.")
    agreements = StrictCharField(max_length=MAX_TEXT, help_text="What was agreed.")
    parent_conditions = StrictCharField(
        max_length=MAX_TEXT,
        required=False,
        default="",
        allow_blank=True,
        help_text="What the parents agree to do; without it the child cannot take part.",
    )
    conditions_accepted = StrictBooleanField(
        required=False, default=False, help_text="Whether the parents accept the conditions."
    )
    goals = _goals_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        referral = self.context.get("referral")
        if referral is not None:
            self.fields["meeting"].queryset = referral.tripartite_meetings.all()


class ActionPlanSerializer(serializers.Serializer):
    goals = _goals_field()


# --- input: a new referral ------------------------------------------------------------

POSTCODE = r"^\s*[1-9][0-9]{3}\s?[A-Za-z]{2}\s*$"
PHONE = r"^\+?[0-9][0-9 \-()]{5,18}$"


class SchoolGuardianInputSerializer(serializers.Serializer):
    """A parent or carer on the school's referral form: a phone number or an email is needed."""

    name = StrictCharField(max_length=200, help_text="Name of the parent or carer.")
    relationship = StrictChoiceField(
        choices=Guardian.Relationship.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="Relationship to the pupil.",
    )
    phone = StrictRegexField(
        PHONE,
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text="Phone number, such as 06-12345678.",
        error_messages={"invalid": _("Enter a phone number such as 06-12345678.")},
    )
    email = StrictEmailField(
        max_length=254, required=False, default="", allow_blank=True, help_text="Email address."
    )
    language = StrictCharField(
        max_length=50,
        required=False,
        default="",
        allow_blank=True,
        help_text="Language spoken at home, e.g. Dutch, Arabic, Tigrinya.",
    )
    interpreter_needed = StrictBooleanField(
        required=False, default=False, help_text="Whether an interpreter is needed."
    )

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError(
                {"phone": _("Give a phone number or an email address.")}
            )
        return attrs


class LeaderGuardianInputSerializer(SchoolGuardianInputSerializer):
    """A parent or carer as the project leader enters them: contact details are optional."""

    phone = StrictCharField(
        max_length=20, required=False, default="", allow_blank=True, help_text="Phone number."
    )

    def validate(self, attrs):
        return attrs


def guardian_data(guardians: list[dict]) -> list[GuardianData]:
    return [
        GuardianData(
            name=g["name"],
            phone=g["phone"],
            email=g["email"],
            language=g["language"],
            interpreter_needed=g["interpreter_needed"],
            relationship=g["relationship"],
        )
        for g in guardians
    ]


def _not_in_future(value, message):
    if value is not None and value > timezone.localdate():
        raise serializers.ValidationError(message)
    return value


class ReferralInputBase(serializers.Serializer):
    """Pupil, support question, programme and parental consent: what both forms share."""

    programme = StrictPrimaryKeyRelatedField(
        queryset=Programme.objects.none(), help_text="Identifier of the programme."
    )
    first_name = StrictCharField(max_length=100, help_text="The pupil's first name.")
    last_name = StrictCharField(max_length=100, help_text="The pupil's last name.")
    date_of_birth = StrictDateField(help_text="The pupil's date of birth.")
    neighbourhood = StrictPrimaryKeyRelatedField(
        queryset=Neighbourhood.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Identifier of the neighbourhood the pupil lives in.",
    )
    support_tried = StrictCharField(
        max_length=MAX_TEXT,
        required=False,
        default="",
        allow_blank=True,
        help_text="What has already been tried.",
    )
    confirm_duplicate = StrictBooleanField(
        required=False,
        default=False,
        help_text="Save even though a pupil with this name and date of birth is already known.",
    )

    def validate_date_of_birth(self, value):
        return _not_in_future(value, _("The date of birth cannot be in the future."))

    def validate_consent_date(self, value):
        return _not_in_future(value, _("The consent date cannot be in the future."))

    @property
    def user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)


class SchoolReferralInputSerializer(ReferralInputBase):
    """A school referrer's referral, as the referral form: saved as a draft or submitted."""

    school = StrictPrimaryKeyRelatedField(
        queryset=SchoolLocation.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Identifier of your school location; may be left out if you have one.",
    )
    grade = StrictChoiceField(
        choices=SchoolGrade.choices,
        help_text="Year group: 1 to 8 is groep 1 to 8, 9 to 14 klas 1 to 6.",
    )
    postcode = StrictRegexField(
        POSTCODE,
        max_length=7,
        required=False,
        default="",
        allow_blank=True,
        help_text="Postcode such as 3531 AB; give it or the neighbourhood.",
        error_messages={"invalid": _("Enter a postcode such as 3531 AB.")},
    )
    guardians = serializers.ListField(
        child=SchoolGuardianInputSerializer(),
        min_length=1,
        max_length=4,
        help_text="The parents or carers: one to four.",
    )
    support_what = StrictCharField(max_length=MAX_TEXT, help_text="What support the pupil needs.")
    support_why = StrictCharField(max_length=MAX_TEXT, help_text="Why the pupil needs it.")
    consent_given_by = StrictCharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        help_text="The parent or carer who agreed; needed to submit.",
    )
    consent_date = StrictDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When consent was given; needed to submit.",
    )
    consent_method = StrictChoiceField(
        choices=Referral.ConsentMethod.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="How consent was given; needed to submit.",
    )
    submit = StrictBooleanField(
        required=False,
        default=False,
        help_text="Submit the referral to the initiative (parental consent is then "
        "required); false saves a draft the initiative does not see.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(self.user)
        self.schools = list(
            SchoolLocation.objects.visible_to(self.user)
            .filter(pk__in=scope.school_ids)
            .order_by("name")
        )
        ids = [s.pk for s in self.schools]
        self.fields["school"].queryset = SchoolLocation.objects.visible_to(self.user).filter(
            pk__in=ids
        )
        self.fields["programme"].queryset = programmes_for_schools(self.schools)
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(
            municipality_id__in={s.municipality_id for s in self.schools}
        )

    def validate(self, attrs):
        school = attrs.get("school")
        if school is None:
            if len(self.schools) != 1:
                raise serializers.ValidationError({"school": _("Choose your school.")})
            school = attrs["school"] = self.schools[0]
        neighbourhood = attrs.get("neighbourhood")
        if neighbourhood is not None and neighbourhood.municipality_id != school.municipality_id:
            raise serializers.ValidationError(
                {"neighbourhood": _("Choose a neighbourhood in the municipality of the school.")}
            )
        if neighbourhood is None and not attrs.get("postcode"):
            raise serializers.ValidationError(
                {"postcode": _("Give the neighbourhood or the postcode.")}
            )
        return attrs

    def pupil_data(self) -> PupilData:
        """As the referral form: the postcode as ``1234 AB``, languages from the guardians."""
        data = self.validated_data
        languages = []
        for guardian in data["guardians"]:
            if guardian["language"] and guardian["language"] not in languages:
                languages.append(guardian["language"])
        postcode = " ".join(data["postcode"].split()).upper()
        if len(postcode) == 6:
            postcode = f"{postcode[:4]} {postcode[4:]}"
        return PupilData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            grade=data["grade"],
            neighbourhood_id=data["neighbourhood"].pk if data["neighbourhood"] else None,
            postcode=postcode,
            home_languages=languages,
        )

    def service_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "school": data["school"],
            "programme": data["programme"],
            "pupil": self.pupil_data(),
            "guardians": guardian_data(data["guardians"]),
            "support_what": data["support_what"],
            "support_why": data["support_why"],
            "support_tried": data["support_tried"],
            "consent_given_by": data["consent_given_by"],
            "consent_date": data["consent_date"],
            "consent_method": data["consent_method"],
        }


class LearnerInputSerializer(serializers.Serializer):
    """An adult's learner details, as the form for adults asks them (no BSN)."""

    municipality = StrictPrimaryKeyRelatedField(
        queryset=Municipality.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Identifier of the municipality the person lives in, one the programme "
        "serves; may be left out when the programme serves one municipality.",
    )
    learning_route = StrictChoiceField(
        choices=LearnerProfile.LearningRoute.choices, help_text="The integration learning route."
    )
    level_goal = StrictChoiceField(
        choices=LearnerProfile.Level.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="The language level goal, where known.",
    )
    language_school = StrictCharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        help_text="The person's language school.",
    )
    has_coach = StrictBooleanField(
        required=False, default=False, help_text="Whether the person has a coach."
    )
    phone = StrictCharField(
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text="The person's phone number; give it or the email address.",
    )
    email = StrictEmailField(
        max_length=254,
        required=False,
        default="",
        allow_blank=True,
        help_text="The person's email address; give it or the phone number.",
    )

    def validate(self, attrs):
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError(
                {"phone": _("Give a phone number or an email address.")}
            )
        return attrs


class LeaderReferralInputSerializer(ReferralInputBase):
    """A referral that reached the project leader by phone or mail, entered and submitted.

    With ``learner`` it registers an adult for a programme for adults (as the
    page "Register an adult"): then no school, year group, parents or carers,
    and the consent is the person's own.
    """

    SOURCES = LeaderReferralForm.SOURCES

    source = StrictChoiceField(choices=SOURCES, help_text="Who referred the pupil.")
    school = StrictPrimaryKeyRelatedField(
        queryset=SchoolLocation.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Identifier of the referring school; required when the source is school.",
    )
    source_detail = StrictCharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        help_text="E.g. the neighbourhood team worker's name, or how it came in.",
    )
    grade = StrictChoiceField(
        choices=SchoolGrade.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Year group: 1 to 8 is groep 1 to 8, 9 to 14 klas 1 to 6.",
    )
    postcode = StrictCharField(
        max_length=7, required=False, default="", allow_blank=True, help_text="Postcode."
    )
    home_languages = serializers.ListField(
        child=StrictCharField(max_length=50, help_text="A language."),
        required=False,
        default=list,
        max_length=10,
        help_text="Languages spoken at home.",
    )
    needs = StrictCharField(
        max_length=MAX_TEXT,
        required=False,
        default="",
        allow_blank=True,
        help_text="The pupil's needs.",
    )
    guardians = serializers.ListField(
        child=LeaderGuardianInputSerializer(),
        required=False,
        default=list,
        max_length=4,
        help_text="The parents or carers: up to four.",
    )
    support_what = StrictCharField(max_length=MAX_TEXT, help_text="What support the pupil needs.")
    support_why = StrictCharField(
        max_length=MAX_TEXT, required=False, default="", allow_blank=True, help_text="Why."
    )
    consent_given_by = StrictCharField(
        max_length=200,
        help_text="The parent or carer who gave consent for this referral; for an adult, "
        "the person themselves.",
    )
    consent_date = StrictDateField(help_text="When consent was given.")
    consent_method = StrictChoiceField(
        choices=Referral.ConsentMethod.choices, help_text="How consent was given."
    )
    learner = LearnerInputSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only for a programme for adults, and required there: the person's learner "
        "details. The source is then self, wijkteam or other.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices of the page's forms together: the pupil form's and the
        # form for adults' (the leader's active programmes of either kind).
        choices = _create_choices(self.user)
        programmes = Programme.objects.managed_by(self.user).filter(is_active=True)
        self.fields["programme"].queryset = programmes
        self.fields["school"].queryset = choices["schools"]
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(
            municipality__programmes__in=programmes
        ).distinct()

    def validate(self, attrs):
        if attrs["programme"].audience == Programme.Audience.ADULTS or attrs["learner"]:
            return self._validate_adult(attrs)
        if attrs["source"] == Referral.Source.SCHOOL and attrs.get("school") is None:
            raise serializers.ValidationError(
                {"school": _("Choose the school that referred the pupil.")}
            )
        return attrs

    def _validate_adult(self, attrs):
        programme, learner = attrs["programme"], attrs["learner"]
        if programme.audience != Programme.Audience.ADULTS:
            raise serializers.ValidationError(
                {"learner": _("Learner details are for programmes for adults only.")}
            )
        if learner is None:
            raise serializers.ValidationError(
                {
                    "programme": _(
                        "This programme is for adults: register the person with their learner "
                        "details (learner), without school, year group or parents."
                    )
                }
            )
        errors = {}
        if attrs["source"] not in ADULT_SOURCES:
            errors["source"] = _(
                "An adult registers themselves or is sent by a neighbourhood team or someone "
                "else; a client manager refers through their own page."
            )
        not_for_adults = _("Adults have no school, year group or parents in the record.")
        for name in ("school", "grade"):
            if attrs.get(name) is not None:
                errors[name] = not_for_adults
        for name in ("guardians", "support_why", "support_tried"):
            if attrs.get(name):
                errors[name] = (
                    not_for_adults
                    if name == "guardians"
                    else _("For an adult, give only what they want to work on (support_what).")
                )
        served = list(programme.municipalities.all())
        municipality = learner["municipality"]
        if municipality is None and len(served) == 1:
            municipality = learner["municipality"] = served[0]
        if municipality is None:
            errors["learner"] = {
                "municipality": _(
                    "This programme serves several municipalities: choose where the person lives."
                )
            }
        elif municipality not in served:
            errors["learner"] = {
                "municipality": _("This programme does not serve this municipality.")
            }
        neighbourhood = attrs.get("neighbourhood")
        if (
            neighbourhood is not None
            and municipality is not None
            and neighbourhood.municipality_id != municipality.pk
        ):
            errors["neighbourhood"] = _("Choose a neighbourhood in the person's municipality.")
        if neighbourhood is None and not attrs.get("postcode"):
            errors["postcode"] = _("Give the neighbourhood or the postcode.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    @property
    def is_adult(self) -> bool:
        return self.validated_data["learner"] is not None

    def _pupil_data(self) -> PupilData:
        data = self.validated_data
        return PupilData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            grade=data["grade"],
            neighbourhood_id=data["neighbourhood"].pk if data["neighbourhood"] else None,
            postcode=data["postcode"],
            home_languages=[lang.strip() for lang in data["home_languages"] if lang.strip()],
            needs=data["needs"],
        )

    def adult_service_kwargs(self) -> dict:
        """For ``adult_referral_create_by_project_leader``."""
        data = self.validated_data
        learner = data["learner"]
        return {
            "programme": data["programme"],
            "municipality": learner["municipality"],
            "source": data["source"],
            "source_detail": data["source_detail"],
            "pupil": self._pupil_data(),
            "learner": LearnerData(
                learning_route=learner["learning_route"],
                level_goal=learner["level_goal"],
                language_school=learner["language_school"],
                has_coach=learner["has_coach"],
                phone=learner["phone"],
                email=learner["email"],
            ),
            "support_what": data["support_what"],
            "consent_given_by": data["consent_given_by"],
            "consent_date": data["consent_date"],
            "consent_method": data["consent_method"],
        }

    def service_kwargs(self) -> dict:
        """For ``referral_create_by_project_leader`` (a pupil)."""
        data = self.validated_data
        is_school = data["source"] == Referral.Source.SCHOOL
        return {
            "programme": data["programme"],
            "source": data["source"],
            "source_detail": data["source_detail"],
            "school": data["school"] if is_school else None,
            "pupil": self._pupil_data(),
            "guardians": guardian_data(data["guardians"]),
            "support_what": data["support_what"],
            "support_why": data["support_why"],
            "support_tried": data["support_tried"],
            "consent_given_by": data["consent_given_by"],
            "consent_date": data["consent_date"],
            "consent_method": data["consent_method"],
        }


# --- input: drafts changed (PATCH) and the klantmanager's referrals ----------------------


def _day(value) -> str | None:
    return value.isoformat() if value else None


def school_draft_input(referral: Referral) -> dict:
    """The school's draft as the body of ``SchoolReferralInputSerializer``, for a PATCH.

    The fields a PATCH leaves out keep their values (as the edit form shows them).
    """
    pupil = referral.pupil
    return {
        "school": referral.referring_school_id,
        "programme": referral.programme_id,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "date_of_birth": _day(pupil.date_of_birth),
        "grade": pupil.grade,
        "neighbourhood": pupil.neighbourhood_id,
        "postcode": pupil.postcode,
        "guardians": [
            {
                "name": g.name,
                "relationship": g.relationship,
                "phone": g.phone,
                "email": g.email,
                "language": g.language,
                "interpreter_needed": g.interpreter_needed,
            }
            for g in pupil.guardians.order_by("pk")
        ],
        "support_what": referral.support_what,
        "support_why": referral.support_why,
        "support_tried": referral.support_tried,
        "consent_given_by": referral.consent_given_by,
        "consent_date": _day(referral.consent_date),
        "consent_method": referral.consent_method,
    }


class ClientManagerReferralInputSerializer(serializers.Serializer):
    """A klantmanager's referral of an adult newcomer, as their referral form (no BSN)."""

    programme = StrictPrimaryKeyRelatedField(
        queryset=Programme.objects.none(),
        help_text="Identifier of a programme for adults that serves your municipality.",
    )
    first_name = StrictCharField(max_length=100, help_text="The person's first name.")
    last_name = StrictCharField(max_length=100, help_text="The person's last name.")
    date_of_birth = StrictDateField(help_text="The person's date of birth.")
    home_languages = serializers.ListField(
        child=StrictCharField(max_length=50, help_text="A language."),
        required=False,
        default=list,
        max_length=10,
        help_text="Languages the person speaks.",
    )
    neighbourhood = StrictPrimaryKeyRelatedField(
        queryset=Neighbourhood.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Identifier of the neighbourhood the person lives in; give it or the postcode.",
    )
    postcode = StrictRegexField(
        POSTCODE,
        max_length=7,
        required=False,
        default="",
        allow_blank=True,
        help_text="Postcode such as 3531 AB; give it or the neighbourhood.",
        error_messages={"invalid": _("Enter a postcode such as 3531 AB.")},
    )
    learner = LearnerInputSerializer(
        help_text="The person's learner details; the municipality may be left out when you "
        "are the client manager of one."
    )
    support_what = StrictCharField(
        max_length=MAX_TEXT, help_text="What the person wants to work on."
    )
    consent_given_by = StrictCharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        help_text="The person themselves, who agreed to the referral; needed to submit.",
    )
    consent_date = StrictDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When consent was given; needed to submit.",
    )
    consent_method = StrictChoiceField(
        choices=Referral.ConsentMethod.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="How consent was given; needed to submit.",
    )
    submit = StrictBooleanField(
        required=False,
        default=False,
        help_text="Submit the referral to the initiative (the person's consent is then "
        "required); false saves a draft the initiative does not see.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality_ids = sorted(_scope(self).client_manager_municipality_ids)
        self.fields["programme"].queryset = adult_programmes(municipality_ids=self.municipality_ids)
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(
            municipality_id__in=self.municipality_ids
        )
        self.fields["learner"].fields["municipality"].queryset = Municipality.objects.filter(
            pk__in=self.municipality_ids
        )

    def validate_date_of_birth(self, value):
        return _not_in_future(value, _("The date of birth cannot be in the future."))

    def validate_consent_date(self, value):
        return _not_in_future(value, _("The consent date cannot be in the future."))

    def validate(self, attrs):
        learner = attrs["learner"]
        if learner["municipality"] is None:
            if len(self.municipality_ids) != 1:
                raise serializers.ValidationError(
                    {"learner": {"municipality": _("Choose the municipality.")}}
                )
            learner["municipality"] = Municipality.objects.get(pk=self.municipality_ids[0])
        neighbourhood = attrs.get("neighbourhood")
        if (
            neighbourhood is not None
            and neighbourhood.municipality_id != learner["municipality"].pk
        ):
            raise serializers.ValidationError(
                {"neighbourhood": _("Choose a neighbourhood in your municipality.")}
            )
        if neighbourhood is None and not attrs.get("postcode"):
            raise serializers.ValidationError(
                {"postcode": _("Give the neighbourhood or the postcode.")}
            )
        return attrs

    def service_kwargs(self) -> dict:
        """For ``adult_referral_save`` (as the klantmanager's form gives them)."""
        data = self.validated_data
        learner = data["learner"]
        return {
            "municipality": learner["municipality"],
            "programme": data["programme"],
            "pupil": PupilData(
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                neighbourhood_id=data["neighbourhood"].pk if data["neighbourhood"] else None,
                postcode=data["postcode"],
                home_languages=[lang.strip() for lang in data["home_languages"] if lang.strip()],
            ),
            "learner": LearnerData(
                learning_route=learner["learning_route"],
                level_goal=learner["level_goal"],
                language_school=learner["language_school"],
                has_coach=learner["has_coach"],
                phone=learner["phone"],
                email=learner["email"],
            ),
            "support_what": data["support_what"],
            "consent_given_by": data["consent_given_by"],
            "consent_date": data["consent_date"],
            "consent_method": data["consent_method"],
            "submit": data["submit"],
        }


class ReferralDraftChangeSerializer(SchoolReferralInputSerializer):
    """The body of a PATCH of a draft (documentation): either referral form's fields.

    A school referrer's draft is checked with ``SchoolReferralInputSerializer``,
    a klantmanager's with ``ClientManagerReferralInputSerializer``.
    """

    home_languages = serializers.ListField(
        child=StrictCharField(max_length=50, help_text="A language."),
        required=False,
        max_length=10,
        help_text="Client manager: the languages the person speaks.",
    )
    learner = LearnerInputSerializer(
        required=False, help_text="Client manager: the person's learner details."
    )
    version = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        help_text="The draft's version as you read it. If given and the draft changed "
        "meanwhile, the answer is 409 and nothing changes.",
    )


def client_manager_draft_input(referral: Referral) -> dict:
    """The klantmanager's draft as the body of ``ClientManagerReferralInputSerializer``."""
    pupil = referral.pupil
    profile = getattr(pupil, "learner_profile", None)
    learner = {}
    if profile is not None:
        learner = {
            "municipality": profile.municipality_id,
            "learning_route": profile.learning_route,
            "level_goal": profile.level_goal,
            "language_school": profile.language_school,
            "has_coach": profile.has_coach,
            "phone": profile.phone,
            "email": profile.email,
        }
    return {
        "programme": referral.programme_id,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "date_of_birth": _day(pupil.date_of_birth),
        "home_languages": list(pupil.home_languages or []),
        "neighbourhood": pupil.neighbourhood_id,
        "postcode": pupil.postcode,
        "learner": learner,
        "support_what": referral.support_what,
        "consent_given_by": referral.consent_given_by,
        "consent_date": _day(referral.consent_date),
        "consent_method": referral.consent_method,
    }


def patched(current: dict, body) -> dict:
    """``current`` with the fields ``body`` gives; a nested ``learner`` is merged too."""
    if not isinstance(body, dict):
        return body  # the serializer refuses it
    merged = {**current, **body}
    if isinstance(current.get("learner"), dict) and isinstance(body.get("learner"), dict):
        merged["learner"] = {**current["learner"], **body["learner"]}
    return merged
