"""Schools (read only): DUO's open data, visible to every signed-in user."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from core.api.filters import IdFilter, StrictFilterSet

from ..models import SchoolLocation
from .serializers import SchoolSerializer


class SchoolFilter(StrictFilterSet):
    municipality = IdFilter(help_text="Identifier of the municipality.")
    sector = django_filters.ChoiceFilter(
        choices=SchoolLocation.Sector.choices, help_text="PO, VO or SO."
    )
    brin = django_filters.CharFilter(
        help_text="The four-character BRIN of the school board's school."
    )
    name = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the school's name, any case."
    )

    class Meta:
        model = SchoolLocation
        fields = ["municipality", "sector", "brin", "name"]


@extend_schema_view(
    list=extend_schema(summary="List school locations", description="DUO's school locations."),
    retrieve=extend_schema(summary="One school location"),
)
class SchoolViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SchoolSerializer
    filterset_class = SchoolFilter
    ordering_fields = ["name", "location_code", "city"]
    ordering = ["name"]

    def get_queryset(self):
        return SchoolLocation.objects.visible_to(self.request.user).select_related(
            "municipality", "neighbourhood"
        )
