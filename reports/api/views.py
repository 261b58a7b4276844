"""Indicators (aggregated, suppressed as the dashboards) and accountability reports.

Indicators: who may ask for which scope, and whether the figures are exact
or suppressed, is what the dashboards (``municipality.dashboards``) allow.
Municipal officials get their municipality's figures, suppressed as on the
municipal dashboard (another municipality: 404); the project leaders of an
initiative get its figures exactly, as on the initiative's own dashboard
(another initiative: 404); administrators both; anyone else 403. The figures
are published together with the same trend and realised-per-agreement tables
as the dashboard, so the suppression is the dashboard's to the figure. A
funding agreement as scope gives its accountability report's figures:
suppressed, except for the initiative's project leaders.

Reports: as the pages (``reports.views``): municipal officials and project
leaders (else 403) see the reports of their municipality and, for reports on
an agreement, of their initiative (another one: 404). Requests and retries go
through ``reports.services``; a PDF or export of a report that is not ready is
a 409.
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as InvalidInput
from rest_framework.response import Response

from accounts.scope import scope_for
from core.api.errors import PROBLEM_CONTENT_TYPE, Conflict
from core.api.filters import IdFilter
from core.periods import Period
from initiatives.models import Initiative, Programme
from municipality.dashboards import pages as dashboard_pages
from municipality.dashboards import selectors as dashboards
from municipality.models import FundingAgreement

from .. import exports, selectors, services
from ..indicators import IndicatorScope, compute
from ..indicators import cache as figures_cache
from ..indicators.engine import agreement_targets
from ..models import Report
from ..suppression import exact_set, exact_table, suppress_set
from .serializers import (
    MAX_ID,
    TABLE_PATTERN,
    IndicatorQuerySerializer,
    IndicatorResultSerializer,
    ReportRequestSerializer,
    ReportSerializer,
    indicator_result,
)

# --- indicators -------------------------------------------------------------------


def _led_initiatives(scope):
    if scope.is_superuser:
        return Initiative.objects.all()
    return Initiative.objects.filter(pk__in=scope.led_initiative_ids)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: message}, code="invalid")


def _programme(user, pk: int | None) -> Programme | None:
    if pk is None:
        return None
    programme = Programme.objects.visible_to(user).filter(pk=pk).first()
    if programme is None:
        raise _invalid("programme", _("This programme does not exist."))
    return programme


def _one_of(queryset, pk: int | None, field: str, message: str):
    """The object ``pk`` among ``queryset``, None without ``pk``; else a 400 on ``field``."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise _invalid(field, message)
    return found


def _municipal_filters(user, scope, query, programme, period) -> dashboards.DashboardFilters:
    """The municipal dashboard's filters: the municipality must be the user's (else 404)."""
    municipalities = dashboards.municipalities_for(scope)
    if query.get("municipality") is None:
        municipality = municipalities.order_by("name").first()
    else:
        municipality = municipalities.filter(pk=query["municipality"]).first()
    if municipality is None:
        raise Http404
    initiative = _one_of(
        dashboards.initiatives_in(municipality),
        query.get("initiative"),
        "initiative",
        _("This initiative does not work in the municipality."),
    )
    if programme is not None:
        if not dashboards.programmes_in(municipality).filter(pk=programme.pk).exists():
            raise _invalid("programme", _("This programme does not serve the municipality."))
        if initiative is not None and programme.initiative_id != initiative.pk:
            raise _invalid("programme", _("This programme belongs to another initiative."))
    neighbourhood = _one_of(
        dashboards.neighbourhoods_of([municipality.pk]),
        query.get("neighbourhood"),
        "neighbourhood",
        _("This neighbourhood lies in another municipality."),
    )
    return dashboards.DashboardFilters(
        period=period,
        municipality=municipality,
        initiative=initiative,
        programme=programme,
        neighbourhood=neighbourhood,
    )


def _initiative_filters(initiative, query, programme, period) -> dashboards.DashboardFilters:
    """The initiative dashboard's filters: its municipalities, programmes, neighbourhoods."""
    municipalities = dashboards.municipalities_of(initiative)
    municipality = _one_of(
        municipalities,
        query.get("municipality"),
        "municipality",
        _("The initiative does not work in this municipality."),
    )
    if programme is not None and programme.initiative_id != initiative.pk:
        raise _invalid("programme", _("This programme belongs to another initiative."))
    neighbourhood = _one_of(
        dashboards.neighbourhoods_of(municipalities.order_by().values("pk")),
        query.get("neighbourhood"),
        "neighbourhood",
        _("The initiative does not work in this neighbourhood."),
    )
    if municipality and neighbourhood and neighbourhood.municipality_id != municipality.pk:
        raise _invalid("neighbourhood", _("This neighbourhood lies in another municipality."))
    return dashboards.DashboardFilters(
        period=period,
        municipality=municipality,
        initiative=initiative,
        programme=programme,
        neighbourhood=neighbourhood,
    )


def _dashboard_result(user, filters: dashboards.DashboardFilters, *, suppressed: bool) -> dict:
    """Every figure and table, published as the dashboard publishes them.

    From the dashboards' own ``municipal_figures`` / ``initiative_figures``:
    the figures are protected together with the trend and the realised
    figures per agreement, and a municipal selection that would reveal a
    small count by difference is withheld, so each value is the one the
    dashboard shows. A municipal
    answer is kept as the municipal dashboard's page body is (the same key
    parts: filters, language, the municipality's agreements and their last
    change), for as long as its oldest figure is fresh.
    """

    def build():
        return _build_dashboard_result(user, filters, suppressed=suppressed)

    if not suppressed or filters.municipality is None:
        return build()[0]
    return figures_cache.derived(
        "api-indicators",
        filters.scope,
        lambda: dashboard_pages.page_args(user=user, filters=filters),
        build,
    )


def _build_dashboard_result(
    user, filters: dashboards.DashboardFilters, *, suppressed: bool
) -> tuple[dict, dt.datetime | None]:
    """The dashboard's own figures (``municipal_figures`` / ``initiative_figures``) as JSON.

    For a municipality that includes the dashboard's check against small
    counts by difference: filters that would reveal 1 to 4 persons are
    dropped, the whole municipality is answered and ``withheld`` says so.
    """
    if suppressed:
        data = dashboards.municipal_figures(user=user, filters=filters)
    else:
        data = dashboards.initiative_figures(
            user=user, initiative=filters.initiative, filters=filters
        )
    scope = data.filters.scope
    result = indicator_result(
        published=data.published,
        suppressed=suppressed,
        scope={
            "municipality": scope.municipality_id,
            "initiative": scope.initiative_id,
            "programmes": list(scope.programme_ids) if scope.programme_ids is not None else None,
            "neighbourhood": scope.neighbourhood_id,
            "funding_agreement": None,
        },
        extra_tables=[exact_table(data.reach_gap)],
        agreements=data.agreement_rows,
        withheld_reason=WITHHELD_REASON if data.withheld else None,
    )
    return result, data.computed_at


# The municipal dashboard's message for a withheld selection, word for word.
WITHHELD_REASON = gettext_lazy(
    "This selection differs from a broader one by fewer than five persons, "
    "so together they would reveal small numbers. The figures of the whole "
    "municipality are shown instead; choose a broader selection."
)


def _agreement_result(agreement: FundingAgreement, period: Period, *, suppressed: bool) -> dict:
    """The agreement's figures with its targets, as in its accountability report."""
    scope = IndicatorScope.for_agreement(agreement)
    indicators = compute(scope, period, targets=agreement_targets(agreement))
    if suppressed:  # as in the agreement's report: dashboards.per_agreement
        elsewhere = dashboards.per_agreement.for_agreement(agreement, period)
        published = suppress_set(indicators, elsewhere=elsewhere)
    else:
        published = exact_set(indicators)
    return indicator_result(
        published=published,
        suppressed=suppressed,
        scope={
            "municipality": scope.municipality_id,
            "initiative": scope.initiative_id,
            "programmes": list(scope.programme_ids),
            "neighbourhood": None,
            "funding_agreement": agreement.pk,
        },
    )


def indicators_for(user, query: dict) -> dict:
    """The figures this user may see for the scope and period asked, exact or suppressed."""
    scope = scope_for(user)
    is_official = scope.is_superuser or bool(scope.municipality_ids)
    if not (is_official or scope.led_initiative_ids):
        raise PermissionDenied(
            _("Only municipal officials and project leaders can see the indicators.")
        )
    period = query["period"]
    if query.get("funding_agreement") is not None:
        agreement = get_object_or_404(
            FundingAgreement.objects.visible_to(user), pk=query["funding_agreement"]
        )
        return _agreement_result(
            agreement, period, suppressed=not scope.leads(agreement.initiative_id)
        )

    programme = _programme(user, query.get("programme"))
    initiative_id = query.get("initiative") or (programme.initiative_id if programme else None)
    if initiative_id is None and not is_official:
        # A project leader is sent on to their initiative's dashboard.
        initiative_id = _led_initiatives(scope).order_by("name").values_list("pk", flat=True)[0]
    if initiative_id is not None and scope.leads(initiative_id):
        initiative = get_object_or_404(_led_initiatives(scope), pk=initiative_id)
        filters = _initiative_filters(initiative, query, programme, period)
        return _dashboard_result(user, filters, suppressed=False)
    if not is_official:
        raise Http404  # another initiative's dashboard
    filters = _municipal_filters(user, scope, query, programme, period)
    return _dashboard_result(user, filters, suppressed=True)


@extend_schema_view(
    list=extend_schema(
        summary="Indicators for a scope and period",
        description="Every figure and table of the indicator engine (docs/indicators.md) for "
        "a municipality, initiative, programme, neighbourhood or funding agreement over a "
        "period: the same figures as the dashboards. For anyone outside the initiative the "
        "counts are published with the municipal dashboard's small-number suppression: "
        '"<5" for a count of 1 to 4 and "x" where a small count could otherwise be worked '
        "out; the initiative's own project leaders get exact figures for their initiative. "
        "Municipal officials see their own municipality (another one is a 404); project "
        "leaders their own initiative (another initiative is a 404; without `initiative`, "
        "their first); administrators any; anyone else gets 403. A filter that does not fit "
        "the scope (a programme of another initiative, a neighbourhood elsewhere) is a 400. "
        "As on the municipal dashboard, a suppressed selection (initiative, programme, "
        "neighbourhood) whose figures differ from a broader selection's by 1 to 4 persons "
        "would reveal them by subtraction: it is withheld, the whole municipality's figures "
        "are answered instead, `withheld` is true with the reason in `withheld_reason`, and "
        "`scope` is the whole municipality. No personal data.",
        parameters=[IndicatorQuerySerializer],
        responses=IndicatorResultSerializer,
    ),
)
class IndicatorViewSet(viewsets.GenericViewSet):
    serializer_class = IndicatorResultSerializer
    filter_backends: list = []
    pagination_class = None

    def list(self, request, *args, **kwargs):
        # A plain dict, so that ``?period_start=`` is refused rather than read as absent.
        params = {key: request.query_params.get(key) for key in request.query_params}
        query = IndicatorQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        result = indicators_for(request.user, query.validated_data)
        return Response(IndicatorResultSerializer(result).data)


# --- reports ----------------------------------------------------------------------
# A parameter that is given must be valid by the schema: ``?programme=`` or
# ``?start_date_after=2025-8-1`` is a 400, not quietly "no filter".


def _given(value) -> None:
    if value == "":
        raise forms.ValidationError(_("Give a value, or leave the parameter out."), code="required")


class _IdField(forms.IntegerField):
    def clean(self, value):
        _given(value)
        if value is not None and (len(value) > 1000 or not re.fullmatch(r"-?[0-9]+", value)):
            raise forms.ValidationError(_("Enter a whole number."), code="invalid")
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


class StrictChoiceFilter(django_filters.ChoiceFilter):
    field_class = _ChoiceField


class ReportsUser(permissions.BasePermission):
    """A municipal official, project leader or administrator (as ``reports_user_required``)."""

    def has_permission(self, request, view):
        return selectors.may_use_reports(request.user)


class _FileRenderer(renderers.BaseRenderer):
    """Lets a client ask for a file with ``Accept``; errors still go out as JSON.

    The file itself is a Django response already; only problem details pass
    through a renderer, with their own content type.
    """

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return renderers.JSONRenderer().render(data, renderer_context=renderer_context)


class PdfRenderer(_FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


class CsvRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxRenderer(_FileRenderer):
    media_type = exports.XLSX_CONTENT_TYPE
    format = "xlsx"


PROBLEM = {"$ref": "#/components/schemas/Problem"}
NOT_READY = OpenApiResponse(
    response=PROBLEM,
    description="The report is not ready: still being made, or failed.",
)
BAD_TABLE = OpenApiResponse(response=PROBLEM, description="`table` is not a table name.")

TABLE_PARAMETER = OpenApiParameter(
    "table",
    str,
    required=True,
    pattern=f"^{TABLE_PATTERN}$",
    description="The table's identifier, from the report's `tables` (an unknown one is a 404).",
)
TABLES_PARAMETER = OpenApiParameter(
    "table",
    str,
    required=False,
    pattern=f"^{TABLE_PATTERN}$",
    description="One table's identifier, from the report's `tables`, or `all` (the default): "
    "a sheet per table.",
)


class ReportFilter(django_filters.FilterSet):
    funding_agreement = StrictIdFilter(help_text="Identifier of the funding agreement reported on.")
    municipality = StrictIdFilter(help_text="Identifier of the municipality.")
    kind = StrictChoiceFilter(
        choices=Report.Kind.choices,
        help_text="`agreement`: reports on a funding agreement; `overview`: municipal overviews.",
    )
    status = StrictChoiceFilter(
        choices=Report.Status.choices, help_text="Only reports with this status."
    )

    class Meta:
        model = Report
        fields = ["funding_agreement", "municipality", "kind", "status"]


READERS = (
    " For municipal officials (their municipality's reports) and project leaders (the reports "
    "on their initiative's agreements); anyone else gets 403, another organisation's report "
    "is a 404."
)


@extend_schema_view(
    list=extend_schema(
        summary="List reports",
        description="The accountability reports and municipal overviews you can see, every "
        "version, with their status." + READERS,
    ),
    retrieve=extend_schema(
        summary="One report",
        description="A report's status and progress while it is made (poll this), then the "
        "address of its PDF and its tables; or why it failed." + READERS,
    ),
    create=extend_schema(
        summary="Request a report",
        description="Queue a new version of the report on a funding agreement for one of its "
        "periods (each year of the agreement, or the whole agreement), or of the overview of "
        "a municipality for a school or calendar year (officials only; a project leader gets "
        "403). The report is made in the background: poll it until its status is `done` or "
        "`failed`." + READERS,
        request=ReportRequestSerializer,
        responses={201: ReportSerializer},
    ),
)
class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ReportSerializer
    permission_classes = [*viewsets.GenericViewSet.permission_classes, ReportsUser]
    filterset_class = ReportFilter
    ordering_fields = ["requested_at", "period_start", "period_end", "version", "id"]
    ordering = ["-requested_at", "-id"]

    def get_queryset(self):
        return selectors.report_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return ReportRequestSerializer
        return ReportSerializer

    def _output(self, report: Report, status_code=status.HTTP_200_OK) -> Response:
        reloaded = selectors.report_detail(user=self.request.user, pk=report.pk)
        data = ReportSerializer(reloaded, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = ReportRequestSerializer(
            data=request.data, user=request.user, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        report = services.report_request(user=request.user, **serializer.service_kwargs())
        return self._output(report, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Try a failed report again",
        description="Queue a failed report again, as the same version. A report that did "
        "not fail is a 409." + READERS,
        request=None,
        responses=ReportSerializer,
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        report = self.get_object()
        try:
            services.report_retry(user=request.user, report=report)
        except ValidationError as error:
            if getattr(error, "code", None) == "not_failed":
                raise Conflict(" ".join(error.messages), code="not_failed") from error
            raise
        return self._output(report)

    def _done_report(self) -> Report:
        report = self.get_object()
        if report.status != Report.Status.DONE:
            raise Conflict(_("The report is not ready yet."), code="not_ready")
        return report

    @extend_schema(
        summary="Download a report's PDF",
        description="The PDF of a report that is ready, as an attachment." + READERS,
        responses={
            (200, PdfRenderer.media_type): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The PDF."
            ),
            (409, PROBLEM_CONTENT_TYPE): NOT_READY,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[PdfRenderer, renderers.JSONRenderer])
    def download(self, request, pk=None):
        report = self._done_report()
        if not report.file:
            raise Http404
        try:
            handle = report.file.open("rb")
        except FileNotFoundError as error:
            raise Http404 from error
        filename = report.file.name.rsplit("/", 1)[-1]
        return FileResponse(
            handle, as_attachment=True, filename=filename, content_type=PdfRenderer.media_type
        )

    def _table_id(self, *, default: str | None) -> str:
        """The ``table`` asked for; the same pattern as the schema, else a 400."""
        table = self.request.query_params.get("table", default)
        if table is None or not re.fullmatch(TABLE_PATTERN, table):
            raise InvalidInput(
                {"table": [_("Give a table's identifier (letters, digits, - and _).")]}
            )
        return table

    def _export(self, table: str, fmt: str) -> HttpResponse:
        report = self._done_report()
        try:
            if fmt == "csv":
                content = exports.table_csv(report.figures, table)
                content_type = "text/csv; charset=utf-8"
            else:
                content = exports.tables_xlsx(report.figures, table)
                content_type = exports.XLSX_CONTENT_TYPE
        except KeyError as error:
            raise Http404 from error
        response = HttpResponse(content, content_type=content_type)
        filename = exports.export_file_name(report, table, fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(
        summary="One table of a report as CSV",
        description="A table of a report that is ready, with the published values of its PDF "
        '("<5" where the PDF shows it): semicolon-separated UTF-8 with a byte order mark.'
        + READERS,
        parameters=[TABLE_PARAMETER],
        responses={
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The table as CSV."
            ),
            (400, PROBLEM_CONTENT_TYPE): BAD_TABLE,
            (409, PROBLEM_CONTENT_TYPE): NOT_READY,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[CsvRenderer, renderers.JSONRenderer])
    def csv(self, request, pk=None):
        return self._export(self._table_id(default=None), "csv")

    @extend_schema(
        summary="A report's tables as XLSX",
        description="One table, or every table (a sheet each), of a report that is ready, with "
        "the published values of its PDF." + READERS,
        parameters=[TABLES_PARAMETER],
        responses={
            (200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The tables as XLSX."
            ),
            (400, PROBLEM_CONTENT_TYPE): BAD_TABLE,
            (409, PROBLEM_CONTENT_TYPE): NOT_READY,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[XlsxRenderer, renderers.JSONRenderer])
    def xlsx(self, request, pk=None):
        return self._export(self._table_id(default=exports.ALL_TABLES), "xlsx")
