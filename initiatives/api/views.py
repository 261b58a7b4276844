"""Programmes (read only) and volunteers (read, create, change, status and screening).

As the pages: programmes are visible to every signed-in user. A volunteer's
record is visible to the project leaders of their initiative and to the
volunteer themselves (read only); anyone else gets a 404. Every change is
for the initiative's project leaders (else 403) and goes through the same
service as the page.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.scope import scope_for
from audit.services import Action, note_record
from core.api.errors import Conflict

from .. import selectors, services
from ..models import Programme, Volunteer
from ..services.common import require_leader
from .filters import ProgrammeFilter, VolunteerFilter
from .serializers import (
    ProgrammeSerializer,
    VolunteerCreateSerializer,
    VolunteerDetailSerializer,
    VolunteerIntakeInputSerializer,
    VolunteerSerializer,
    VolunteerStatusInputSerializer,
    VolunteerTrainingInputSerializer,
    VolunteerTrainingSerializer,
    VolunteerUpdateSerializer,
    VolunteerVOGInputSerializer,
    VolunteerVOGSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="List programmes",
        description="The programmes of every initiative, with their target group (type of "
        "support, ages, school years), format and the municipalities they serve. "
        "Programmes hold no personal data: every signed-in user sees them all.",
    ),
    retrieve=extend_schema(
        summary="One programme", description="A programme with its target group and reach."
    ),
)
class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilter
    ordering_fields = ["name", "initiative__name", "id"]
    ordering = ["initiative__name", "name", "id"]

    def get_queryset(self):
        return (
            Programme.objects.visible_to(self.request.user)
            .select_related("initiative")
            .prefetch_related("municipalities", "schools", "required_trainings")
        )


VOLUNTEER_ACCESS = (
    " Visible to the project leaders of the volunteer's initiative and to the volunteer "
    "themselves; anyone else gets a 404."
)
LEADERS_ONLY = " Only the project leaders of the volunteer's initiative may do this (else 403)."


@extend_schema_view(
    list=extend_schema(
        summary="List volunteers",
        description="Volunteers with their profile for matching and whether they can be "
        "matched now (VOG, required trainings, capacity). A project leader sees their "
        "initiatives' volunteers, a volunteer only their own record." + VOLUNTEER_ACCESS,
    ),
    retrieve=extend_schema(
        summary="One volunteer",
        description="A volunteer's record with status history, VOGs, trainings followed "
        "and per programme whether they can be matched." + VOLUNTEER_ACCESS,
        responses=VolunteerDetailSerializer,
    ),
    create=extend_schema(
        summary="Register a volunteer",
        description="Add a volunteer as applicant to an initiative you lead; the "
        "registration is the first line of the status history. Only project leaders.",
        request=VolunteerCreateSerializer,
        responses={201: VolunteerDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a volunteer's profile",
        description="Change the fields sent; `availability`, when sent, replaces all "
        "weekly slots. The status changes with the status action." + LEADERS_ONLY,
        request=VolunteerUpdateSerializer,
        responses=VolunteerDetailSerializer,
    ),
)
class VolunteerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VolunteerSerializer
    filterset_class = VolunteerFilter
    ordering_fields = ["last_name", "first_name", "start_date", "end_date", "status", "id"]
    ordering = ["last_name", "first_name", "id"]

    serializer_classes = {
        "retrieve": VolunteerDetailSerializer,
        "create": VolunteerCreateSerializer,
        "partial_update": VolunteerUpdateSerializer,
        "change_status": VolunteerStatusInputSerializer,
        "record_vog": VolunteerVOGInputSerializer,
        "record_training": VolunteerTrainingInputSerializer,
        "record_intake": VolunteerIntakeInputSerializer,
    }

    def get_serializer_class(self):
        return self.serializer_classes.get(self.action, VolunteerSerializer)

    def get_queryset(self):
        return (
            Volunteer.objects.visible_to(self.request.user)
            .select_related("initiative")
            .prefetch_related("availability", "programmes", "neighbourhoods")
        )

    # --- reads ---------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        for row in selectors.volunteer_rows(page):
            row.volunteer.row = row
        return self.get_paginated_response(
            VolunteerSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def retrieve(self, request, *args, **kwargs):
        return self._detail_response(self.get_object())

    def _detail_response(self, volunteer: Volunteer, status_code: int = status.HTTP_200_OK):
        detail = selectors.volunteer_detail(user=self.request.user, volunteer=volunteer)
        volunteer.row = detail.row
        volunteer.detail = detail
        serializer = VolunteerDetailSerializer(volunteer, context=self.get_serializer_context())
        return Response(serializer.data, status=status_code)

    def _reloaded(self, pk: int) -> Volunteer:
        return get_object_or_404(self.get_queryset(), pk=pk)

    # --- writes --------------------------------------------------------------------

    def _managed_object(self) -> Volunteer:
        """The volunteer in the URL (else 404), if the user may change it (else 403)."""
        volunteer = self.get_object()
        require_leader(self.request.user, volunteer.initiative_id)
        return volunteer

    def _input(self):
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer

    def create(self, request, *args, **kwargs):
        scope = scope_for(request.user)
        if not (scope.is_superuser or scope.led_initiative_ids):
            raise PermissionDenied(_("Only the initiative's project leaders may do this."))
        serializer = self._input()
        volunteer = services.volunteer_create(
            user=request.user,
            initiative=serializer.validated_data["initiative"],
            profile=serializer.profile(),
            availability=serializer.slots() or (),
        )
        note_record(request, volunteer, Action.CREATE)
        return self._detail_response(self._reloaded(volunteer.pk), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        volunteer = self._managed_object()
        serializer = self._input()
        services.volunteer_update(
            user=request.user,
            volunteer=volunteer,
            profile=serializer.profile(volunteer),
            availability=serializer.slots(),
        )
        return self._detail_response(self._reloaded(volunteer.pk))

    @extend_schema(
        summary="Change a volunteer's status",
        description="Move the volunteer to another status on a date, with a reason "
        "(required when stopping). Becoming active sets the start date; stopping sets "
        "the end date and is refused while the volunteer has active matches. A status "
        "the current one does not lead to (see `allowed_transitions`) is a 409." + LEADERS_ONLY,
        request=VolunteerStatusInputSerializer,
        responses=VolunteerDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        volunteer = self._managed_object()
        data = self._input().validated_data
        try:
            services.volunteer_change_status(
                user=request.user,
                volunteer=volunteer,
                to_status=data["status"],
                date=data["date"],
                reason=data["reason"],
            )
        except services.InvalidVolunteerTransitionError as error:
            # A FieldError keeps its code on the exception, not on its messages, so the
            # exception handler cannot see that this one is ``invalid_transition``.
            raise Conflict(" ".join(error.messages), code=error.code) from error
        return self._detail_response(self._reloaded(volunteer.pk))

    @extend_schema(
        summary="Record a VOG",
        description="Record the issue date of a VOG (certificate of conduct) whose original "
        "you have checked; you are recorded as the person who checked it. Only the facts "
        "are stored, never a scan. The newest VOG counts." + LEADERS_ONLY,
        request=VolunteerVOGInputSerializer,
        responses={201: VolunteerVOGSerializer},
    )
    @action(detail=True, methods=["post"], url_path="vog")
    def record_vog(self, request, pk=None):
        volunteer = self._managed_object()
        data = self._input().validated_data
        vog = services.vog_record(
            user=request.user,
            volunteer=volunteer,
            issued_on=data["issued_on"],
            checked_on=data["checked_on"],
        )
        return Response(VolunteerVOGSerializer(vog).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a training followed",
        description="Record that the volunteer followed one of the initiative's trainings; "
        "each training is recorded once." + LEADERS_ONLY,
        request=VolunteerTrainingInputSerializer,
        responses={201: VolunteerTrainingSerializer},
    )
    @action(detail=True, methods=["post"], url_path="trainings")
    def record_training(self, request, pk=None):
        volunteer = self._managed_object()
        data = self._input().validated_data
        completion = services.training_record(
            user=request.user,
            volunteer=volunteer,
            training=data["training"],
            completed_on=data["completed_on"],
        )
        return Response(
            VolunteerTrainingSerializer(completion).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Record the intake talk",
        description="Record when the intake talk was held and its notes (replacing earlier "
        "ones); the status changes separately." + LEADERS_ONLY,
        request=VolunteerIntakeInputSerializer,
        responses=VolunteerDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="intake")
    def record_intake(self, request, pk=None):
        volunteer = self._managed_object()
        data = self._input().validated_data
        services.volunteer_record_intake(
            user=request.user, volunteer=volunteer, date=data["date"], notes=data["notes"]
        )
        return self._detail_response(self._reloaded(volunteer.pk))
