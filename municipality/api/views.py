"""Funding agreements (read, record, change) and funders (read).

As the pages (``municipality.views.agreements``): municipal officials,
project leaders and administrators may read (anyone else gets 403); each
sees the agreements of their own municipality or initiative, and another
one is a 404. Officials record and change their municipality's agreements
through ``services.funding_agreement_save``, the service the form calls;
a project leader who reads an agreement of their initiative gets 403 on
changing it. Agreements and funders are organisations and money, never a
pupil.
"""

from __future__ import annotations

import re

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response

from accounts.scope import scope_for
from core.api.filters import IdFilter

from .. import selectors, services
from ..models import Funder, FundingAgreement
from .serializers import (
    FunderSerializer,
    FundingAgreementInputSerializer,
    FundingAgreementSerializer,
)

NOT_AN_OFFICIAL = (
    "Only municipal officials of the agreement's municipality may record funding agreements."
)


# --- strict query parameters ------------------------------------------------------
# A parameter that is given must be valid by the schema: ``?programme=`` or
# ``?start_date_after=2025-8-1`` is a 400, not quietly "no filter".

MAX_ID = 2**63 - 1


def _given(value) -> None:
    if value == "":
        raise forms.ValidationError(_("Give a value, or leave the parameter out."), code="required")


class _IdField(forms.IntegerField):
    def clean(self, value):
        _given(value)
        if value is not None and (len(value) > 1000 or not re.fullmatch(r"-?[0-9]+", value)):
            raise forms.ValidationError(_("Enter a whole number."), code="invalid")
        return super().clean(value)


class _DateField(forms.DateField):
    def clean(self, value):
        _given(value)
        if value is not None and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise forms.ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid")
        return super().clean(value)


class _ChoiceField(django_filters.fields.ChoiceField):
    def clean(self, value):
        _given(value)
        return super().clean(value)


class StrictIdFilter(IdFilter):
    """An identifier; one beyond the database's range matches nothing (no overflow)."""

    field_class = _IdField

    def filter(self, qs, value):
        if value is not None and not -MAX_ID <= value <= MAX_ID:
            return qs.none()
        return super().filter(qs, value)


class StrictDateFilter(django_filters.DateFilter):
    field_class = _DateField


class StrictChoiceFilter(django_filters.ChoiceFilter):
    field_class = _ChoiceField


class AgreementReader(permissions.BasePermission):
    """A municipal official, project leader or administrator (as ``reader_required``)."""

    def has_permission(self, request, view):
        scope = scope_for(request.user)
        return bool(scope.is_superuser or scope.municipality_ids or scope.led_initiative_ids)


READERS = (
    " For municipal officials (their municipality's agreements), project leaders (their "
    "initiative's) and administrators; anyone else gets 403."
)


class FundingAgreementFilter(django_filters.FilterSet):
    municipality = StrictIdFilter(help_text="Identifier of the municipality the agreement is for.")
    initiative = StrictIdFilter(help_text="Identifier of the funded initiative.")
    programme = StrictIdFilter(
        field_name="programmes",
        distinct=True,
        help_text="Identifier of a programme the agreement pays for.",
    )
    funder = StrictIdFilter(help_text="Identifier of the funder.")
    period_kind = StrictChoiceFilter(
        choices=FundingAgreement.PeriodKind.choices,
        help_text="Agreements over calendar years (`calendar`) or school years (`school`).",
    )
    start_date_after = StrictDateFilter(
        field_name="start_date",
        lookup_expr="gte",
        help_text="Agreements that start on or after this day (YYYY-MM-DD).",
    )
    start_date_before = StrictDateFilter(
        field_name="start_date",
        lookup_expr="lte",
        help_text="Agreements that start on or before this day (YYYY-MM-DD).",
    )
    end_date_after = StrictDateFilter(
        field_name="end_date",
        lookup_expr="gte",
        help_text="Agreements that end on or after this day (YYYY-MM-DD).",
    )
    end_date_before = StrictDateFilter(
        field_name="end_date",
        lookup_expr="lte",
        help_text="Agreements that end on or before this day (YYYY-MM-DD).",
    )

    class Meta:
        model = FundingAgreement
        fields = [
            "municipality",
            "initiative",
            "programme",
            "funder",
            "period_kind",
            "start_date_after",
            "start_date_before",
            "end_date_after",
            "end_date_before",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List funding agreements",
        description="Subsidies and contracts that pay for an initiative's programmes over a "
        "period, with their targets, newest first." + READERS,
    ),
    retrieve=extend_schema(
        summary="One funding agreement",
        description="Funder, initiative, programmes, amount, period and the target per "
        "indicator. Another municipality's or initiative's agreement is a 404." + READERS,
    ),
    create=extend_schema(
        summary="Record a funding agreement",
        description="Record an agreement with its targets, as on the page. Only municipal "
        "officials (for their own municipality) and administrators; others get 403. The "
        "initiative must work in the municipality, the programmes must be the initiative's "
        "and serve the municipality, and the period one or two whole calendar or school "
        "years; otherwise 400 naming the field (a target's problem is named "
        "`target_<indicator>`).",
        request=FundingAgreementInputSerializer,
        responses={201: FundingAgreementSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a funding agreement",
        description="Change the fields sent; the others keep their value. In `targets` an "
        "indicator left out keeps its target and null removes it. Only officials of the "
        "agreement's municipality and administrators: a project leader of its initiative "
        "gets 403. Once the initiative has written its accountability, the agreement stays "
        "with that initiative and its period must still cover the text (else 400).",
        request=FundingAgreementInputSerializer,
        responses=FundingAgreementSerializer,
    ),
)
class FundingAgreementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = FundingAgreementSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AgreementReader]
    filterset_class = FundingAgreementFilter
    ordering_fields = ["start_date", "end_date", "amount", "created_at", "id"]
    ordering = ["-start_date", "funder__name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.agreements(user=self.request.user).prefetch_related("targets")

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return FundingAgreementInputSerializer
        return FundingAgreementSerializer

    def _input(self, *, agreement: FundingAgreement | None) -> FundingAgreementInputSerializer:
        serializer = FundingAgreementInputSerializer(
            data=self.request.data,
            partial=agreement is not None,
            user=self.request.user,
            agreement=agreement,
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def _output(self, agreement: FundingAgreement, status_code=status.HTTP_200_OK) -> Response:
        reloaded = selectors.agreement_detail(user=self.request.user, pk=agreement.pk)
        data = FundingAgreementSerializer(reloaded, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        if not services.may_record_agreement(request.user):
            raise PermissionDenied(_(NOT_AN_OFFICIAL))
        serializer = self._input(agreement=None)
        agreement = services.funding_agreement_save(
            user=request.user, agreement=None, **serializer.service_kwargs()
        )
        return self._output(agreement, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        agreement = self.get_object()
        if not services.may_record_agreement(request.user, agreement):
            raise PermissionDenied(_(NOT_AN_OFFICIAL))
        serializer = self._input(agreement=agreement)
        saved = services.funding_agreement_save(
            user=request.user, agreement=agreement, **serializer.service_kwargs()
        )
        return self._output(saved)


class FunderFilter(django_filters.FilterSet):
    kind = StrictChoiceFilter(choices=Funder.Kind.choices, help_text="Only funders of this kind.")
    municipality = StrictIdFilter(help_text="Identifier of the municipality of a municipal funder.")
    name = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Part of the funder's name, any case."
    )

    class Meta:
        model = Funder
        fields = ["kind", "municipality", "name"]


@extend_schema_view(
    list=extend_schema(
        summary="List funders",
        description="The funders you can choose when recording an agreement (every funder "
        "that is not a municipality, and your own municipality), and the funders of the "
        "agreements you can see." + READERS,
    ),
    retrieve=extend_schema(summary="One funder", description="A funder." + READERS),
)
class FunderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FunderSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, AgreementReader]
    filterset_class = FunderFilter
    ordering_fields = ["name", "kind", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        user = self.request.user
        condition = Q(pk__in=FundingAgreement.objects.visible_to(user).values("funder_id"))
        if services.may_record_agreement(user):
            choosable = selectors.agreement_form_choices(user=user)["funders"]
            condition |= Q(pk__in=choosable.values("pk"))
        return Funder.objects.filter(condition)
