"""Filters of the match, contact moment, evaluation and impact measurement lists.

Identifiers are bounded (``BoundedIdFilter``): ``?programme=0`` or a number
beyond 64 bits is a 400, as the schema says.
"""

from __future__ import annotations

import django_filters

from core.api.filters import BoundedIdFilter, StrictFilterSet, date_range

from ..models import ContactMoment, Evaluation, ImpactMeasurement, Match


class MatchFilter(StrictFilterSet):
    STATUS_CHOICES = [("active", "active"), ("ended", "ended")]

    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        help_text="`active`: running matches; `ended`: matches that have ended.",
    )
    programme = BoundedIdFilter(field_name="programme", help_text="Identifier of the programme.")
    volunteer = BoundedIdFilter(field_name="volunteer", help_text="Identifier of the volunteer.")
    referral = BoundedIdFilter(
        field_name="participants__referral",
        distinct=True,
        help_text="Identifier of a referral: the matches (current and earlier) it took part in.",
    )
    start_date_after, start_date_before = date_range("start_date", "Started")
    end_date_after, end_date_before = date_range("end_date", "Ended")

    class Meta:
        model = Match
        fields = [
            "status",
            "programme",
            "volunteer",
            "referral",
            "start_date_after",
            "start_date_before",
            "end_date_after",
            "end_date_before",
        ]

    def filter_status(self, queryset, name, value):
        return queryset.filter(end_date__isnull=value == "active")


class ContactMomentFilter(StrictFilterSet):
    match = BoundedIdFilter(field_name="match", help_text="Identifier of the match.")
    kind = django_filters.ChoiceFilter(
        choices=ContactMoment.Kind.choices, help_text="Only contact moments of this kind."
    )
    attendance = django_filters.ChoiceFilter(
        choices=ContactMoment.Attendance.choices,
        help_text="Only sessions held, with the pupil absent, or cancelled by the volunteer.",
    )
    date_after, date_before = date_range("date", "Took place")

    class Meta:
        model = ContactMoment
        fields = ["match", "kind", "attendance", "date_after", "date_before"]


class EvaluationFilter(StrictFilterSet):
    referral = BoundedIdFilter(field_name="referral", help_text="Identifier of the referral.")
    programme = BoundedIdFilter(
        field_name="referral__programme", help_text="Identifier of the referral's programme."
    )
    moment = django_filters.ChoiceFilter(
        choices=Evaluation.Moment.choices, help_text="Only mid-term or only end evaluations."
    )
    held_on_after, held_on_before = date_range("held_on", "Held")

    class Meta:
        model = Evaluation
        fields = ["referral", "programme", "moment", "held_on_after", "held_on_before"]


class ImpactMeasurementFilter(StrictFilterSet):
    referral = BoundedIdFilter(field_name="referral", help_text="Identifier of the referral.")
    programme = BoundedIdFilter(
        field_name="referral__programme", help_text="Identifier of the referral's programme."
    )
    moment = django_filters.ChoiceFilter(
        choices=ImpactMeasurement.Moment.choices, help_text="Only measurements of this moment."
    )
    measured_on_after, measured_on_before = date_range("measured_on", "Measured")

    class Meta:
        model = ImpactMeasurement
        fields = ["referral", "programme", "moment", "measured_on_after", "measured_on_before"]
