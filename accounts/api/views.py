"""Who am I: the signed-in user, their roles and the token in use."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ApiToken, Role
from ..tokens import token_scope

# Every role, from the model, so the description cannot fall behind it.
ROLES_TEXT = ", ".join(Role.values[:-1]) + " or " + Role.values[-1]


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField(help_text=f"The role: {ROLES_TEXT}.")
    organisation_type = serializers.CharField(
        help_text="What the organisation is: initiative, school or municipality."
    )
    organisation_id = serializers.IntegerField(help_text="Identifier of the organisation.")
    organisation_name = serializers.CharField(help_text="Name of the organisation.")


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The name the user gave the token.")
    read_only = serializers.BooleanField(help_text="Whether the token may only read.")
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the token stops working, if it expires."
    )


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Identifier of the user.")
    email = serializers.EmailField(help_text="The user's email address.")
    name = serializers.CharField(help_text="The user's full name (may be empty).")
    is_administrator = serializers.BooleanField(
        help_text="Whether the request acts with administrator rights."
    )
    roles = RoleSerializer(many=True, help_text="The roles this request acts in.")
    token = TokenInfoSerializer(
        allow_null=True, help_text="The token this request used; null for a browser session."
    )


class MeView(APIView):
    @extend_schema(
        summary="The current user",
        description="The signed-in user and the roles this request acts in: with a token "
        "made for one role, only that role.",
        responses=MeSerializer,
    )
    def get(self, request):
        user = request.user
        token = request.auth if isinstance(request.auth, ApiToken) else None
        memberships = user.memberships.current().select_related(
            "initiative", "school", "municipality"
        )
        if token is not None and token.membership_id:
            memberships = memberships.filter(pk=token.membership_id)
        scope = token_scope(token) if token is not None else None
        roles = [
            {
                "role": m.role,
                "organisation_type": type(m.organisation)._meta.model_name.replace(
                    "schoollocation", "school"
                ),
                "organisation_id": m.organisation.pk,
                "organisation_name": str(m.organisation),
            }
            for m in memberships
        ]
        data = {
            "id": user.pk,
            "email": user.email,
            "name": user.get_full_name(),
            "is_administrator": scope.is_superuser if scope else user.is_superuser,
            "roles": roles,
            "token": (
                {"name": token.name, "read_only": token.read_only, "expires_at": token.expires_at}
                if token
                else None
            ),
        }
        return Response(MeSerializer(data).data)
