"""Filters of the programme and volunteer lists."""

import django_filters
from django.db.models import Q

from core.api.filters import IdFilter, StrictBooleanFilter, StrictFilterSet, date_range

from ..models import Programme, Volunteer


class ProgrammeFilter(StrictFilterSet):
    initiative = IdFilter(
        field_name="initiative", help_text="Identifier of the initiative running the programme."
    )
    municipality = IdFilter(
        field_name="municipalities",
        distinct=True,
        help_text="Identifier of a municipality the programme serves.",
    )
    is_active = StrictBooleanFilter(
        help_text="true: programmes that take new pupils; false: programmes switched off."
    )
    support_type = django_filters.ChoiceFilter(
        choices=Programme.SupportType.choices, help_text="The type of support offered."
    )
    # not "format": DRF reads ?format= as the response format
    works_in_groups = StrictBooleanFilter(
        method="filter_works_in_groups",
        help_text="true: programmes in groups; false: one-to-one programmes.",
    )
    online = StrictBooleanFilter(help_text="Whether the programme is held online.")

    class Meta:
        model = Programme
        fields = [
            "initiative",
            "municipality",
            "is_active",
            "support_type",
            "works_in_groups",
            "online",
        ]

    def filter_works_in_groups(self, queryset, name, value: bool):
        if value:
            return queryset.filter(format=Programme.Format.GROUP)
        return queryset.exclude(format=Programme.Format.GROUP)


class VolunteerFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Volunteer.Status.choices, help_text="Only volunteers with this status."
    )
    initiative = IdFilter(
        field_name="initiative", help_text="Identifier of the volunteer's initiative."
    )
    programme = IdFilter(
        method="filter_programme",
        help_text="Identifier of a programme: volunteers who work in it, including those "
        "who work in every programme of its initiative.",
    )
    start_date_after, start_date_before = date_range("start_date", "Started")
    end_date_after, end_date_before = date_range("end_date", "Stopped")

    class Meta:
        model = Volunteer
        fields = [
            "status",
            "initiative",
            "programme",
            "start_date_after",
            "start_date_before",
            "end_date_after",
            "end_date_before",
        ]

    def filter_programme(self, queryset, name, value: int):
        # A number beyond any id finds no programme: Django's lookup on the primary key
        # answers it without asking the database, so it cannot overflow there.
        # As the volunteer list page (selectors.volunteer_list): an empty choice of
        # programmes means every programme of the volunteer's initiative.
        programme = (
            Programme.objects.visible_to(getattr(self.request, "user", None))
            .filter(pk=value)
            .first()
        )
        if programme is None:
            return queryset.none()
        return queryset.filter(
            Q(programmes=programme)
            | Q(programmes__isnull=True, initiative_id=programme.initiative_id)
        ).distinct()
