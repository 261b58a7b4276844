from rest_framework import serializers

from ..models import SchoolLocation


class SchoolSerializer(serializers.ModelSerializer):
    municipality_code = serializers.CharField(
        source="municipality.cbs_code", read_only=True, help_text="CBS code of the municipality."
    )
    municipality_name = serializers.CharField(
        source="municipality.name", read_only=True, help_text="Name of the municipality."
    )
    neighbourhood_name = serializers.CharField(
        source="neighbourhood.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Name of the neighbourhood the school lies in, where known.",
    )

    class Meta:
        model = SchoolLocation
        fields = [
            "id",
            "location_code",
            "brin",
            "name",
            "sector",
            "denomination",
            "street",
            "house_number",
            "postcode",
            "city",
            "municipality",
            "municipality_code",
            "municipality_name",
            "neighbourhood",
            "neighbourhood_name",
            "education_structure",
        ]
        extra_kwargs = {
            "id": {"help_text": "Identifier of the school location."},
            "municipality": {"help_text": "Identifier of the municipality."},
            "neighbourhood": {"help_text": "Identifier of the neighbourhood, where known."},
        }
