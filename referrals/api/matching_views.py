"""The matching half of the referrals API: matches (with suggestions and the changes
to a running match), contact moments, evaluations and impact measurements.

Thin adapters over the pages' selectors and services, with the pages' access:

- matches: ``selectors.matches_for`` (project leaders: their initiatives'
  matches; a volunteer: their own running ones; a school sees them on its
  own pages, not here). Making, ending and changing a match is for the
  initiative's project leaders (else 403); the services check the rules.
- suggestions: project leaders only, for a referral they lead.
- contact moments: ``ContactMoment.objects.visible_to`` (project leaders and
  the match's own volunteer; schools and officials see none, notes included).
  Logging follows ``may_log_moments``; correcting and deleting
  ``may_change_moment``.
- evaluations and impact measurements: the referrals the user leads as
  project leader, as on the evaluation pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.scope import scope_for
from audit.services import Action, note_record
from core.api.fields import ID_SCHEMA

from .. import selectors, services
from ..matching.scoring import suggestions_for
from ..models import (
    ContactMoment,
    Evaluation,
    GoalEvaluation,
    ImpactMeasurement,
    ImpactScore,
    Match,
    MatchParticipant,
    Pupil,
    Referral,
)
from ..services.match_common import require_leader
from ..services.sessions import may_change_moment
from .matching_filters import (
    ContactMomentFilter,
    EvaluationFilter,
    ImpactMeasurementFilter,
    MatchFilter,
)
from .matching_serializers import (
    ContactMomentSerializer,
    EvaluationSerializer,
    ImpactMeasurementSerializer,
    MatchEndSerializer,
    MatchParticipantSerializer,
    MatchReplaceVolunteerSerializer,
    MatchSerializer,
    ParticipantAddSerializer,
    ParticipantLeaveSerializer,
    SuggestionListSerializer,
    SuggestionQuerySerializer,
    led_referrals,
)

ID_PATTERN = r"[0-9]+"


def _require_project_leader(user) -> None:
    """Project leader of some initiative, or administrator (the pages' ``leader_required``)."""
    scope = scope_for(user)
    if not (scope.is_superuser or scope.led_initiative_ids):
        raise PermissionDenied(_("Only project leaders can do this."))


# --- matches ------------------------------------------------------------------------

PARTICIPANT_ID = OpenApiParameter(
    "participant_id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="Identifier of the participation (`participants[].id` of the match).",
)


@extend_schema_view(
    list=extend_schema(
        summary="List matches",
        description="Matches of the initiatives you lead as project leader; as a volunteer, "
        "your own running matches. Filter on status, programme, volunteer, referral and "
        "dates.",
    ),
    retrieve=extend_schema(
        summary="One match",
        description="The match with its pupils and their referrals, the volunteer, the "
        "arrangements, how it ended and how many sessions were held.",
    ),
    create=extend_schema(
        summary="Match waiting pupils with a volunteer",
        description="As the match page: one waiting pupil, or several in a group programme, "
        "with a volunteer. Refused with the reasons (400) when the volunteer has no valid "
        "VOG, lacks a required training, has no free capacity or does not work in the "
        "programme. Project leaders of the programme's initiative only.",
        responses={201: MatchSerializer},
    ),
)
class MatchViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MatchSerializer
    filterset_class = MatchFilter
    ordering_fields = ["start_date", "end_date", "id"]
    ordering = ["-start_date", "-id"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        participants = MatchParticipant.objects.select_related("pupil").order_by(
            "pupil__last_name", "pupil__first_name", "pk"
        )
        return (
            selectors.matches_for(self.request.user)
            .select_related("programme__initiative", "volunteer")
            .prefetch_related(Prefetch("participants", queryset=participants))
            .annotate(sessions_held=selectors.sessions_held_count())
        )

    def _respond(self, match: Match, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=match.pk)
        return Response(
            MatchSerializer(fresh, context=self.get_serializer_context()).data, status_code
        )

    def _led_match(self) -> Match:
        """The match (404 if not visible), for its initiative's project leaders (else 403)."""
        match = self.get_object()
        require_leader(self.request.user, match.programme.initiative_id)
        return match

    def _input(self, serializer_class, **kwargs):
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def create(self, request, *args, **kwargs):
        _require_project_leader(request.user)
        serializer = self._input(MatchSerializer)
        match = services.match_create(user=request.user, **serializer.service_kwargs())
        note_record(request, match, Action.CREATE)
        return self._respond(match, status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a match",
        description="Ends the match on a day that is not in the future, with the reason "
        "(required). Each pupil's referral becomes completed, stopped early or, with "
        "`back_to_waitlist`, waiting again. A match that has already ended: 409.",
        request=MatchEndSerializer,
        responses={200: MatchSerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        match = self._led_match()
        data = self._input(MatchEndSerializer).validated_data
        services.match_end(user=request.user, match=match, **data)
        return self._respond(match)

    @extend_schema(
        summary="Replace the volunteer",
        description="Another volunteer takes over: this match ends (reason: volunteer "
        "stopped) and a new match with the same pupils and arrangements starts on `date`. "
        "Answers the new match. The new volunteer is held to the same rules as a new match "
        "(400 with the reasons). A match that has already ended: 409.",
        request=MatchReplaceVolunteerSerializer,
        responses={201: MatchSerializer},
    )
    @action(detail=True, methods=["post"], url_path="replace-volunteer")
    def replace_volunteer(self, request, pk=None):
        match = self._led_match()
        data = self._input(MatchReplaceVolunteerSerializer).validated_data
        new = services.match_replace_volunteer(
            user=request.user,
            match=match,
            volunteer=data["volunteer"],
            date=data["date"],
            reason_note=data["reason_note"],
        )
        note_record(request, new, Action.CREATE)  # the new volunteer's match
        return self._respond(new, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a pupil to a group match",
        description="A waiting pupil of the programme joins the running group, if the group "
        "size and the volunteer's capacity allow. Group matches only.",
        request=ParticipantAddSerializer,
        responses={201: MatchParticipantSerializer},
    )
    @action(detail=True, methods=["post"], url_path="participants")
    def add_participant(self, request, pk=None):
        match = self._led_match()
        data = self._input(ParticipantAddSerializer).validated_data
        participant = services.match_add_participant(
            user=request.user, match=match, referral=data["referral"], date=data.get("date")
        )
        return Response(
            MatchParticipantSerializer(participant).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="A pupil leaves a group match",
        description="One current pupil leaves the running group; their referral follows as "
        "when a match ends. The last pupil cannot leave: end the match instead.",
        parameters=[PARTICIPANT_ID],
        request=ParticipantLeaveSerializer,
        responses={200: MatchParticipantSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"participants/(?P<participant_id>{ID_PATTERN})/leave",
    )
    def remove_participant(self, request, pk=None, participant_id=None):
        match = self._led_match()
        participant = get_object_or_404(
            match.participants.select_related("pupil", "referral"),
            pk=participant_id,
            left_on__isnull=True,
        )
        data = self._input(ParticipantLeaveSerializer).validated_data
        left = services.match_remove_participant(
            user=request.user,
            participant=participant,
            date=data["date"],
            end_reason=data["end_reason"],
            back_to_waitlist=data["back_to_waitlist"],
        )
        return Response(MatchParticipantSerializer(left).data)

    @extend_schema(
        summary="Suggested volunteers for a waiting pupil",
        description="The volunteers who may be matched with the referral's pupil (no hard "
        "rule against them), best first, each with a score from 0 to 100 and the reasons "
        "for it, as on the pupil's matching page. Empty when the pupil is not waiting. "
        "Project leaders only.",
        parameters=[
            OpenApiParameter(
                "referral",
                ID_SCHEMA,
                OpenApiParameter.QUERY,
                required=True,
                description="Identifier of the referral.",
            )
        ],
        responses={200: SuggestionListSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def suggestions(self, request):
        _require_project_leader(request.user)
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        referral = selectors.leader_referral_detail(
            user=request.user, pk=query.validated_data["referral"]
        )
        is_waiting = referral.status == Referral.Status.WAITING
        data = {
            "referral": referral.pk,
            "is_waiting": is_waiting,
            "suggestions": suggestions_for(referral) if is_waiting else [],
        }
        return Response(SuggestionListSerializer(data).data)


# --- contact moments -----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List contact moments",
        description="Tutoring sessions and contacts with teacher or parents of the matches "
        "you may see: as project leader your initiatives', as volunteer those of your own "
        "running matches. Schools and municipal officials see none.",
    ),
    retrieve=extend_schema(summary="One contact moment", description="With its note."),
    create=extend_schema(
        summary="Log a contact moment",
        description="As the quick log: for a match you may log moments of (the initiative's "
        "project leaders, or the match's own volunteer while it runs, where the initiative "
        "lets volunteers log their sessions; others 403). The rules (no future date, within "
        "the match, phase for a teacher contact, absent pupils of the group) give 400.",
        responses={201: ContactMomentSerializer},
    ),
    partial_update=extend_schema(
        summary="Correct a contact moment",
        description="Change some of its values; the rest stay. The same rules as logging. "
        "For the initiative's project leaders and for whoever logged it while they may "
        "still log moments of the match.",
    ),
    destroy=extend_schema(
        summary="Delete a contact moment",
        description="Removes a moment logged by mistake; who may correct it may delete it.",
    ),
)
class ContactMomentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ContactMomentSerializer
    filterset_class = ContactMomentFilter
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        absent = Pupil.objects.order_by("last_name", "first_name", "pk")
        return (
            ContactMoment.objects.visible_to(self.request.user)
            .filter(match__isnull=False)
            .select_related("match__programme__initiative", "match__volunteer", "logged_by")
            .prefetch_related(Prefetch("absent_pupils", queryset=absent))
        )

    def _respond(self, moment: ContactMoment, status_code: int = status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=moment.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moment = services.contact_moment_log(
            user=request.user,
            match=serializer.validated_data["match"],
            **serializer.service_kwargs(),
        )
        note_record(request, moment, Action.CREATE)
        return self._respond(moment, status.HTTP_201_CREATED)

    def _changeable(self) -> ContactMoment:
        moment = self.get_object()
        if not may_change_moment(self.request.user, moment):
            raise PermissionDenied(_("You cannot change this contact moment."))
        return moment

    def partial_update(self, request, *args, **kwargs):
        moment = self._changeable()
        serializer = self.get_serializer(moment, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.contact_moment_update(
            user=request.user, moment=moment, **serializer.service_kwargs()
        )
        return self._respond(moment)

    def destroy(self, request, *args, **kwargs):
        services.contact_moment_delete(user=request.user, moment=self._changeable())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- evaluations and impact measurements --------------------------------------------------


class _RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Records of the referrals the user leads; recording a moment again corrects it.

    Subclasses name the ``model`` and the service that ``record``s it.
    """

    model: type[Evaluation] | type[ImpactMeasurement]
    record: staticmethod
    lookup_value_regex = ID_PATTERN

    def scoped(self):
        # No visible_to of their own: they are scoped through their referral, among
        # those the user leads (``Referral.objects.visible_to``, as the pages).
        return self.model.objects.filter(referral__in=led_referrals(self.request.user))

    def create(self, request, *args, **kwargs):
        _require_project_leader(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.service_kwargs()
        existed = self.model.objects.filter(
            referral=values["referral"], moment=values["moment"]
        ).exists()
        recorded = self.record(user=request.user, **values)
        note_record(request, recorded, Action.UPDATE if existed else Action.CREATE)
        fresh = self.get_queryset().get(pk=recorded.pk)
        return Response(
            self.get_serializer(fresh).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


@extend_schema_view(
    list=extend_schema(
        summary="List evaluations",
        description="Mid-term and end evaluations of the referrals of the initiatives you "
        "lead as project leader, with each goal's result.",
    ),
    retrieve=extend_schema(summary="One evaluation"),
    create=extend_schema(
        summary="Record an evaluation",
        description="The mid-term or end evaluation of a matched pupil's action plan: every "
        "goal scored once, satisfaction of pupil and parents, a summary. Recording a moment "
        "that was recorded before corrects it (200); a new one is 201. Errors about one goal "
        "name the field `goal_<id>_result`. Project leaders only.",
        responses={201: EvaluationSerializer, 200: EvaluationSerializer},
    ),
)
class EvaluationViewSet(_RecordViewSet):
    model = Evaluation
    record = staticmethod(services.evaluation_record)
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    ordering_fields = ["held_on", "id"]
    ordering = ["-held_on", "-id"]

    def get_queryset(self):
        results = GoalEvaluation.objects.select_related("goal").order_by(
            "goal__review_date", "goal_id"
        )
        return (
            self.scoped()
            .select_related("recorded_by")
            .prefetch_related(Prefetch("goal_results", queryset=results))
        )


@extend_schema_view(
    list=extend_schema(
        summary="List impact measurements",
        description="Scores 1-5 on the programme's questions at start, mid-term and end, of "
        "the referrals of the initiatives you lead as project leader.",
    ),
    retrieve=extend_schema(summary="One impact measurement"),
    create=extend_schema(
        summary="Record an impact measurement",
        description="A score for every question the programme asks now. The start "
        "measurement may be taken from the intake on; mid-term and end once the pupil has "
        "been matched. Recording a moment again corrects it (200); a new one is 201. Errors "
        "about one question name the field `question_<id>`. Project leaders only.",
        responses={201: ImpactMeasurementSerializer, 200: ImpactMeasurementSerializer},
    ),
)
class ImpactMeasurementViewSet(_RecordViewSet):
    model = ImpactMeasurement
    record = staticmethod(services.impact_measurement_record)
    serializer_class = ImpactMeasurementSerializer
    filterset_class = ImpactMeasurementFilter
    ordering_fields = ["measured_on", "id"]
    ordering = ["-measured_on", "-id"]

    def get_queryset(self):
        scores = ImpactScore.objects.select_related("question").order_by(
            "question__order", "question_id"
        )
        return (
            self.scoped()
            .select_related("recorded_by")
            .prefetch_related(Prefetch("scores", queryset=scores))
        )


def register(router):
    """Register this module's viewsets on the referrals API router."""
    router.register("matches", MatchViewSet, basename="match")
    router.register("contact-moments", ContactMomentViewSet, basename="contact-moment")
    router.register("evaluations", EvaluationViewSet, basename="evaluation")
    router.register("impact-measurements", ImpactMeasurementViewSet, basename="impact-measurement")
