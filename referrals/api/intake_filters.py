"""Filters of the intake endpoints: pupils, referrals and the waitlist.

Identifiers are whole numbers (``IdFilter``: ``?school=1.5`` is a 400); an
unknown identifier, one of an object out of reach or one beyond any
identifier's range simply matches nothing, since every list already starts
from what the user may see.
"""

from __future__ import annotations

import django_filters

from core.api.filters import IdFilter, StrictFilterSet, date_range
from core.models import SchoolGrade

from ..models import Pupil, Referral


class PupilFilter(StrictFilterSet):
    school = IdFilter(help_text="Identifier of the pupil's school location.")
    grade = django_filters.TypedChoiceFilter(
        choices=SchoolGrade.choices,
        coerce=int,
        help_text="Year group: 1 to 8 is groep 1 to 8, 9 to 14 is klas 1 to 6.",
    )

    class Meta:
        model = Pupil
        fields = ["school", "grade"]


class ReferralFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Referral.Status.choices, help_text="Only referrals with this status."
    )
    programme = IdFilter(help_text="Identifier of the programme referred to.")
    school = IdFilter(
        field_name="referring_school", help_text="Identifier of the referring school location."
    )
    school_year = IdFilter(
        help_text="Calendar year in which the school year starts (2025 is 2025-2026)."
    )
    submitted_after, submitted_before = date_range("submitted_at", "Submitted", transform="date")
    created_after, created_before = date_range(
        "created_at", "Created (first saved, as draft or submitted)", transform="date"
    )

    class Meta:
        model = Referral
        fields = [
            "status",
            "programme",
            "school",
            "school_year",
            "submitted_after",
            "submitted_before",
            "created_after",
            "created_before",
        ]


class WaitlistFilter(StrictFilterSet):
    programme = IdFilter(help_text="Identifier of one of your programmes: only its waitlist.")

    class Meta:
        model = Referral
        fields = ["programme"]
