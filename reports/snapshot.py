"""The frozen content of a report: published (suppressed) figures, tables and texts.

``build_snapshot(report)`` computes the indicators with the one indicator
engine, applies the small-number suppression for figures that go to the
municipality, and returns a JSON-serialisable dict. The PDF and the CSV/XLSX
exports are made from this dict only, so they show the very same values, and
rendering it again gives the same document.

The snapshot holds display values ("12", "<5", "-"), never the exact
count behind a hidden cell.

Shape (``SCHEMA`` 1)::

    {"schema": 1, "definitions_version": "...",
     "meta": {"kind", "kind_label", "title", "subject", "municipality", "funder",
              "initiative", "initiatives", "programmes", "reference",
              "period": {"start", "end", "label"}, "generated_on", "version", "automatic"},
     "figures": [{"key", "label", "value", "number", "target", "unit", "of_target"}],
     "tables": [{"id", "key", "title", "row_header", "columns",
                 "rows": [{"label", "cells", "numbers"}], "totals", "hidden", "counts"}],
     "texts": [{"title", "provided", "went_well", "went_less_well", "story"}],
     "definitions": [{"key", "label", "text"}]}

``number`` / ``numbers`` are the published values as numbers (None where
hidden), for the charts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.periods import Period
from municipality.models import AccountabilityText, FundingAgreement, Target

from .indicators.adults import is_adult_key
from .models import Report
from .selectors import agreement_label
from .services import PROGRESS_FIGURES

SCHEMA = 1


def _row_headers() -> dict[str, str]:
    return {
        "reach_by_programme": _("Programme"),
        "reach_by_neighbourhood": _("Neighbourhood"),
        "reach_by_sector": _("School sector"),
        "reach_by_grade": _("Year group"),
        "referrals_by_source": _("Referred by"),
        "referrals_by_school": _("School"),
        "ended_early_reasons": _("Reason"),
        "goal_results": _("Result"),
        "impact_by_question": _("Question"),
        "adult_impact_by_question": _("Question"),
        "by_agreement": _("Funding agreement"),
        "targets_by_agreement": _("Funding agreement"),
    }


# --- numbers as text --------------------------------------------------------------


def _as_number(text: str):
    """The published display value as a number, or None ("<5", "x", "-")."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return int(number) if "." not in cleaned else number


# --- the suppressed values ----------------------------------------------------------


def _unit_labels() -> dict[str, str]:
    return {
        "days": _("days"),
        "hours": _("hours"),
        "months": _("months"),
        "points": _("points"),
    }


def _figures(published) -> list[dict]:
    units = _unit_labels()
    rows = []
    for item in published.figures:
        figure = item.figure
        text = item.display
        number = None if item.hidden else _as_number(text)
        if figure.unit == "%" and number is not None:
            text = f"{text}%"
        of_target = ""
        if figure.target and number is not None:
            of_target = f"{round(100 * number / figure.target)}%"
        rows.append(
            {
                "key": figure.key,
                "label": str(figure.label),
                "value": text,
                "number": number,
                "hidden": item.hidden,
                "target": figure.target,
                "unit": figure.unit,
                "unit_label": units.get(figure.unit, "") if number is not None else "",
                "is_count": figure.is_count,
                "of_target": of_target,
                # adult programmes' figures have a section of their own
                "section": "adults" if is_adult_key(figure.key) else "",
            }
        )
    return rows


def _legend(published) -> list[dict]:
    """The symbols used anywhere in the document, with what they mean."""
    from .suppression import LEGEND

    used = {f.display for f in published.figures}
    for table in published.tables:
        used.update(c for row in table.cells for c in row)
        used.update(table.totals or ())
    return [
        {"symbol": symbol, "text": str(text)} for symbol, text in LEGEND.items() if symbol in used
    ]


def _table_dict(suppressed, *, table_id: str | None = None) -> dict:
    table = suppressed.table
    headers = _row_headers()
    rows = []
    for (label, _values), cells in zip(table.rows, suppressed.cells, strict=True):
        cells = [str(c) for c in cells]
        rows.append(
            {"label": str(label), "cells": cells, "numbers": [_as_number(c) for c in cells]}
        )
    totals = [str(c) for c in suppressed.totals] if suppressed.totals is not None else None
    return {
        "id": table_id or table.key,
        "key": table.key,
        "title": str(table.title),
        "row_header": headers.get(table.key, _("Category")),
        "columns": [str(c) for c in table.columns],
        "rows": rows,
        "totals": totals,
        "hidden": sorted([list(cell) for cell in suppressed.hidden]),
        "hidden_totals": sorted(suppressed.hidden_totals),
        "counts": table.counts,
    }


# --- texts and definitions ----------------------------------------------------------


def _text(agreement: FundingAgreement, period: Period, texts: dict) -> dict:
    text = texts.get((agreement.pk, period.start, period.end))
    return {
        "title": agreement_label(agreement),
        "provided": text is not None
        and any((text.went_well.strip(), text.went_less_well.strip(), text.story.strip())),
        "went_well": text.went_well.strip() if text else "",
        "went_less_well": text.went_less_well.strip() if text else "",
        "story": text.story.strip() if text else "",
    }


def _texts_for(agreements: list[FundingAgreement], period: Period) -> list[dict]:
    texts = {
        (t.agreement_id, t.period_start, t.period_end): t
        for t in AccountabilityText.objects.filter(
            agreement__in=[a.pk for a in agreements],
            period_start=period.start,
            period_end=period.end,
        )
    }
    return [_text(agreement, period, texts) for agreement in agreements]


# The definitions printed in the report are short versions of
# docs/indicators.md; raise the version when a definition changes.
DEFINITIONS_VERSION = "2"


def _definition_texts() -> dict[str, str]:
    """Short versions of docs/indicators.md, the figure's key to its rule."""
    return {
        "pupils_reached": _(
            "A pupil is reached in a period when at least one tutoring session with that "
            "pupil was held in it. Each pupil counts once, whatever the number of sessions "
            "or matches."
        ),
        "pupils_reached_new": _("Reached in the period and never reached before its start."),
        "pupils_reached_continuing": _(
            "Reached in the period and also at some time before it. New and continuing add "
            "up to the pupils reached."
        ),
        "referrals": _("Referrals submitted in the period; drafts do not count."),
        "schools_referring": _(
            "The number of distinct schools that referred at least one pupil in the period."
        ),
        "waitlist_size_end": _(
            "Referrals on the waitlist at the end of the period's last day, according to "
            "the status history."
        ),
        "waiting_days_median": _(
            "Of the referrals waiting at the end of the period: the median waiting time in "
            "days, from the day the referral (last) went onto the waitlist to the period's "
            "last day."
        ),
        "waiting_days_max": _("Of the same referrals: the longest waiting time in days."),
        "matches_started": _("Matches with their start date in the period."),
        "matches_active": _("Matches that ran on at least one day of the period."),
        "matches_ended": _("Matches with their end date in the period."),
        "matches_ended_early": _(
            "Matches that ended in the period with an end reason other than completed."
        ),
        "sessions_planned": _(
            "Per active match, the weeks it ran within the period times the sessions per "
            "week of its planned frequency, summed over the matches; school holidays are "
            "not taken off."
        ),
        "sessions_held": _("Tutoring sessions held in the period; a group session is one session."),
        "contact_hours": _("The total duration of the sessions held in the period, in hours."),
        "teacher_contacts_per_match": _(
            "Contacts with a teacher or mentor held in the period, divided by the active matches."
        ),
        "volunteers_active": _(
            "Volunteers whose status was active at the end of the period, or who had a "
            "match that was active in the period."
        ),
        "volunteer_capacity": _(
            "How many pupils the volunteers whose status is active on the period's last day "
            "can tutor at once: the sum of their capacity."
        ),
        "volunteer_free_places": _(
            "That capacity minus the pupils each of them tutors on that day, never below zero "
            "per volunteer."
        ),
        "volunteers_new": _("Volunteers with their start date in the period."),
        "volunteers_stopped": _("Volunteers with their end date in the period."),
        "volunteer_tenure_median_months": _(
            "Of the volunteers who stopped in the period: the median time from start to end "
            "date, in months."
        ),
        "volunteers_valid_vog_pct": _(
            "The share of the active volunteers with a valid certificate of conduct (VOG) "
            "on the period's last day."
        ),
        "goals_achieved_pct": _(
            "Of the goals assessed at an end evaluation in the period: the share achieved; "
            "partly achieved counts as not achieved."
        ),
        "impact_change": _(
            "The mean change from the start to the end measurement (scores 1 to 5), per "
            "pupil and question, for pupils whose end measurement falls in the period."
        ),
        "adult_learners_reached": _(
            "Adults in a language coaching programme with at least one session held in the "
            "period. They are not counted among the pupils reached."
        ),
        "adult_tracks_started": _(
            "Tracks of adult programmes with their start date in the period."
        ),
        "adult_meetings_planned": _(
            "For the adult tracks started in the period: the sum of the planned meetings per "
            "track of their programme."
        ),
        "adult_meetings_held": _(
            "Sessions held in those same tracks, up to the end of the period."
        ),
        "adult_meetings_held_pct": _(
            "The meetings held as a share of the meetings planned, for the same tracks."
        ),
        "adult_tracks_ended": _("Tracks of adult programmes that ended in the period."),
        "adult_tracks_ended_early": _(
            "Adult tracks that ended in the period with an end reason other than completed."
        ),
        "adult_dropout_pct": _(
            "Adult tracks ended early, as a share of the adult tracks ended in the period."
        ),
        "adult_impact_learners": _(
            "Adults in an adult programme with a start and an end measurement of the same "
            "question, the end measurement in the period."
        ),
        "adult_impact_change": _(
            "The mean change from the start to the end measurement (scores 1 to 5) in the adult "
            "programmes, per adult and question."
        ),
        "dropin_sessions": _("Language café sessions logged with a date in the period."),
        "dropin_visits": _(
            "The sum of the headcounts of the language café sessions in the period; one person "
            "who comes twice counts twice. No names are recorded."
        ),
    }


def _definitions(figures: list[dict]) -> tuple[str, list[dict]]:
    texts = _definition_texts()
    rows = [
        {"key": f["key"], "label": f["label"], "text": str(texts[f["key"]])}
        for f in figures
        if f["key"] in texts
    ]
    return DEFINITIONS_VERSION, rows


# --- the two kinds of report ----------------------------------------------------------


def _meta(report: Report, period: Period, **fields) -> dict:
    return {
        "kind": report.kind,
        "kind_label": str(report.get_kind_display()),
        "municipality": report.municipality.name,
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
        },
        "generated_on": timezone.localdate().isoformat(),
        "version": report.version,
        "automatic": report.automatic,
        **fields,
    }


def _document(published, meta: dict, texts: list[dict]) -> dict:
    figures = _figures(published)
    definitions_version, definitions = _definitions(figures)
    return {
        "schema": SCHEMA,
        "definitions_version": definitions_version,
        "meta": meta,
        "figures": figures,
        "adult_figures": [f for f in figures if f["section"] == "adults"],
        "tables": [_table_dict(t) for t in published.tables],
        "legend": _legend(published),
        "texts": texts,
        "definitions": definitions,
    }


def _agreement_snapshot(report: Report, period: Period, progress) -> dict:
    from municipality.dashboards.selectors import per_agreement

    from .indicators import IndicatorScope, compute
    from .suppression import suppress_set

    agreement = report.funding_agreement
    programmes = list(agreement.programmes.order_by("name").values_list("name", flat=True))
    targets = dict(agreement.targets.values_list("indicator", "value"))
    indicators = compute(IndicatorScope.for_agreement(agreement), period, targets=targets)
    progress(PROGRESS_FIGURES)
    # Published as the municipal dashboard publishes this agreement, and no
    # figure differs from the municipality's by 1 to 4 (per_agreement).
    published = suppress_set(indicators, elsewhere=per_agreement.for_agreement(agreement, period))
    meta = _meta(
        report,
        period,
        title=_("Accountability report"),
        subject=agreement_label(agreement),
        funder=agreement.funder.name,
        initiative=agreement.initiative.name,
        initiatives=[],
        programmes=programmes,
        reference=agreement.reference,
    )
    return _document(published, meta, _texts_for([agreement], period))


def _overview_count_keys(municipal) -> list[str]:
    known = {f.key: f for f in municipal.figures}
    return [k for k in Target.Indicator.values if k in known and known[k].is_count]


def _overview_tables(municipal, per_agreement: list[tuple[FundingAgreement, object]]) -> list:
    """Realised per agreement (the counts, with the municipal totals) and the targets."""
    from .indicators import Table

    if not per_agreement:
        return []
    labels = dict(Target.Indicator.choices)
    known = {f.key: f for f in municipal.figures}
    count_keys = _overview_count_keys(municipal)
    realised = Table(
        key="by_agreement",
        title=_("Realised per funding agreement"),
        columns=tuple(str(labels[key]) for key in count_keys),
        rows=tuple(
            (agreement_label(a), tuple(ind.figure(key).value for key in count_keys))
            for a, ind in per_agreement
        ),
        # Agreements can overlap (co-financing): the rows may add up to more.
        totals=tuple(known[key].value for key in count_keys),
        counts=True,
    )
    target_keys = list(Target.Indicator.values)
    targets_table = Table(
        key="targets_by_agreement",
        title=_("Targets per funding agreement"),
        columns=tuple(str(labels[key]) for key in target_keys),
        rows=tuple(
            (
                agreement_label(agreement),
                tuple(
                    {t.indicator: t.value for t in agreement.targets.all()}.get(key)
                    for key in target_keys
                ),
            )
            for agreement, _indicators in per_agreement
        ),
        totals=None,
        counts=False,
    )
    return [realised, targets_table]


def _overview_snapshot(report: Report, period: Period, progress) -> dict:
    """The municipality's figures and, protected in the same document, those per agreement."""
    from municipality.dashboards.selectors import per_agreement as agreement_rules

    from .indicators import IndicatorScope
    from .indicators.engine import compute_overview
    from .suppression import suppress_set

    municipality = report.municipality
    agreements = list(
        FundingAgreement.objects.filter(
            municipality=municipality, start_date__lte=period.end, end_date__gte=period.start
        )
        .select_related("funder", "initiative")
        .prefetch_related("programmes", "targets")
        .order_by("initiative__name", "funder__name", "pk")
    )
    # Per agreement only the figures a target can be set for are shown: the
    # same definitions as compute(), for all agreements in a few queries.
    scopes = [IndicatorScope.for_agreement(agreement) for agreement in agreements]
    municipal, computed = compute_overview(
        IndicatorScope.for_municipality(municipality), scopes, period
    )
    per_agreement = [
        (agreement, computed[scope]) for agreement, scope in zip(agreements, scopes, strict=True)
    ]
    progress(PROGRESS_FIGURES)
    # The rows per agreement lie within the municipal figures and show what
    # every output shows of those agreements (municipality.dashboards.per_agreement).
    keys = _overview_count_keys(municipal)
    decided = agreement_rules.decisions(municipality, period)
    published = suppress_set(
        municipal,
        extra_tables=_overview_tables(municipal, per_agreement),
        within=(agreement_rules.within("by_agreement", agreements, keys),),
        elsewhere=agreement_rules.for_rows("by_agreement", agreements, keys, decided),
    )
    meta = _meta(
        report,
        period,
        title=_("Municipal overview"),
        subject=municipality.name,
        funder=None,
        initiative=None,
        initiatives=sorted({a.initiative.name for a in agreements}),
        programmes=sorted({p.name for a in agreements for p in a.programmes.all()}),
        reference="",
    )
    return _document(published, meta, _texts_for(agreements, period))


def build_snapshot(report: Report, *, progress: Callable[[int], None] | None = None) -> dict:
    """The report's content, computed now, suppressed, in the report language (Dutch)."""
    period = Period(report.period_start, report.period_end)
    progress = progress or (lambda _p: None)
    with translation.override(settings.LANGUAGE_CODE):
        if report.kind == Report.Kind.AGREEMENT:
            return _agreement_snapshot(report, period, progress)
        return _overview_snapshot(report, period, progress)
