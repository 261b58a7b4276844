"""The intake half of the referrals API: pupils and guardians, referrals with
their actions, the driehoeksgesprek, the action plan and the waitlist.

Thin adapters over the pages' selectors and services. Every read starts from
``visible_to(user)``, narrowed as the pages are: a school referrer reads their
school's referrals, a project leader their initiatives' ones, a client manager
the adults they referred (``selectors.client_manager_referrals``; volunteers
and municipal officials have no referral pages, so they read none). A referral
out of reach is a 404; a visible one the role may not change is a 403, checked
as the project leader's pages check it; the services' own refusals come back
through the API's exception handler (400, 403, 409).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.scope import scope_for
from audit.services import Action, note_record
from core.api.errors import Conflict

from .. import selectors, services
from ..models import (
    DropOutSignal,
    Guardian,
    PriorityChange,
    Pupil,
    Referral,
    ReferralStatusChange,
    TripartiteMeeting,
)
from ..selectors.referrals import _matched_since_subquery, _sessions_held_subquery
from ..services.adults import (
    adult_referral_create_by_project_leader,
    adult_referral_save,
    adult_referral_submit,
)
from ..services.lifecycle import claim_version
from ..views.leader import PRIORITY_STATUSES
from . import intake_serializers as s
from .intake_filters import PupilFilter, ReferralFilter, WaitlistFilter

S = Referral.Status


class IsProjectLeader(permissions.BasePermission):
    """A project leader of some initiative, or an administrator (``leader_required``)."""

    message = _("Only project leaders can do this.")

    def has_permission(self, request, view):
        scope = scope_for(request.user)
        return scope.is_superuser or bool(scope.led_initiative_ids)


LEADER_PERMISSIONS = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsProjectLeader]


class IsClientManager(permissions.BasePermission):
    """A klantmanager of some municipality (``client_manager_required``)."""

    message = _("Only client managers can do this.")

    def has_permission(self, request, view):
        return bool(scope_for(request.user).client_manager_municipality_ids)


CLIENT_MANAGER_PERMISSIONS = [*api_settings.DEFAULT_PERMISSION_CLASSES, IsClientManager]


# --- pupils ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List pupils",
        description="The pupils you may see: a project leader their initiatives' pupils "
        "(not those only in a school's draft), a school referrer the pupils their school "
        "referred, a volunteer the pupils they are matched with now. Each role reads what "
        "its pages show: schools see no guardian phone or email; volunteers see name, "
        "school and year group only. Municipal officials see no pupils.",
    ),
    retrieve=extend_schema(
        summary="One pupil",
        description="One pupil with their parents or carers, as far as your role sees them.",
    ),
)
class PupilViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.PupilSerializer
    filterset_class = PupilFilter
    ordering_fields = ["last_name", "first_name", "id"]
    ordering = ["last_name", "first_name", "id"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        user = self.request.user
        scope = scope_for(user)
        own_school = (
            Exists(
                Referral.objects.filter(
                    pupil=OuterRef("pk"), referring_school_id__in=scope.school_ids
                )
            )
            if scope.school_ids
            else Value(False, output_field=BooleanField())
        )
        return (
            Pupil.objects.visible_to(user)
            .select_related("initiative", "school", "neighbourhood")
            .prefetch_related(Prefetch("guardians", queryset=Guardian.objects.order_by("pk")))
            .annotate(referred_by_own_school=own_school)
        )


# --- referrals ----------------------------------------------------------------------

VERSION_NOTE = (
    " Send the `version` you read to be told (409) when someone changed the referral "
    "meanwhile. The answer is the referral as it is now."
)


def _action_schema(summary: str, description: str, request=s.VersionSerializer):
    return extend_schema(
        summary=summary,
        description=description + VERSION_NOTE,
        request=request,
        responses={200: s.ReferralDetailSerializer},
    )


@extend_schema_view(
    list=extend_schema(
        summary="List referrals",
        description="The referrals of your school (school referrer), of your initiatives' "
        "programmes (project leader; drafts stay with the referrer until submitted) and the "
        "adults you referred yourself (client manager).",
    ),
    retrieve=extend_schema(
        summary="One referral",
        description="One referral as its page shows it: status history with reasons, the "
        "action plan's goals with their results, whether a volunteer is matched and how "
        "many sessions were held. Project leaders also read the guardians' contact "
        "details, the priority and its history and the driehoeksgesprekken. For an adult, "
        "the project leader and the client manager who referred them read the signals of "
        "imminent drop-out and the start and stop of the coaching track; the client "
        "manager not the meetings or the action plan.",
    ),
    create=extend_schema(
        summary="Refer a pupil (school referrer)",
        description="The school's referral form: pupil, parents or carers, support question, "
        "programme and parental consent. Saved as a draft, or submitted with "
        "`submit: true` (parental consent is then required; nothing is saved otherwise). "
        "When the school already referred a pupil with the same name and date of birth, "
        "send `confirm_duplicate: true` to save anyway.",
        request=s.SchoolReferralInputSerializer,
        responses={201: s.ReferralDetailSerializer},
    ),
    registrations=extend_schema(
        summary="Enter a referral received by phone or mail (project leader)",
        description="A referral from a parent, neighbourhood team, school or the pupil that "
        "reached the initiative another way; entered with consent and submitted at once. "
        "For a programme for adults, send the person's `learner` details instead of a "
        "school, year group and parents (source `self`, `wijkteam` or `other`; the consent "
        "is the person's own). Client managers refer through their own page.",
        request=s.LeaderReferralInputSerializer,
        responses={201: s.ReferralDetailSerializer},
    ),
    adults=extend_schema(
        summary="Refer an adult newcomer (client manager)",
        description="The klantmanager's referral form: the person, their learner details "
        "(learning route, level goal, language school; no BSN), what they want to work on, "
        "a programme for adults that serves the municipality and the person's own consent. "
        "Saved as a draft, or submitted with `submit: true` (consent is then required; "
        "nothing is saved otherwise). Client managers only (else 403).",
        request=s.ClientManagerReferralInputSerializer,
        responses={201: s.ReferralDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a draft referral (school referrer or client manager)",
        description="Change your own draft, as its edit page does: send only the fields "
        "that change; the others keep their values (`guardians` and `learner` given are "
        "the new ones, `learner`'s fields merged). A school referrer sends the fields of "
        "the school's referral form, a client manager those of theirs (`learner` and "
        "`home_languages`, no school, year group, parents, `support_why` or "
        "`support_tried`); a field of the other form is a 400. `submit: true` submits it "
        "at once. Send the `version` you read to be told (409) when someone changed the "
        "draft meanwhile. A referral that is no longer a draft is a 409; one you may see "
        "but did not refer is a 403.",
        request=s.ReferralDraftChangeSerializer,
        responses={200: s.ReferralDetailSerializer},
    ),
    submit=_action_schema(
        "Submit a draft referral",
        "The school (or the client manager) submits its draft to the initiative; parental "
        "consent (an adult's own) must be recorded.",
    ),
    accept=_action_schema(
        "Accept a referral for intake",
        "The project leader accepts a submitted referral; the driehoeksgesprek comes next.",
    ),
    decline=_action_schema(
        "Decline a referral",
        "The project leader declines a referral, with a reason the referrer sees.",
        request=s.ReasonSerializer,
    ),
    withdraw=_action_schema(
        "Withdraw a referral",
        "The referrer (school or client manager) or the project leader withdraws an open "
        "referral, with a reason.",
        request=s.ReasonSerializer,
    ),
    waitlist=_action_schema(
        "Place on the waitlist",
        "After the driehoeksgesprek: needs an action plan with at least one goal, and the "
        "parents' acceptance of any conditions.",
    ),
    priority=_action_schema(
        "Change the waitlist priority",
        "The project leader changes the priority (1 most urgent, 5 least) of a referral "
        "that waits for a volunteer, with a reason that is recorded.",
        request=s.PrioritySerializer,
    ),
    meeting=_action_schema(
        "Plan a driehoeksgesprek",
        "During the intake: when, and who is invited (parent, pupil, teacher, initiative).",
        request=s.MeetingPlanSerializer,
    ),
    meeting_outcome=_action_schema(
        "Record the outcome of a driehoeksgesprek",
        "What was agreed, the parents' conditions and the action plan's goals.",
        request=s.MeetingOutcomeSerializer,
    ),
    action_plan=_action_schema(
        "Add goals to the action plan",
        "Adds goals (what, who, review date) to the referral's action plan, creating it "
        "if there is none.",
        request=s.ActionPlanSerializer,
    ),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = ReferralFilter
    # Not the priority: schools do not see it, so they may not sort by it either.
    ordering_fields = ["created_at", "submitted_at", "status_changed_at", "id"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self):
        if self.action == "list":
            return s.ReferralSerializer
        return s.ReferralDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self):
        return self._referrals(detail=self.action == "retrieve")

    def _referrals(self, *, detail: bool):
        user = self.request.user
        scope = scope_for(user)
        qs = Referral.objects.visible_to(user)
        if not scope.is_superuser:
            # What the pages show: the school's list, the project leader's pages and
            # the klantmanager's own referrals.
            shown = Q(programme__initiative_id__in=scope.led_initiative_ids) | Q(
                referring_school_id__in=scope.school_ids
            )
            if scope.client_manager_municipality_ids:
                shown |= Q(pk__in=selectors.client_manager_referrals(user=user).values("pk"))
            qs = qs.filter(shown)
        qs = qs.select_related("pupil", "programme__initiative", "referring_school").annotate(
            sessions_held=_sessions_held_subquery(), matched_since=_matched_since_subquery()
        )
        if detail:
            qs = qs.prefetch_related(
                Prefetch("pupil__guardians", queryset=Guardian.objects.order_by("pk")),
                Prefetch(
                    "status_changes",
                    queryset=ReferralStatusChange.objects.select_related("changed_by").order_by(
                        "changed_at", "pk"
                    ),
                ),
                Prefetch(
                    "tripartite_meetings",
                    queryset=TripartiteMeeting.objects.order_by("planned_at", "pk"),
                ),
                Prefetch(
                    "priority_changes",
                    queryset=PriorityChange.objects.select_related("changed_by").order_by(
                        "changed_at", "pk"
                    ),
                ),
                Prefetch(
                    "drop_out_signals",
                    queryset=DropOutSignal.objects.order_by("-signalled_on", "-pk"),
                ),
            )
        return qs

    # --- helpers ---

    def _answer(self, referral: Referral, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self._referrals(detail=True).get(pk=referral.pk)
        serializer = s.ReferralDetailSerializer(fresh, context=self.get_serializer_context())
        return Response(serializer.data, status=status_code)

    def _input(self, serializer_class, **context):
        serializer = serializer_class(
            data=self.request.data, context={**self.get_serializer_context(), **context}
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def _led_referral(self) -> Referral:
        """A visible referral (else 404) that the user leads (else 403), as the leader pages."""
        referral = self.get_object()
        if not scope_for(self.request.user).leads(referral.programme.initiative_id):
            raise exceptions.PermissionDenied(
                _("Only the initiative's project leaders can do this.")
            )
        return referral

    @staticmethod
    def _refuse_unless_intake(referral: Referral) -> None:
        """The driehoeksgesprek belongs to the intake (as the leader's pages refuse it)."""
        if referral.status != S.INTAKE:
            raise Conflict(
                _("The driehoeksgesprek belongs to the intake; this referral is “%(status)s”.")
                % {"status": referral.get_status_display()}
            )

    # --- new referrals ---

    def create(self, request, *args, **kwargs):
        user = request.user
        scope = scope_for(user)
        if not scope.school_ids:
            raise exceptions.PermissionDenied(
                _(
                    "Only school referrers can refer pupils here; project leaders use "
                    "registrations, client managers referrals/adults."
                )
            )
        serializer = self._input(s.SchoolReferralInputSerializer)
        data = serializer.validated_data
        if (
            not data["confirm_duplicate"]
            and selectors.school_duplicates(
                user=user,
                initiative=data["programme"].initiative,
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
            ).exists()
        ):
            raise ValidationError(
                {
                    "confirm_duplicate": _(
                        "Your school already referred a pupil with this name and date "
                        "of birth. Send confirm_duplicate true to save anyway."
                    )
                }
            )
        # Draft and submission together: all or nothing, as the referral form.
        with transaction.atomic():
            referral = services.referral_save_draft(user=user, **serializer.service_kwargs())
            if data["submit"]:
                referral = services.referral_submit(referral=referral, user=user)
        note_record(request, referral, Action.CREATE)
        return self._answer(referral, status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"], permission_classes=LEADER_PERMISSIONS)
    def registrations(self, request):
        user = request.user
        serializer = self._input(s.LeaderReferralInputSerializer)
        data = serializer.validated_data
        if not data["confirm_duplicate"]:
            duplicates = selectors.possible_duplicates(
                user=user,
                initiative=data["programme"].initiative,
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
            )
            if duplicates.exists():
                message = (
                    _(
                        "This person may already be known. Send confirm_duplicate true "
                        "to save anyway."
                    )
                    if serializer.is_adult
                    else _(
                        "This child may already be known. Send confirm_duplicate true "
                        "to save anyway."
                    )
                )
                raise ValidationError({"confirm_duplicate": message})
        if serializer.is_adult:
            referral = adult_referral_create_by_project_leader(
                user=user, **serializer.adult_service_kwargs()
            )
        else:
            referral = services.referral_create_by_project_leader(
                user=user, **serializer.service_kwargs()
            )
        note_record(request, referral, Action.CREATE)
        return self._answer(referral, status.HTTP_201_CREATED)

    @action(
        detail=False,
        methods=["post"],
        url_path="adults",
        url_name="adults",
        permission_classes=CLIENT_MANAGER_PERMISSIONS,
    )
    def adults(self, request):
        serializer = self._input(s.ClientManagerReferralInputSerializer)
        referral = adult_referral_save(user=request.user, **serializer.service_kwargs())
        note_record(request, referral, Action.CREATE)
        return self._answer(referral, status.HTTP_201_CREATED)

    # --- a draft changed ---

    def partial_update(self, request, *args, **kwargs):
        referral = self.get_object()
        scope = scope_for(request.user)
        own_adult = s.referral_access(scope, referral) == s.CLIENT_MANAGER
        if not (own_adult or referral.referring_school_id in scope.school_ids):
            raise exceptions.PermissionDenied(_("Only the referrer can change a draft."))
        if referral.status != S.DRAFT:
            raise Conflict(_("Only a draft can be changed; this referral has been submitted."))
        if own_adult:
            input_class, current = (
                s.ClientManagerReferralInputSerializer,
                s.client_manager_draft_input(referral),
            )
        else:
            input_class, current = s.SchoolReferralInputSerializer, s.school_draft_input(referral)
        body, version = request.data, None
        if isinstance(body, dict) and "version" in body:
            version = self._input(s.VersionSerializer).validated_data.get("version")
            body = {name: value for name, value in body.items() if name != "version"}
        if isinstance(body, dict):
            foreign = sorted(set(body) - set(input_class._declared_fields))
            if foreign:
                raise ValidationError(
                    {name: _("This referral has no such field.") for name in foreign}
                )
        serializer = input_class(
            data=s.patched(current, body), context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        # The same services as the edit pages; saving and submitting together.
        with transaction.atomic():
            if own_adult:
                claim_version(referral, version)
                referral = adult_referral_save(
                    user=request.user, referral=referral, **serializer.service_kwargs()
                )
            else:
                referral = services.referral_save_draft(
                    user=request.user,
                    referral=referral,
                    expected_version=version,
                    **serializer.service_kwargs(),
                )
                if serializer.validated_data["submit"]:
                    referral = services.referral_submit(referral=referral, user=request.user)
        return self._answer(referral)

    # --- status changes ---

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        referral = self.get_object()
        version = self._input(s.VersionSerializer).validated_data.get("version")
        submit = (
            adult_referral_submit
            if referral.source == Referral.Source.CLIENT_MANAGER
            else services.referral_submit
        )
        submit(referral=referral, user=request.user, expected_version=version)
        return self._answer(referral)

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        referral = self._led_referral()
        version = self._input(s.VersionSerializer).validated_data.get("version")
        services.referral_accept(referral=referral, user=request.user, expected_version=version)
        return self._answer(referral)

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        referral = self._led_referral()
        data = self._input(s.ReasonSerializer).validated_data
        services.referral_decline(
            referral=referral,
            user=request.user,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return self._answer(referral)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        # The school and the project leader may both withdraw; the service checks who.
        referral = self.get_object()
        data = self._input(s.ReasonSerializer).validated_data
        services.referral_withdraw(
            referral=referral,
            user=request.user,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return self._answer(referral)

    @action(detail=True, methods=["post"])
    def waitlist(self, request, pk=None):
        referral = self._led_referral()
        version = self._input(s.VersionSerializer).validated_data.get("version")
        services.referral_place_on_waitlist(
            referral=referral, user=request.user, expected_version=version
        )
        return self._answer(referral)

    @action(detail=True, methods=["post"])
    def priority(self, request, pk=None):
        referral = self._led_referral()
        if referral.status not in PRIORITY_STATUSES:
            raise Conflict(_("The priority only matters while the pupil waits for a volunteer."))
        data = self._input(s.PrioritySerializer).validated_data
        services.referral_change_priority(
            referral=referral,
            user=request.user,
            priority=data["priority"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return self._answer(referral)

    # --- driehoeksgesprek and action plan ---

    @action(detail=True, methods=["post"])
    def meeting(self, request, pk=None):
        referral = self._led_referral()
        self._refuse_unless_intake(referral)
        data = self._input(s.MeetingPlanSerializer).validated_data
        services.tripartite_meeting_plan(
            referral=referral,
            user=request.user,
            planned_at=data["planned_at"],
            attendees=data["attendees"],
            expected_version=data.get("version"),
        )
        return self._answer(referral)

    @action(detail=True, methods=["post"], url_path="meeting/outcome", url_name="meeting-outcome")
    def meeting_outcome(self, request, pk=None):
        referral = self._led_referral()
        self._refuse_unless_intake(referral)
        data = self._input(s.MeetingOutcomeSerializer, referral=referral).validated_data
        meeting = data.get("meeting")
        if meeting is None:
            planned = list(
                referral.tripartite_meetings.filter(held_on__isnull=True).order_by("planned_at")
            )
            if not planned:
                raise Conflict(
                    _("No driehoeksgesprek is planned without an outcome: plan one first.")
                )
            if len(planned) > 1:
                raise ValidationError(
                    {"meeting": _("Several driehoeksgesprekken are planned: say which one.")}
                )
            meeting = planned[0]
        elif meeting.held_on is not None:
            raise Conflict(_("The outcome of this driehoeksgesprek has already been recorded."))
        services.tripartite_meeting_record_outcome(
            meeting=meeting,
            user=request.user,
            held_on=data["held_on"],
            attendees=data["attendees"],
            agreements=data["agreements"],
            parent_conditions=data["parent_conditions"],
            conditions_accepted=data["conditions_accepted"],
            goals=s.goal_data(data["goals"]),
            expected_version=data.get("version"),
        )
        return self._answer(referral)

    @action(detail=True, methods=["post"], url_path="action-plan", url_name="action-plan")
    def action_plan(self, request, pk=None):
        referral = self._led_referral()
        data = self._input(s.ActionPlanSerializer).validated_data
        services.action_plan_record(
            referral=referral, user=request.user, goals=s.goal_data(data["goals"])
        )
        return self._answer(referral)


# --- waitlist -----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The waitlist",
        description="Pupils waiting for a volunteer in the programmes you lead, in the "
        "waitlist page's order: by priority (1 most urgent), then by date of referral. "
        "Project leaders only.",
    ),
)
class WaitlistViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.WaitlistEntrySerializer
    filterset_class = WaitlistFilter
    # The waitlist's own order, not the client's.
    filter_backends = [DjangoFilterBackend]
    permission_classes = LEADER_PERMISSIONS

    def get_queryset(self):
        return selectors.waitlist(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}


def register(router):
    """Register this module's viewsets on the referrals API router."""
    router.register("pupils", PupilViewSet, basename="pupil")
    router.register("referrals", ReferralViewSet, basename="referral")
    router.register("waitlist", WaitlistViewSet, basename="waitlist")
