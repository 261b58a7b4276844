"""Indicators (aggregated figures) and accountability reports.

Indicators: ``indicator_result`` turns what the indicator engine computed,
published exactly or with small-number suppression (``reports.suppression``),
into the JSON of ``IndicatorResultSerializer``. A value is a number where it
is published, ``"<5"`` for a count of 1 to 4, ``"x"`` where it is hidden so
that a small count cannot be worked out, and null where it is not available
(the dashboard's "-"). Only counts and labels of organisations leave here,
never a person.

Reports: the output shows a report's status and what can be downloaded; the
request serializer checks the shape of a request and that its period is one
of those the report page offers (``selectors.agreement_periods``,
``selectors.overview_periods``); ``services.report_request`` checks the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.api.fields import MAX_ID, StrictDateField
from core.api.fields import StrictPrimaryKeyRelatedField as VisiblePrimaryKeyField
from core.periods import Period
from municipality.models import FundingAgreement, Municipality

from .. import exports, selectors
from ..models import Report
from ..suppression import HIDDEN, LEGEND, NOT_AVAILABLE, SMALL

TABLE_PATTERN = r"[a-z0-9_-]{1,50}"
# The periods the indicators can be asked for (the engine's trend looks four
# school years further back).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


# --- strict input fields --------------------------------------------------------


class QueryIntegerField(serializers.IntegerField):
    """A whole number in a query string: digits only, so "5.0" or " 5" is a 400."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(r"-?[0-9]{1,20}", data):
            self.fail("invalid")
        return super().to_internal_value(data)


def _id_param(help_text: str) -> serializers.IntegerField:
    return QueryIntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=help_text)


# --- indicators: the question -----------------------------------------------------


class IndicatorQuerySerializer(serializers.Serializer):
    """The scope and period of the indicators (query parameters)."""

    municipality = _id_param(
        "Identifier of the municipality. For a municipal official the default is their "
        "(first) municipality; another municipality than their own is a 404."
    )
    initiative = _id_param(
        "Identifier of the initiative. Its project leaders get exact figures; anyone else "
        "the municipality's, suppressed."
    )
    programme = _id_param("Identifier of one programme (of the initiative, if given).")
    neighbourhood = _id_param(
        "Identifier of a neighbourhood (wijk) of the municipality, to narrow the figures to."
    )
    funding_agreement = _id_param(
        "Identifier of a funding agreement: its municipality and programmes, with its targets "
        "(as in its accountability report). Not together with the other scope parameters."
    )
    period_start = StrictDateField(
        required=False, help_text="First day of the period (YYYY-MM-DD), with `period_end`."
    )
    period_end = StrictDateField(
        required=False, help_text="Last day of the period (YYYY-MM-DD), with `period_start`."
    )
    school_year = QueryIntegerField(
        required=False,
        min_value=FIRST_DAY.year,
        max_value=LAST_DAY.year - 1,
        help_text="A school year by the year it starts (2025: 1 August 2025 to 31 July 2026). "
        "Without any period: the current school year.",
    )
    calendar_year = QueryIntegerField(
        required=False,
        min_value=FIRST_DAY.year,
        max_value=LAST_DAY.year,
        help_text="A calendar year (1 January to 31 December).",
    )

    SCOPE_FIELDS = ("municipality", "initiative", "programme", "neighbourhood")

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        if attrs.get("funding_agreement") is not None:
            for name in self.SCOPE_FIELDS:
                if name in attrs:
                    errors[name] = [_("Give either a funding agreement or this, not both.")]
        start, end = attrs.get("period_start"), attrs.get("period_end")
        ways = [
            name
            for name, given in (
                ("period_start", start is not None or end is not None),
                ("school_year", "school_year" in attrs),
                ("calendar_year", "calendar_year" in attrs),
            )
            if given
        ]
        if len(ways) > 1:
            for name in ways[1:]:
                errors[name] = [_("Give one period: dates, a school year or a calendar year.")]
        elif ways == ["period_start"]:
            if start is None:
                errors["period_start"] = [_("Give the first day of the period as well.")]
            elif end is None:
                errors["period_end"] = [_("Give the last day of the period as well.")]
            elif end < start:
                errors["period_end"] = [_("The period cannot end before it starts.")]
            else:
                for name, day in (("period_start", start), ("period_end", end)):
                    if not FIRST_DAY <= day <= LAST_DAY:
                        errors[name] = [_("Choose a day from the year 2000 to 2100.")]
        if errors:
            raise serializers.ValidationError(errors)
        if "school_year" in attrs:
            attrs["period"] = Period.school_year(attrs["school_year"])
        elif "calendar_year" in attrs:
            attrs["period"] = Period.calendar_year(attrs["calendar_year"])
        elif start is not None:
            attrs["period"] = Period(start, end)
        else:
            today = timezone.localdate()
            attrs["period"] = Period.school_year(today.year if today.month >= 8 else today.year - 1)
        return attrs


# --- indicators: the answer --------------------------------------------------------

VALUE_SCHEMA = {
    "oneOf": [
        {
            "type": "number",
            "nullable": True,
            "description": "The value: a whole number for counts, a number with one decimal "
            "for percentages and averages; null when it is not available.",
        },
        {
            "type": "string",
            "enum": [SMALL, HIDDEN],
            "description": f"`{SMALL}`: a count of 1 to 4, not shown exactly; `{HIDDEN}`: "
            "not shown, so that a small count cannot be worked out from the other figures.",
        },
    ]
}


@extend_schema_field(VALUE_SCHEMA)
class PublishedValueField(serializers.Field):
    """A published value as it is: a number, "<5", "x" or null."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value


def published_value(raw, display: str):
    """The value a client gets for what the dashboard shows as ``display``."""
    if display in (SMALL, HIDDEN):
        return display
    if raw is None or display == NOT_AVAILABLE:
        return None
    if isinstance(raw, float):  # as shown: one decimal
        return float(Decimal(str(raw)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return raw


class IndicatorScopeSerializer(serializers.Serializer):
    municipality = serializers.IntegerField(
        allow_null=True, help_text="The municipality the figures are for, if one."
    )
    initiative = serializers.IntegerField(
        allow_null=True, help_text="The initiative the figures are for, if one."
    )
    programmes = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="The programmes the figures are limited to; null: all programmes in scope.",
    )
    neighbourhood = serializers.IntegerField(
        allow_null=True, help_text="The neighbourhood the figures are limited to, if one."
    )
    funding_agreement = serializers.IntegerField(
        allow_null=True, help_text="The funding agreement the figures are for, if one."
    )


class IndicatorPeriodSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day of the period.")
    end = serializers.DateField(help_text="Last day of the period.")
    label = serializers.CharField(help_text='The period in short, e.g. "2025-2026" or "2026".')


class IndicatorFigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The figure's key, defined in docs/indicators.md.")
    label = serializers.CharField(help_text="The figure's name, in the request's language.")
    value = PublishedValueField(help_text="The published value.")
    display = serializers.CharField(
        help_text='The value as the dashboard shows it: "12", "3,5", "<5", "x" or "-".'
    )
    unit = serializers.CharField(
        allow_blank=True,
        help_text='Unit of the value: "" (a count), "%", "hours", "days", "months" or "points".',
    )
    target = serializers.IntegerField(
        allow_null=True, help_text="The funding agreement's target for it, if any."
    )
    is_count = serializers.BooleanField(
        help_text="Whether it is a count of persons (small counts are suppressed)."
    )
    hidden = serializers.BooleanField(help_text='Whether the value is suppressed ("<5" or "x").')


class IndicatorTableRowSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The row's label, e.g. a neighbourhood or a sector.")
    values = serializers.ListField(
        child=PublishedValueField(), help_text="One published value per column."
    )


class IndicatorTableSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The table's key, e.g. `reach_by_neighbourhood`.")
    title = serializers.CharField(help_text="The table's title, in the request's language.")
    columns = serializers.ListField(child=serializers.CharField(), help_text="The column headings.")
    rows = IndicatorTableRowSerializer(many=True, help_text="The rows.")
    totals = serializers.ListField(
        child=PublishedValueField(),
        allow_null=True,
        help_text="The totals row, one value per column; null for a table without totals.",
    )
    counts = serializers.BooleanField(
        help_text="Whether the cells are counts of persons (small counts are suppressed)."
    )


class IndicatorAgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Identifier of the funding agreement.")
    title = serializers.CharField(help_text="The row label of the agreement in the table.")
    targets = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="The agreement's targets: indicator key to target value.",
    )


class LegendSerializer(serializers.Serializer):
    symbol = serializers.ChoiceField(
        choices=[(SMALL, SMALL), (HIDDEN, HIDDEN)], help_text="A symbol used in the values."
    )
    text = serializers.CharField(help_text="What the symbol means.")


@extend_schema_serializer(many=False)  # one answer, though the route is a list route
class IndicatorResultSerializer(serializers.Serializer):
    scope = IndicatorScopeSerializer(help_text="What the figures were computed over.")
    period = IndicatorPeriodSerializer(help_text="The period of the figures.")
    suppressed = serializers.BooleanField(
        help_text="Whether small-number suppression was applied: for everyone outside the "
        "initiative, as on the municipal dashboard. The initiative's own project leaders get "
        "exact figures for their initiative."
    )
    withheld = serializers.BooleanField(
        help_text="Whether the filters asked for (initiative, programme, neighbourhood) were "
        "dropped, as on the municipal dashboard: with suppression, figures that differ from a "
        "broader selection's by 1 to 4 persons would reveal those persons by subtraction. The "
        "figures and `scope` are then the whole municipality's. Always false for exact figures."
    )
    withheld_reason = serializers.CharField(
        allow_null=True,
        help_text="Why the filters were withheld, in the request's language; null when "
        "`withheld` is false.",
    )
    figures = IndicatorFigureSerializer(many=True, help_text="Every figure of the engine.")
    tables = IndicatorTableSerializer(
        many=True,
        help_text="Every table: the engine's breakdowns and, for a municipality or initiative, "
        "the trend over five school years (`trend`), the realised figures per funding "
        "agreement (`realised_by_agreement`, rows as in `agreements`) and the schools that "
        "referred no pupil (`reach_gap`, not counts of persons).",
    )
    agreements = IndicatorAgreementSerializer(
        many=True,
        help_text="The funding agreements with targets that overlap the period, in the order "
        "of the rows of `realised_by_agreement`.",
    )
    legend = LegendSerializer(many=True, help_text="The symbols used in the values.")


def _figure(item) -> dict:
    figure = item.figure
    return {
        "key": figure.key,
        "label": str(figure.label),
        "value": published_value(figure.value, item.display),
        "display": item.display,
        "unit": figure.unit,
        "target": figure.target,
        "is_count": figure.is_count,
        "hidden": item.display in (SMALL, HIDDEN),
    }


def _table(published_table) -> dict:
    table = published_table.table
    rows = [
        {
            "label": str(label),
            "values": [published_value(v, d) for v, d in zip(values, cells, strict=True)],
        }
        for (label, values), cells in zip(table.rows, published_table.cells, strict=True)
    ]
    totals = None
    if table.totals is not None:
        totals = [
            published_value(v, d)
            for v, d in zip(table.totals, published_table.totals or (), strict=True)
        ]
    return {
        "key": table.key,
        "title": str(table.title),
        "columns": [str(c) for c in table.columns],
        "rows": rows,
        "totals": totals,
        "counts": table.counts,
    }


def indicator_result(
    *,
    published,
    suppressed: bool,
    scope: dict,
    extra_tables=(),
    agreements=(),
    withheld_reason: str | None = None,
) -> dict:
    """The answer for a published set (``suppression.PublishedSet``).

    ``extra_tables`` are published tables shown beside it (already exact or
    protected); ``agreements`` are ``(agreement, title, targets)`` in the
    order of the realised table's rows; ``withheld_reason`` says why the
    filters asked for were dropped, if they were.
    """
    tables = [*published.tables, *extra_tables]
    used = {item.display for item in published.figures}
    for table in tables:
        used.update(cell for row in table.cells for cell in row)
        used.update(table.totals or ())
    period = published.indicators.period
    return {
        "scope": scope,
        "period": {"start": period.start, "end": period.end, "label": period.label},
        "suppressed": suppressed,
        "withheld": withheld_reason is not None,
        "withheld_reason": None if withheld_reason is None else str(withheld_reason),
        "figures": [_figure(item) for item in published.figures],
        "tables": [_table(table) for table in tables],
        "agreements": [
            {"id": agreement.pk, "title": str(title), "targets": targets}
            for agreement, title, targets in agreements
        ],
        "legend": [
            {"symbol": symbol, "text": str(text)}
            for symbol, text in LEGEND.items()
            if symbol in used
        ],
    }


# --- reports ---------------------------------------------------------------------


class ReportTableSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The table's identifier, for `csv/?table=`.")
    title = serializers.CharField(help_text="The table's title.")


class ReportSerializer(serializers.ModelSerializer):
    municipality_name = serializers.CharField(
        source="municipality.name", read_only=True, help_text="Name of the municipality."
    )
    subject = serializers.SerializerMethodField(
        help_text="What the report is about: the funder and initiative of the agreement, or "
        "the municipality of an overview."
    )
    error = serializers.SerializerMethodField(
        help_text="Why the report failed, in the request's language; empty otherwise."
    )
    download_url = serializers.SerializerMethodField(
        help_text="Where to download the PDF, once the report is ready; else null."
    )
    tables = serializers.SerializerMethodField(
        help_text="The tables of the report, for the CSV and XLSX exports, once it is ready."
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "version",
            "automatic",
            "municipality",
            "municipality_name",
            "funding_agreement",
            "subject",
            "period_start",
            "period_end",
            "error",
            "requested_at",
            "finished_at",
            "download_url",
            "tables",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the report."},
            "kind": {"help_text": "A report on a funding agreement, or a municipal overview."},
            "status": {
                "help_text": "`queued` and `running` while it is made, then `done` or `failed`."
            },
            "progress": {"help_text": "How far the generation is, in percent (0 to 100)."},
            "version": {
                "help_text": "Every new request for the same subject and period is the next "
                "version; older versions stay available."
            },
            "automatic": {"help_text": "Made by the schedule after the agreement's period ended."},
            "municipality": {"help_text": "Identifier of the municipality."},
            "funding_agreement": {
                "help_text": "Identifier of the funding agreement; null for an overview."
            },
            "period_start": {"help_text": "First day of the report's period."},
            "period_end": {"help_text": "Last day of the report's period."},
            "requested_at": {"help_text": "When the report was requested."},
            "finished_at": {"help_text": "When it was ready or failed; null before."},
        }

    def get_subject(self, report: Report) -> str:
        return selectors.report_subject(report)

    def get_error(self, report: Report) -> str:
        return gettext(report.error) if report.error else ""

    @extend_schema_field({"type": "string", "nullable": True})
    def get_download_url(self, report: Report) -> str | None:
        if report.status != Report.Status.DONE:
            return None
        return reverse("api:report-download", args=[report.pk])

    @extend_schema_field(ReportTableSerializer(many=True))
    def get_tables(self, report: Report) -> list[dict]:
        if report.status != Report.Status.DONE:
            return []
        return [{"id": t.id, "title": t.title} for t in exports.snapshot_tables(report.figures)]


class ReportRequestSerializer(serializers.Serializer):
    """A report to make: on a funding agreement for one of its periods, or a municipal overview."""

    # Built with ``user``: the agreements and municipalities it takes are those
    # the report page offers that user (and, so that the service can refuse a
    # project leader an overview with 403, the municipalities of their agreements).
    kind = serializers.ChoiceField(
        choices=Report.Kind.choices,
        help_text="`agreement`: the accountability report on `funding_agreement`; "
        "`overview`: all funded initiatives in `municipality` (officials only).",
    )
    funding_agreement = VisiblePrimaryKeyField(
        queryset=FundingAgreement.objects.none(),
        required=False,
        allow_null=True,
        help_text="Identifier of the funding agreement, for kind `agreement`.",
    )
    municipality = VisiblePrimaryKeyField(
        queryset=Municipality.objects.none(),
        required=False,
        allow_null=True,
        help_text="Identifier of the municipality, for kind `overview`.",
    )
    period_start = StrictDateField(
        help_text="First day: of a year of the agreement, or of the whole agreement; for an "
        "overview, of a school or calendar year."
    )
    period_end = StrictDateField(help_text="Last day of that period.")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is None:  # the schema: no choices
            return
        agreements = selectors.requestable_agreements(user=user)
        self.fields["funding_agreement"].queryset = agreements
        self.fields["municipality"].queryset = Municipality.objects.filter(
            Q(pk__in=selectors.requestable_municipalities(user=user).values("pk"))
            | Q(pk__in=agreements.values("municipality_id"))
        )

    def validate(self, attrs):
        kind = attrs["kind"]
        agreement, municipality = attrs.get("funding_agreement"), attrs.get("municipality")
        errors: dict[str, list[str]] = {}
        if kind == Report.Kind.AGREEMENT:
            if agreement is None:
                errors["funding_agreement"] = [_("Choose the funding agreement.")]
            if municipality is not None:
                errors["municipality"] = [_("Leave this out for a report on an agreement.")]
        else:
            if municipality is None:
                errors["municipality"] = [_("Choose the municipality.")]
            if agreement is not None:
                errors["funding_agreement"] = [_("Leave this out for a municipal overview.")]
        if errors:
            raise serializers.ValidationError(errors)
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError(
                {"period_end": [_("The period cannot end before it starts.")]}
            )
        period = Period(attrs["period_start"], attrs["period_end"])
        if kind == Report.Kind.AGREEMENT:
            offered = selectors.agreement_periods(agreement)
        else:
            offered = selectors.overview_periods(
                municipality=municipality, today=timezone.localdate()
            )
        if period not in offered:
            raise serializers.ValidationError(
                {
                    "period_start": [
                        _("Choose one of these periods: %(periods)s.")
                        % {"periods": ", ".join(f"{p.start} - {p.end}" for p in offered)}
                    ]
                }
            )
        attrs["period"] = period
        return attrs

    def service_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "agreement": data.get("funding_agreement"),
            "municipality": data.get("municipality"),
            "period": data["period"],
        }
