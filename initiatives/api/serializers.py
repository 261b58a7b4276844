"""Programmes (read) and volunteers (read, write, actions).

Output serializers read the volunteer together with the facts the volunteer
page shows (``selectors.volunteer_rows`` / ``selectors.volunteer_detail``),
attached by the view as ``volunteer.row`` and ``volunteer.detail``. Input
serializers check only the shape of the input and turn it into the keyword
arguments of ``initiatives.services``, which check the rules.
"""

from __future__ import annotations

import dataclasses

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.scope import scope_for
from core.api.fields import IdField
from core.models import SchoolGrade, Weekday
from municipality.models import Municipality, Neighbourhood

from .. import selectors, services
from ..models import (
    VOG,
    Initiative,
    Programme,
    Training,
    TrainingCompletion,
    Volunteer,
    VolunteerStatusChange,
)
from ..services.volunteers import MAX_CAPACITY, MAX_SLOTS, MAX_TRAVEL_KM

S = Volunteer.Status

MAX_WORDS = 20  # languages, subjects
MAX_WORD_LENGTH = 50
MAX_PROGRAMMES = 100
MAX_NEIGHBOURHOODS = 500
MAX_NOTES_LENGTH = 10000


def _person_name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.email


# --- programmes -----------------------------------------------------------------


class ProgrammeMunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "cbs_code", "name"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the municipality."},
            "cbs_code": {"help_text": "CBS code of the municipality, e.g. GM0344."},
            "name": {"help_text": "Name of the municipality."},
        }


class ProgrammeTrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = ["id", "name"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the training."},
            "name": {"help_text": "Name of the training."},
        }


class ProgrammeSerializer(serializers.ModelSerializer):
    initiative_name = serializers.CharField(
        source="initiative.name", read_only=True, help_text="Name of the initiative."
    )
    works_in_groups = serializers.SerializerMethodField(
        help_text="Whether pupils are guided in groups (format `group`) rather than one-to-one."
    )
    min_grade = serializers.IntegerField(
        read_only=True,
        min_value=SchoolGrade.GROEP_1,
        max_value=SchoolGrade.KLAS_6,
        help_text="The lowest school year it takes: 1-8 groep 1-8, 9-14 klas 1-6.",
    )
    max_grade = serializers.IntegerField(
        read_only=True,
        min_value=SchoolGrade.GROEP_1,
        max_value=SchoolGrade.KLAS_6,
        help_text="The highest school year it takes: 1-8 groep 1-8, 9-14 klas 1-6.",
    )
    min_grade_name = serializers.CharField(
        source="get_min_grade_display",
        read_only=True,
        help_text="The lowest school year, in words (e.g. Groep 5).",
    )
    max_grade_name = serializers.CharField(
        source="get_max_grade_display",
        read_only=True,
        help_text="The highest school year, in words (e.g. Klas 4).",
    )
    municipalities = ProgrammeMunicipalitySerializer(
        many=True, read_only=True, help_text="The municipalities whose pupils it serves."
    )
    required_trainings = ProgrammeTrainingSerializer(
        many=True,
        read_only=True,
        help_text="Trainings a volunteer must have followed for this programme, on top of "
        "those the initiative requires of every volunteer.",
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "initiative",
            "initiative_name",
            "name",
            "description",
            "support_type",
            "format",
            "works_in_groups",
            "group_size_max",
            "online",
            "min_age",
            "max_age",
            "min_grade",
            "min_grade_name",
            "max_grade",
            "max_grade_name",
            "usual_duration_weeks",
            "session_frequency",
            "session_minutes",
            "municipalities",
            "schools",
            "required_trainings",
            "waitlist_reminder_weeks",
            "is_active",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the programme."},
            "initiative": {"help_text": "Identifier of the initiative running the programme."},
            "name": {"help_text": "Name of the programme, unique within its initiative."},
            "description": {"help_text": "What the programme offers (may be empty)."},
            "support_type": {"help_text": "The type of support: the target of the programme."},
            "format": {"help_text": "One-to-one or in groups."},
            "group_size_max": {"help_text": "At most this many pupils per group (1 one-to-one)."},
            "online": {"help_text": "Whether the sessions are held online."},
            "min_age": {"help_text": "The youngest age the programme takes, in years."},
            "max_age": {"help_text": "The oldest age the programme takes, in years."},
            "usual_duration_weeks": {"help_text": "How long a match usually runs, in weeks."},
            "session_frequency": {"help_text": "How often the sessions are."},
            "session_minutes": {"help_text": "Length of one session, in minutes."},
            "schools": {
                "help_text": "Identifiers of the only school locations it serves; empty: every "
                "school in the municipalities served."
            },
            "waitlist_reminder_weeks": {
                "help_text": "Remind the project leader of a waiting pupil after this many "
                "weeks; null: no reminder."
            },
            "is_active": {"help_text": "Whether the programme takes new pupils."},
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_works_in_groups(self, programme: Programme) -> bool:
        return programme.format == Programme.Format.GROUP


# --- volunteers: output ---------------------------------------------------------


class VolunteerAvailabilitySlotSerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(
        choices=Weekday.choices, help_text="Day of the week: 1 Monday to 7 Sunday."
    )
    start_time = serializers.TimeField(help_text="Available from (local time).")
    end_time = serializers.TimeField(help_text="Available until (local time), after the start.")


class VolunteerStatusChangeSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        source="to_status",
        choices=S.choices,
        read_only=True,
        help_text="The status from this date on. The first entry is the registration as "
        "applicant; each later one changed the status of the entry before it.",
    )
    changed_by_name = serializers.SerializerMethodField(
        help_text="Who made the change; null when no longer known."
    )

    class Meta:
        model = VolunteerStatusChange
        fields = ["status", "date", "reason", "changed_by_name"]
        read_only_fields = fields
        extra_kwargs = {
            "date": {"help_text": "The date the status changed."},
            "reason": {"help_text": "Why (required when stopping; may be empty otherwise)."},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_changed_by_name(self, change) -> str | None:
        return _person_name(change.changed_by)


class VolunteerVOGSerializer(serializers.ModelSerializer):
    checked_by_name = serializers.SerializerMethodField(
        help_text="Name of the person who checked the original."
    )

    class Meta:
        model = VOG
        fields = ["id", "issued_on", "checked_on", "checked_by", "checked_by_name"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the VOG record."},
            "issued_on": {"help_text": "The issue date on the certificate."},
            "checked_on": {"help_text": "When the original was checked."},
            "checked_by": {"help_text": "Identifier of the user who checked the original."},
        }

    @extend_schema_field(OpenApiTypes.STR)
    def get_checked_by_name(self, vog) -> str:
        return _person_name(vog.checked_by) or ""


class VolunteerTrainingSerializer(serializers.ModelSerializer):
    training_name = serializers.CharField(
        source="training.name", read_only=True, help_text="Name of the training."
    )

    class Meta:
        model = TrainingCompletion
        fields = ["id", "training", "training_name", "completed_on"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the record."},
            "training": {"help_text": "Identifier of the training."},
            "completed_on": {"help_text": "When the volunteer followed it."},
        }


class VolunteerEligibilitySerializer(serializers.Serializer):
    programme = serializers.IntegerField(
        source="programme.pk", help_text="Identifier of the programme."
    )
    programme_name = serializers.CharField(
        source="programme.name", help_text="Name of the programme."
    )
    eligible = serializers.BooleanField(
        help_text="Whether the volunteer can be matched in this programme now."
    )
    blockers = serializers.ListField(
        child=serializers.CharField(), help_text="Why not (empty when eligible)."
    )


class VolunteerSerializer(serializers.ModelSerializer):
    """A volunteer with the facts the list and the record show."""

    initiative_name = serializers.CharField(
        source="initiative.name", read_only=True, help_text="Name of the initiative."
    )
    has_account = serializers.SerializerMethodField(
        help_text="Whether the volunteer has an account to sign in with."
    )
    email = serializers.CharField(read_only=True, help_text="Email address (may be empty).")
    status = serializers.ChoiceField(
        choices=S.choices,
        read_only=True,
        help_text="Where the volunteer is in the life cycle; change it with the status action.",
    )
    programmes = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text="Identifiers of the programmes they work in; empty: every programme of "
        "the initiative.",
    )
    neighbourhoods = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Identifiers of the neighbourhoods they can go to."
    )
    languages = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Languages spoken."
    )
    subjects = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Subjects they can help with."
    )
    school_levels = serializers.ListField(
        child=serializers.ChoiceField(choices=services.SCHOOL_LEVELS),
        read_only=True,
        help_text="School levels: PO (primary), VO (secondary) or both.",
    )
    education_level = serializers.ChoiceField(
        choices=Volunteer.EducationLevel.choices,
        allow_blank=True,
        read_only=True,
        help_text="The volunteer's own education; empty when unknown.",
    )
    availability = VolunteerAvailabilitySlotSerializer(
        many=True, read_only=True, help_text="Weekly time slots in which they are available."
    )
    intake_notes = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Notes of the intake talk; null unless you are a project leader of the "
        "volunteer's initiative.",
    )
    tenure_months = serializers.IntegerField(
        source="row.tenure_months",
        read_only=True,
        allow_null=True,
        help_text="Whole months from the start date to the end date (or today); null "
        "before the start.",
    )
    vog_issued_on = serializers.DateField(
        source="row.vog_issued_on",
        read_only=True,
        allow_null=True,
        help_text="Issue date of the newest VOG; null when none is recorded.",
    )
    vog_valid_until = serializers.DateField(
        source="row.vog_valid_until",
        read_only=True,
        allow_null=True,
        help_text="Until when the newest VOG counts, by the initiative's maximum VOG age.",
    )
    vog_valid = serializers.BooleanField(
        source="row.vog_valid", read_only=True, help_text="Whether a VOG is valid today."
    )
    missing_trainings = serializers.ListField(
        child=serializers.CharField(),
        source="row.missing_trainings",
        read_only=True,
        help_text="Names of the required trainings not followed yet.",
    )
    active_pupils = serializers.IntegerField(
        source="row.active_pupils",
        read_only=True,
        help_text="Pupils in the volunteer's running matches.",
    )
    can_match = serializers.BooleanField(
        source="row.can_match",
        read_only=True,
        help_text="Whether the volunteer can be matched in at least one programme now.",
    )
    match_blockers = serializers.ListField(
        child=serializers.CharField(),
        source="row.reasons",
        read_only=True,
        help_text="Why the volunteer cannot be matched anywhere (empty when they can).",
    )
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The values of `status` you may move the volunteer to now (empty unless "
        "you are a project leader of the volunteer's initiative)."
    )

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "initiative",
            "initiative_name",
            "has_account",
            "first_name",
            "last_name",
            "email",
            "phone",
            "postcode",
            "date_of_birth",
            "status",
            "programmes",
            "neighbourhoods",
            "max_travel_km",
            "online_possible",
            "languages",
            "subjects",
            "school_levels",
            "education_level",
            "capacity",
            "availability",
            "intake_date",
            "intake_notes",
            "start_date",
            "end_date",
            "stop_reason",
            "tenure_months",
            "vog_issued_on",
            "vog_valid_until",
            "vog_valid",
            "missing_trainings",
            "active_pupils",
            "can_match",
            "match_blockers",
            "allowed_transitions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the volunteer."},
            "initiative": {"help_text": "Identifier of the initiative."},
            "phone": {"help_text": "Phone number (may be empty)."},
            "postcode": {"help_text": "Postcode of their address (may be empty)."},
            "max_travel_km": {"help_text": "How far they travel, in km; null: not said."},
            "capacity": {"help_text": "How many pupils they guide at once."},
            "intake_date": {"help_text": "When the intake talk was held; null: not yet."},
            "start_date": {"help_text": "When they became active (this period)."},
            "end_date": {"help_text": "When they stopped; null while involved."},
            "stop_reason": {"help_text": "Why they stopped (empty while involved)."},
            "created_at": {"help_text": "When the record was made."},
            "updated_at": {"help_text": "When the record last changed."},
        }

    def _manages(self, volunteer: Volunteer) -> bool:
        return scope_for(self.context["request"].user).leads(volunteer.initiative_id)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_account(self, volunteer: Volunteer) -> bool:
        return volunteer.user_id is not None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, volunteer: Volunteer) -> list[str]:
        if not self._manages(volunteer):
            return []
        return services.allowed_transitions(volunteer.status)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self._manages(instance):
            data["intake_notes"] = None
        return data


class VolunteerDetailSerializer(VolunteerSerializer):
    """One volunteer's record: the list's facts plus the histories."""

    eligibility = VolunteerEligibilitySerializer(
        many=True,
        source="detail.row.eligibility",
        read_only=True,
        help_text="Per active programme the volunteer may work in: can they be matched?",
    )
    status_history = VolunteerStatusChangeSerializer(
        many=True,
        source="detail.status_changes",
        read_only=True,
        help_text="Every status change, oldest first.",
    )
    vogs = VolunteerVOGSerializer(
        many=True, source="detail.vogs", read_only=True, help_text="VOGs recorded, newest first."
    )
    trainings_followed = VolunteerTrainingSerializer(
        many=True,
        source="detail.completions",
        read_only=True,
        help_text="Trainings followed, most recent first.",
    )

    class Meta(VolunteerSerializer.Meta):
        fields = [
            *VolunteerSerializer.Meta.fields,
            "eligibility",
            "status_history",
            "vogs",
            "trainings_followed",
        ]
        read_only_fields = fields


# --- volunteers: input ----------------------------------------------------------


def _id_list(help_text: str, max_length: int):
    return serializers.ListField(
        child=IdField(),
        max_length=max_length,
        required=False,
        help_text=help_text,
    )


def _words(help_text: str):
    return serializers.ListField(
        child=serializers.CharField(max_length=MAX_WORD_LENGTH),
        max_length=MAX_WORDS,
        required=False,
        help_text=help_text,
    )


def _existing_ids(queryset, ids: list[int]) -> list[int]:
    """``ids`` if every one is in ``queryset``, else a 400 naming the first unknown one."""
    found = set(queryset.filter(pk__in=set(ids)).values_list("pk", flat=True))
    for pk in ids:
        if pk not in found:
            # DRF's own message (and translation) for an unknown id
            message = serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
            raise serializers.ValidationError(
                str(message).format(pk_value=pk), code="does_not_exist"
            )
    return ids


class VolunteerProfileInputSerializer(serializers.Serializer):
    """A volunteer's contact details, profile for matching and weekly availability."""

    # The fields of ``services.VolunteerProfile``, plus the availability slots.

    first_name = serializers.CharField(max_length=100, help_text="First name.")
    last_name = serializers.CharField(max_length=100, help_text="Last name.")
    email = serializers.EmailField(
        max_length=254, allow_blank=True, required=False, help_text="Email address."
    )
    phone = serializers.CharField(
        max_length=20, allow_blank=True, required=False, help_text="Phone number."
    )
    postcode = serializers.CharField(
        max_length=7, allow_blank=True, required=False, help_text="Postcode, e.g. 3531 AB."
    )
    date_of_birth = serializers.DateField(
        allow_null=True, required=False, help_text="Date of birth, not in the future."
    )
    programmes = _id_list(
        "Identifiers of programmes of the initiative they work in; empty: every programme.",
        MAX_PROGRAMMES,
    )
    neighbourhoods = _id_list(
        "Identifiers of neighbourhoods they can go to, in the municipalities where the "
        "initiative works.",
        MAX_NEIGHBOURHOODS,
    )
    max_travel_km = serializers.IntegerField(
        min_value=0,
        max_value=MAX_TRAVEL_KM,
        allow_null=True,
        required=False,
        help_text="How far they travel, in km; null: not said.",
    )
    online_possible = serializers.BooleanField(
        required=False, help_text="Whether they can also guide online."
    )
    languages = _words("Languages spoken.")
    subjects = _words("Subjects they can help with.")
    school_levels = serializers.ListField(
        child=serializers.ChoiceField(choices=services.SCHOOL_LEVELS),
        max_length=len(services.SCHOOL_LEVELS),
        required=False,
        help_text="PO (primary), VO (secondary) or both.",
    )
    education_level = serializers.ChoiceField(
        choices=Volunteer.EducationLevel.choices,
        allow_blank=True,
        required=False,
        help_text="Their own education; empty when unknown.",
    )
    capacity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_CAPACITY,
        required=False,
        help_text="How many pupils they guide at once.",
    )
    availability = VolunteerAvailabilitySlotSerializer(
        many=True,
        max_length=MAX_SLOTS,
        required=False,
        help_text="Weekly time slots, without overlaps; replaces all earlier slots.",
    )

    def _user(self):
        return self.context["request"].user

    def validate_programmes(self, value):
        return _existing_ids(Programme.objects.visible_to(self._user()), value)

    def validate_neighbourhoods(self, value):
        # Neighbourhoods are public; the service checks they belong to the initiative.
        return _existing_ids(Neighbourhood.objects.all(), value)

    def profile_changes(self) -> dict:
        """The validated data as keyword arguments of ``services.VolunteerProfile``."""
        data = dict(self.validated_data)
        data.pop("availability", None)
        data.pop("initiative", None)
        if "programmes" in data:
            data["programme_ids"] = data.pop("programmes")
        if "neighbourhoods" in data:
            data["neighbourhood_ids"] = data.pop("neighbourhoods")
        return data

    def slots(self) -> list[services.Slot] | None:
        """The weekly slots, or None when not given."""
        if "availability" not in self.validated_data:
            return None
        return [
            (slot["weekday"], slot["start_time"], slot["end_time"])
            for slot in self.validated_data["availability"]
        ]


class VolunteerCreateSerializer(VolunteerProfileInputSerializer):
    """A new volunteer: the initiative, contact details, profile and weekly availability."""

    initiative = serializers.PrimaryKeyRelatedField(
        queryset=Initiative.objects.none(),  # set per request
        help_text="Identifier of an initiative you lead, which the volunteer joins.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request is not None else None
        self.fields["initiative"].queryset = selectors.led_initiatives(user)

    def profile(self) -> services.VolunteerProfile:
        return services.VolunteerProfile(**self.profile_changes())


class VolunteerUpdateSerializer(VolunteerProfileInputSerializer):
    """Changes to a volunteer's profile: only the fields sent change."""

    # Every field is optional, rather than validating with ``partial=True``: that
    # would make the fields of each availability slot optional too.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def profile(self, volunteer: Volunteer) -> services.VolunteerProfile:
        current = services.VolunteerProfile(
            first_name=volunteer.first_name,
            last_name=volunteer.last_name,
            email=volunteer.email,
            phone=volunteer.phone,
            postcode=volunteer.postcode,
            date_of_birth=volunteer.date_of_birth,
            neighbourhood_ids=[n.pk for n in volunteer.neighbourhoods.all()],
            programme_ids=[p.pk for p in volunteer.programmes.all()],
            max_travel_km=volunteer.max_travel_km,
            online_possible=volunteer.online_possible,
            languages=list(volunteer.languages),
            subjects=list(volunteer.subjects),
            school_levels=list(volunteer.school_levels),
            education_level=volunteer.education_level,
            capacity=volunteer.capacity,
        )
        return dataclasses.replace(current, **self.profile_changes())


# --- volunteers: actions --------------------------------------------------------


class VolunteerStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=S.choices,
        help_text="The new status; see `allowed_transitions` for what the current status "
        "allows (anything else is a 409).",
    )
    date = serializers.DateField(
        help_text="The date of the change: not in the future, not before the previous change."
    )
    reason = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        default="",
        help_text="Why; required when the volunteer stops.",
    )


class VolunteerVOGInputSerializer(serializers.Serializer):
    issued_on = serializers.DateField(
        help_text="The issue date on the certificate, not in the future. Keep no copy or scan."
    )
    checked_on = serializers.DateField(
        required=False,
        help_text="When you checked the original (default today); you are recorded as "
        "the person who checked it.",
    )

    def validate(self, data):
        data.setdefault("checked_on", timezone.localdate())
        return data


class VolunteerTrainingInputSerializer(serializers.Serializer):
    training = serializers.PrimaryKeyRelatedField(
        queryset=Training.objects.none(),  # set per request
        help_text="Identifier of a training of the volunteer's initiative.",
    )
    completed_on = serializers.DateField(help_text="When it was followed, not in the future.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request is not None else None
        self.fields["training"].queryset = Training.objects.filter(
            initiative__in=selectors.led_initiatives(user)
        )


class VolunteerIntakeInputSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="When the intake talk was held, not in the future.")
    notes = serializers.CharField(
        max_length=MAX_NOTES_LENGTH,
        allow_blank=True,
        required=False,
        default="",
        help_text="Motivation, experience, agreements; only project leaders see them.",
    )
