"""Every field of the initiatives and accounts models: erased, kept, or the rows deleted.

The package docstring (``initiatives.privacy``) says the same in words; a test
fails when a model gets a field that is in neither list.
"""

from __future__ import annotations

_TIMESTAMPS = ("id", "created_at", "updated_at")

ERASED: dict[str, tuple[str, ...]] = {
    "initiatives.Volunteer": (
        "user",
        "first_name",
        "last_name",
        "email",
        "phone",
        "postcode",
        "date_of_birth",
        "languages",
        "intake_notes",
        "stop_reason",
    ),
    "initiatives.VolunteerStatusChange": ("reason",),
    "accounts.User": ("password", "first_name", "last_name", "email", "is_active"),
}
KEPT: dict[str, tuple[str, ...]] = {
    "initiatives.Volunteer": (
        *_TIMESTAMPS,
        "initiative",
        "status",
        "max_travel_km",
        "online_possible",
        "subjects",
        "school_levels",
        "education_level",
        "capacity",
        "intake_date",
        "start_date",
        "end_date",
        "neighbourhoods",
        "programmes",
        "anonymised_at",
    ),
    "initiatives.VolunteerStatusChange": (
        "id",
        "volunteer",
        "from_status",
        "to_status",
        "date",
        "changed_by",
        "created_at",
    ),
    "initiatives.VOG": ("id", "volunteer", "issued_on", "checked_by", "checked_on"),
    "initiatives.TrainingCompletion": ("id", "volunteer", "training", "completed_on"),
    # About an organisation, not a person:
    "initiatives.Initiative": (
        *_TIMESTAMPS,
        "name",
        "email",
        "phone",
        "website",
        "vog_max_age_years",
        "volunteers_log_sessions",
        "attention_no_session_weeks",
        "municipalities",
    ),
    "initiatives.Programme": (
        *_TIMESTAMPS,
        "initiative",
        "name",
        "description",
        "support_type",
        "format",
        "online",
        "min_age",
        "max_age",
        "min_grade",
        "max_grade",
        "usual_duration_weeks",
        "session_frequency",
        "session_minutes",
        "planned_meetings",
        "audience",
        "group_size_max",
        "waitlist_reminder_weeks",
        "is_active",
        "municipalities",
        "schools",
        "required_trainings",
    ),
    "initiatives.ProgrammePlaces": ("id", "programme", "school", "school_year", "places"),
    # a language café session: headcounts only, nobody's personal data
    "initiatives.DropInSession": (
        *_TIMESTAMPS,
        "programme",
        "date",
        "duration_minutes",
        "headcount",
        "first_visits",
        "volunteers_present",
    ),
    "initiatives.Training": ("id", "initiative", "name", "description", "required"),
    "accounts.User": (
        "id",
        "last_login",
        "is_superuser",
        "is_staff",
        "date_joined",
        "groups",
        "user_permissions",
    ),
    "accounts.Membership": (
        "id",
        "user",
        "role",
        "initiative",
        "school",
        "municipality",
        "created_at",
        "ended_at",
    ),
    "accounts.Invitation": (
        "id",
        "user",
        "invited_by",
        "membership",
        "sent_at",
        "email_sent_at",
        "accepted_at",
    ),
}
DELETED: tuple[str, ...] = ("initiatives.Availability", "accounts.ApiToken")
