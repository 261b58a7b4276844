"""Serializers of the matching half of the referrals API: matches, suggestions,
contact moments, evaluations and impact measurements.

Output fields describe what the matching, session and evaluation pages show.
Input fields check only the shape of a request (types, required, lengths,
choices) and become the keyword arguments of ``referrals.services``, which
check the rules. Objects passed by id are looked up among those the
requesting user may see (``visible_to``); another organisation's id is a
field error "does not exist".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.scope import scope_for
from core.api.fields import IdField, StrictPrimaryKeyRelatedField
from initiatives.models import Programme, Volunteer

from ..models import (
    ContactMoment,
    Evaluation,
    GoalEvaluation,
    ImpactMeasurement,
    ImpactScore,
    Match,
    MatchParticipant,
    Referral,
)
from ..selectors.referrals import _led_referrals
from ..services.sessions import MAX_DURATION_MINUTES, PARTICIPANTS

# The note of a contact moment: as long as the logging form allows.
MAX_NOTE_LENGTH = 2000
MAX_SESSION_MINUTES = 480
PLAUSIBLE_DAYS = 100 * 365
# Choice sets that other endpoints also have (a programme's format and session
# frequency; an impact measurement's moment), with labels of their own here, so the
# schema names each set after its field (MatchKindEnum, FrequencyEnum, PhaseEnum)
# instead of giving one set several names. A test holds the values to the models'.
MATCH_KINDS = [
    (Match.Kind.ONE_TO_ONE.value, "One pupil with one volunteer"),
    (Match.Kind.GROUP.value, "A group of pupils with one volunteer"),
]
FREQUENCIES = [
    (Programme.Frequency.WEEKLY.value, "Once a week"),
    (Programme.Frequency.TWICE_WEEKLY.value, "Twice a week"),
    (Programme.Frequency.FORTNIGHTLY.value, "Once every two weeks"),
]
PHASES = [
    (ContactMoment.Phase.START.value, "Start of the guidance"),
    (ContactMoment.Phase.MID.value, "Middle of the guidance"),
    (ContactMoment.Phase.END.value, "End of the guidance"),
]
REASON_CODES = ("availability", "location", "online", "language", "subject", "level", "capacity")


def _person_name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.email


def _user(field) -> object | None:
    """The requesting user of a serializer or field (None while the schema is made)."""
    request = field.context.get("request")
    return getattr(request, "user", None)


class VisibleObjectField(StrictPrimaryKeyRelatedField):
    """An object by id, among those ``scoped(user)`` returns for the requesting user."""

    def __init__(self, *, scoped: Callable[[object], QuerySet], **kwargs):
        self.scoped = scoped
        kwargs.setdefault("queryset", scoped(None))
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scoped(_user(self))


def visible_matches(user) -> QuerySet[Match]:
    return Match.objects.visible_to(user).select_related("programme__initiative", "volunteer")


def visible_volunteers(user) -> QuerySet[Volunteer]:
    return Volunteer.objects.visible_to(user).select_related("initiative")


def visible_referrals(user) -> QuerySet[Referral]:
    return Referral.objects.visible_to(user).select_related("pupil", "programme__initiative")


def led_referrals(user) -> QuerySet[Referral]:
    """The referrals of the user's initiatives as project leader (as the evaluation pages)."""
    return _led_referrals(user).select_related("pupil", "programme__initiative")


# --- matches ------------------------------------------------------------------------


class MatchParticipantSerializer(serializers.ModelSerializer):
    pupil_name = serializers.CharField(
        source="pupil.full_name", read_only=True, help_text="The pupil's full name."
    )

    class Meta:
        model = MatchParticipant
        fields = ["id", "referral", "pupil", "pupil_name", "joined_on", "left_on"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the participation (to let a pupil leave a group)."},
            "referral": {"help_text": "Identifier of the pupil's referral."},
            "pupil": {"help_text": "Identifier of the pupil."},
            "joined_on": {"help_text": "The day the pupil joined the match."},
            "left_on": {"help_text": "The day the pupil left the match; null while taking part."},
        }


class MatchSerializer(serializers.ModelSerializer):
    """A match as the match page shows it; for a new match, what ``match_create`` takes."""

    referrals = VisibleObjectField(
        scoped=visible_referrals,
        many=True,
        write_only=True,
        help_text="Identifiers of the waiting referrals to match: one, or several for a group "
        "in a group programme. The match takes the programme of the first.",
    )
    programme_name = serializers.CharField(
        source="programme.name", read_only=True, help_text="Name of the programme."
    )
    volunteer = VisibleObjectField(
        scoped=visible_volunteers,
        help_text="Identifier of the volunteer. Matching is refused (400, with the reasons) "
        "without a valid VOG, the required trainings, free capacity or the programme.",
    )
    volunteer_name = serializers.CharField(
        source="volunteer.full_name", read_only=True, help_text="The volunteer's full name."
    )
    kind = serializers.ChoiceField(
        choices=MATCH_KINDS, read_only=True, help_text="One-to-one, or a group."
    )
    frequency = serializers.ChoiceField(
        choices=FREQUENCIES,
        required=False,
        allow_null=True,
        help_text="How often the sessions take place. Leave out for the programme's usual "
        "frequency.",
    )
    session_minutes = serializers.IntegerField(
        min_value=1,
        max_value=MAX_SESSION_MINUTES,
        required=False,
        allow_null=True,
        help_text="Length of a session in minutes. Leave out for the programme's usual length.",
    )
    planned_end_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The planned last day. Leave out for the programme's usual duration.",
    )
    end_reason = serializers.SerializerMethodField(
        help_text="Why the match ended; null while it runs."
    )
    end_note = serializers.SerializerMethodField(
        help_text="The project leader's note on the ending. Only the initiative's project "
        "leaders see it; null for others and while the match runs."
    )
    is_active = serializers.BooleanField(read_only=True, help_text="Whether the match runs.")
    participants = MatchParticipantSerializer(
        many=True,
        read_only=True,
        help_text="Every pupil who took part, with their referral; who left a group has a "
        "`left_on` date.",
    )
    sessions_held = serializers.IntegerField(
        read_only=True, help_text="Tutoring sessions logged as held for this match."
    )

    class Meta:
        model = Match
        fields = [
            "id",
            "referrals",
            "programme",
            "programme_name",
            "kind",
            "volunteer",
            "volunteer_name",
            "location_type",
            "frequency",
            "session_minutes",
            "start_date",
            "planned_end_date",
            "end_date",
            "end_reason",
            "end_note",
            "is_active",
            "participants",
            "sessions_held",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "programme", "end_date", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": "Identifier of the match."},
            "programme": {"help_text": "Identifier of the programme."},
            "location_type": {"help_text": "Where the sessions take place."},
            "start_date": {"help_text": "The first day of the match."},
            "end_date": {"help_text": "The day the match ended; null while it runs."},
            "created_at": {"help_text": "When the match was made."},
            "updated_at": {"help_text": "When the match was last changed."},
        }

    @extend_schema_field(serializers.ChoiceField(choices=Match.EndReason.choices, allow_null=True))
    def get_end_reason(self, match: Match) -> str | None:
        return match.end_reason or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_end_note(self, match: Match) -> str | None:
        if match.is_active or not scope_for(_user(self)).leads(match.programme.initiative_id):
            return None
        return match.end_note

    def validate_start_date(self, value: dt.date) -> dt.date:
        # Only a sanity bound (the service computes the planned end from the start).
        if abs((value - timezone.localdate()).days) > PLAUSIBLE_DAYS:
            raise serializers.ValidationError(
                _("Give a start date within a hundred years of today."), code="implausible"
            )
        return value

    def service_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "referrals": data["referrals"],
            "volunteer": data["volunteer"],
            "location_type": data["location_type"],
            "start_date": data["start_date"],
            "planned_end_date": data.get("planned_end_date"),
            "frequency": data.get("frequency"),
            "session_minutes": data.get("session_minutes"),
        }


class MatchEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="The last day of the match, not in the future.")
    end_reason = serializers.ChoiceField(
        choices=Match.EndReason.choices, help_text="Why the match ends (required)."
    )
    end_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="A note for the initiative; the school does not see it.",
    )
    back_to_waitlist = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The pupils go back to the waitlist for a new volunteer (only after the "
        "volunteer stopped, a move or another reason). Otherwise their referrals become "
        "completed or stopped early.",
    )


class MatchReplaceVolunteerSerializer(serializers.Serializer):
    volunteer = VisibleObjectField(
        scoped=visible_volunteers,
        help_text="Identifier of the new volunteer, held to the same rules as a new match.",
    )
    date = serializers.DateField(
        help_text="The day the new volunteer takes over (not in the future): the current "
        "match ends and the new one starts."
    )
    reason_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the volunteer stopped; only the initiative sees this note.",
    )


class ParticipantAddSerializer(serializers.Serializer):
    referral = VisibleObjectField(
        scoped=visible_referrals,
        help_text="Identifier of a waiting referral of the match's programme.",
    )
    date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The day the pupil joins, not before the group started; leave out for today.",
    )


class ParticipantLeaveSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day the pupil leaves, not in the future.")
    end_reason = serializers.ChoiceField(
        choices=Match.EndReason.choices, help_text="Why the pupil leaves (required)."
    )
    back_to_waitlist = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The pupil goes back to the waitlist for a new volunteer (only after the "
        "volunteer stopped, a move or another reason).",
    )


# --- suggestions ------------------------------------------------------------------------


class SuggestionQuerySerializer(serializers.Serializer):
    referral = IdField(help_text="Identifier of the waiting referral.")


class SuggestionReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[(code, code) for code in REASON_CODES],
        help_text="Which part of the score this explains (`online` replaces `location` when "
        "the online points apply).",
    )
    text = serializers.CharField(help_text="The explanation, for a person to read.")
    points = serializers.FloatField(help_text="The points this part adds to the score.")


class SuggestionSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(
        source="volunteer.pk", help_text="Identifier of the volunteer."
    )
    volunteer_name = serializers.CharField(
        source="volunteer.full_name", help_text="The volunteer's full name."
    )
    score = serializers.FloatField(help_text="How well the volunteer fits, from 0 to 100.")
    free_capacity = serializers.IntegerField(
        help_text="How many more pupils the volunteer can take."
    )
    reasons = SuggestionReasonSerializer(
        many=True, help_text="The reasons for the score, one per part, in a fixed order."
    )


class SuggestionListSerializer(serializers.Serializer):
    referral = serializers.IntegerField(help_text="Identifier of the referral.")
    is_waiting = serializers.BooleanField(
        help_text="Whether the pupil is on the waitlist; only then are volunteers suggested."
    )
    suggestions = SuggestionSerializer(
        many=True,
        help_text="Volunteers who may be matched (no hard rule against them), best first.",
    )


# --- contact moments -----------------------------------------------------------------


class PupilIdsField(serializers.ListField):
    """Pupils by id: read from the many-to-many relation, written as a list of ids."""

    child = IdField()

    def to_representation(self, data):
        return [pupil.pk for pupil in data.all()]


class ContactMomentSerializer(serializers.ModelSerializer):
    """A contact moment of a match; for a new one or a correction, what the log form takes."""

    match = VisibleObjectField(
        scoped=visible_matches,
        help_text="Identifier of the match. Cannot be changed afterwards.",
    )
    pupil = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The pupil of a one-to-one match; null for a group session.",
    )
    kind = serializers.ChoiceField(
        choices=ContactMoment.Kind.choices,
        help_text="What kind of contact: a tutoring session, or a contact with the teacher, "
        "the parents or a driehoeksgesprek (`other` is for earlier data only).",
    )
    phase = serializers.ChoiceField(
        choices=PHASES,
        required=False,
        allow_null=True,
        help_text="The phase of the guidance; required for a contact with the teacher, null "
        "for a tutoring session.",
    )
    duration_minutes = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DURATION_MINUTES,
        help_text="How long it took, in minutes (more than 0 for a session that was held).",
    )
    attendance = serializers.ChoiceField(
        choices=ContactMoment.Attendance.choices,
        required=False,
        default=ContactMoment.Attendance.HELD,
        help_text="Whether it took place.",
    )
    absent_pupils = PupilIdsField(
        required=False,
        default=list,
        max_length=100,
        help_text="Group sessions only: identifiers of the group's pupils who were not there.",
    )
    participants = serializers.ListField(
        child=serializers.ChoiceField(choices=[(p, p) for p in PARTICIPANTS]),
        read_only=True,
        help_text="Who took part, derived from the kind and attendance.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_NOTE_LENGTH,
        help_text="What was done and how it went. Only the initiative and the match's "
        "volunteer see it; the school does not.",
    )
    logged_by_name = serializers.SerializerMethodField(
        help_text="Who logged it; null when that account is gone."
    )

    class Meta:
        model = ContactMoment
        fields = [
            "id",
            "match",
            "pupil",
            "kind",
            "phase",
            "date",
            "duration_minutes",
            "attendance",
            "absent_pupils",
            "participants",
            "note",
            "logged_by",
            "logged_by_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "logged_by", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": "Identifier of the contact moment."},
            "date": {"help_text": "The day it took place: not in the future, within the match."},
            "logged_by": {"help_text": "Identifier of the user who logged it, if still there."},
            "created_at": {"help_text": "When it was logged."},
            "updated_at": {"help_text": "When it was last changed."},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_logged_by_name(self, moment: ContactMoment) -> str | None:
        return _person_name(moment.logged_by)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["phase"] = instance.phase or None
        return data

    def validate_match(self, match: Match) -> Match:
        if self.instance is not None and match.pk != self.instance.match_id:
            raise serializers.ValidationError(
                _("A contact moment cannot move to another match."), code="immutable"
            )
        return match

    def service_kwargs(self) -> dict:
        """The service's values: the request's, and the moment's own for what a patch leaves out."""
        data = self.validated_data
        moment = self.instance
        if moment is not None:
            current = {
                "kind": moment.kind,
                "date": moment.date,
                "duration_minutes": moment.duration_minutes,
                "attendance": moment.attendance,
                "phase": moment.phase,
                "note": moment.note,
                "absent_pupils": [p.pk for p in moment.absent_pupils.all()],
            }
            data = {**current, **data}
        return {
            "kind": data["kind"],
            "date": data["date"],
            "duration_minutes": data["duration_minutes"],
            "attendance": data["attendance"],
            "phase": data.get("phase") or "",
            "note": data.get("note") or "",
            "absent_pupil_ids": data.get("absent_pupils") or [],
        }


# --- evaluations and impact measurements -------------------------------------------------


class EvaluationGoalResultSerializer(serializers.ModelSerializer):
    goal = IdField(source="goal_id", help_text="Identifier of a goal of the pupil's action plan.")
    goal_description = serializers.CharField(
        source="goal.description", read_only=True, help_text="The goal, as agreed."
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A comment on the result."
    )

    class Meta:
        model = GoalEvaluation
        fields = ["goal", "goal_description", "result", "note"]
        extra_kwargs = {"result": {"help_text": "Whether the goal was achieved."}}


class EvaluationSerializer(serializers.ModelSerializer):
    """A mid-term or end evaluation; for a new one, what ``evaluation_record`` takes."""

    referral = VisibleObjectField(
        scoped=led_referrals,
        help_text="Identifier of the referral (of a pupil who has been matched).",
    )
    summary = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="How the guidance is going and what was agreed for the next period.",
    )
    pupil_satisfaction = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        default=None,
        help_text="How satisfied the pupil (or, in a programme for adults, the learner) is, "
        "1 (not at all) to 5 (very); null if not asked.",
    )
    parent_satisfaction = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        default=None,
        help_text="How satisfied the parents are, 1 (not at all) to 5 (very); null if not asked. "
        "Not for a programme for adults.",
    )
    coach_satisfaction = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        default=None,
        help_text="Only for a programme for adults, where the evaluation is held with the coach "
        "and the learner: how satisfied the coach is, 1 (not at all) to 5 (very); null if not "
        "asked. The learner's satisfaction is pupil_satisfaction.",
    )
    goal_results = EvaluationGoalResultSerializer(
        many=True,
        max_length=200,
        help_text="One result for every goal of the action plan: each goal is scored once.",
    )
    recorded_by_name = serializers.SerializerMethodField(
        help_text="Who recorded it; null when that account is gone."
    )

    class Meta:
        model = Evaluation
        # Recording a moment again corrects it (the service), so no uniqueness check here.
        validators = []
        fields = [
            "id",
            "referral",
            "moment",
            "held_on",
            "summary",
            "pupil_satisfaction",
            "parent_satisfaction",
            "coach_satisfaction",
            "goal_results",
            "recorded_by",
            "recorded_by_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": "Identifier of the evaluation."},
            "moment": {
                "help_text": "Mid-term or end. Recording a moment again corrects the earlier one."
            },
            "held_on": {
                "help_text": "The day it was held: not in the future, nor before the "
                "guidance started."
            },
            "recorded_by": {"help_text": "Identifier of the user who recorded it, if still there."},
            "created_at": {"help_text": "When it was first recorded."},
            "updated_at": {"help_text": "When it was last corrected."},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recorded_by_name(self, evaluation: Evaluation) -> str | None:
        return _person_name(evaluation.recorded_by)

    def service_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "referral": data["referral"],
            "moment": data["moment"],
            "held_on": data["held_on"],
            "summary": data.get("summary") or "",
            "pupil_satisfaction": data.get("pupil_satisfaction"),
            "parent_satisfaction": data.get("parent_satisfaction"),
            "coach_satisfaction": data.get("coach_satisfaction"),
            "goal_results": [
                (row["goal_id"], row["result"], row.get("note") or "")
                for row in data["goal_results"]
            ],
        }


class ImpactScoreSerializer(serializers.ModelSerializer):
    question = IdField(
        source="question_id", help_text="Identifier of one of the programme's impact questions."
    )
    question_text = serializers.CharField(
        source="question.text", read_only=True, help_text="The question."
    )
    score = serializers.IntegerField(min_value=1, max_value=5, help_text="The score, 1 to 5.")

    class Meta:
        model = ImpactScore
        fields = ["question", "question_text", "score"]


class ImpactMeasurementSerializer(serializers.ModelSerializer):
    """Scores 1-5 on the programme's questions; for a new one, what the service takes."""

    referral = VisibleObjectField(scoped=led_referrals, help_text="Identifier of the referral.")
    scores = ImpactScoreSerializer(
        many=True,
        max_length=200,
        help_text="A score for every question the programme asks now, each question once.",
    )
    recorded_by_name = serializers.SerializerMethodField(
        help_text="Who recorded it; null when that account is gone."
    )

    class Meta:
        model = ImpactMeasurement
        validators = []  # recording a moment again corrects it
        fields = [
            "id",
            "referral",
            "moment",
            "measured_on",
            "scores",
            "recorded_by",
            "recorded_by_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "recorded_by", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": "Identifier of the impact measurement."},
            "moment": {
                "help_text": "Start, mid-term or end. Recording a moment again corrects it."
            },
            "measured_on": {"help_text": "The day of the measurement, not in the future."},
            "recorded_by": {"help_text": "Identifier of the user who recorded it, if still there."},
            "created_at": {"help_text": "When it was first recorded."},
            "updated_at": {"help_text": "When it was last corrected."},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_recorded_by_name(self, measurement: ImpactMeasurement) -> str | None:
        return _person_name(measurement.recorded_by)

    def validate_scores(self, scores: list[dict]) -> list[dict]:
        questions = [row["question_id"] for row in scores]
        if len(set(questions)) != len(questions):
            raise serializers.ValidationError(
                _("Score each question once."), code="duplicate_question"
            )
        return scores

    def service_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "referral": data["referral"],
            "moment": data["moment"],
            "measured_on": data["measured_on"],
            "scores": {row["question_id"]: row["score"] for row in data["scores"]},
        }
