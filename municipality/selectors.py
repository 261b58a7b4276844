"""Reads for funding agreements: the list, one agreement, who co-finances its
programmes, and the periods the initiative writes its accountability for.

Every read starts from ``FundingAgreement.objects.visible_to(user)``:
municipal officials see their municipality's agreements, project leaders
their initiative's. Nothing here touches pupils or other personal data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.scope import scope_for
from core.periods import school_year_label
from initiatives.models import Initiative, Programme

from .models import AccountabilityText, Funder, FundingAgreement, Municipality, Target
from .services import period_bounds, period_years

PeriodKind = FundingAgreement.PeriodKind
CENT = Decimal("0.01")


# --- periods --------------------------------------------------------------------


def _fits(period_kind: str, start: dt.date, end: dt.date) -> bool:
    if end < start:
        return False
    years = period_years(period_kind, start, end)
    return years >= 1 and period_bounds(period_kind, start.year, years) == (start, end)


def period_label(period_kind: str, start: dt.date, end: dt.date) -> str:
    """E.g. "school year 2025-2026", "calendar years 2025 and 2026", or the dates."""
    if _fits(period_kind, start, end):
        years = period_years(period_kind, start, end)
        if period_kind == PeriodKind.SCHOOL_YEAR:
            if years == 1:
                return _("school year %(year)s") % {"year": school_year_label(start.year)}
            return _("school years %(first)s to %(last)s") % {
                "first": school_year_label(start.year),
                "last": school_year_label(start.year + years - 1),
            }
        if years == 1:
            return _("calendar year %(year)s") % {"year": start.year}
        return _("calendar years %(first)s to %(last)s") % {"first": start.year, "last": end.year}
    return _("%(start)s to %(end)s") % {
        "start": formats.date_format(start, "DATE_FORMAT"),
        "end": formats.date_format(end, "DATE_FORMAT"),
    }


def agreement_period_label(agreement: FundingAgreement) -> str:
    return period_label(agreement.period_kind, agreement.start_date, agreement.end_date)


# --- the agreements a user may see ----------------------------------------------


def agreements(*, user) -> QuerySet[FundingAgreement]:
    """The agreements the user may see, newest first, with what the list shows."""
    return (
        FundingAgreement.objects.visible_to(user)
        .select_related("funder", "initiative", "municipality")
        .prefetch_related(Prefetch("programmes", queryset=Programme.objects.order_by("name")))
    )


def agreement_detail(*, user, pk: int) -> FundingAgreement:
    """One agreement the user may see, else 404."""
    return get_object_or_404(
        agreements(user=user).prefetch_related(
            "targets",
            Prefetch(
                "accountability_texts",
                queryset=AccountabilityText.objects.order_by("period_start", "period_end"),
            ),
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class TargetRow:
    indicator: str
    label: str
    value: int


def targets(agreement: FundingAgreement) -> list[TargetRow]:
    """The agreement's targets in the order of ``Target.Indicator`` (prefetch ``targets``)."""
    values = {t.indicator: t.value for t in agreement.targets.all()}
    return [
        TargetRow(indicator=key, label=str(label), value=values[key])
        for key, label in Target.Indicator.choices
        if key in values
    ]


# --- what an official can choose when recording an agreement ---------------------


def recordable_municipalities(*, user) -> QuerySet[Municipality]:
    """Where the user may record agreements and municipal funders (an administrator: all)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=scope.municipality_ids)


def agreement_form_choices(*, user, agreement: FundingAgreement | None = None) -> dict:
    """The choices of the agreement form, as keyword arguments for it.

    Funders that are not a municipality, and the user's municipalities as
    funders; the initiatives and programmes working in their municipalities.
    The service has the last word on which combinations fit.
    """
    municipalities = recordable_municipalities(user=user)
    funders = Q(municipality__isnull=True) | Q(municipality__in=municipalities)
    initiatives = Q(
        pk__in=Initiative.municipalities.through.objects.filter(
            municipality__in=municipalities
        ).values("initiative_id")
    )
    programmes = Q(
        pk__in=Programme.municipalities.through.objects.filter(
            municipality__in=municipalities
        ).values("programme_id")
    )
    if agreement is not None:  # what the agreement has stays choosable
        funders |= Q(pk=agreement.funder_id)
        initiatives |= Q(pk=agreement.initiative_id)
        programmes |= Q(pk__in=[p.pk for p in agreement.programmes.all()])
    return {
        "municipalities": municipalities,
        "funders": Funder.objects.filter(funders),
        "initiatives": Initiative.objects.filter(initiatives),
        "programmes": Programme.objects.filter(programmes)
        .select_related("initiative")
        .order_by("initiative__name", "name"),
    }


# --- co-financing -----------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One agreement's money for a programme, counted for the period looked at."""

    agreement_id: int
    funder: str
    funder_kind: str
    reference: str
    period: str
    amount: Decimal  # the agreement's whole amount
    amount_in_period: Decimal  # the part that falls in the period looked at
    percentage: Decimal | None  # of the total in that period
    is_this: bool  # the agreement looked at


@dataclass(frozen=True)
class ProgrammeFunding:
    programme: Programme
    shares: tuple[Share, ...]  # the agreement looked at first, then the others by amount
    total: Decimal

    @property
    def this(self) -> Share:
        return self.shares[0]

    @property
    def others(self) -> tuple[Share, ...]:
        return self.shares[1:]


@dataclass(frozen=True)
class _Funding:
    agreement_id: int
    municipality_id: int
    amount: Decimal
    start: dt.date
    end: dt.date
    period_kind: str
    funder: str
    funder_kind: str
    reference: str


def _days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def _in_period(funding: _Funding, start: dt.date, end: dt.date) -> Decimal:
    """The part of the amount for the days that fall in ``start``..``end``, spread evenly."""
    overlap = _days(max(funding.start, start), min(funding.end, end))
    if overlap <= 0:
        return Decimal(0)
    if overlap >= _days(funding.start, funding.end):
        return funding.amount
    return (funding.amount * overlap / _days(funding.start, funding.end)).quantize(CENT)


def _share(funding: _Funding, amount_in_period: Decimal, total: Decimal, *, is_this: bool):
    percentage = (amount_in_period * 100 / total).quantize(Decimal("0.1")) if total else None
    return Share(
        agreement_id=funding.agreement_id,
        funder=funding.funder,
        funder_kind=str(Funder.Kind(funding.funder_kind).label),
        reference=funding.reference,
        period=period_label(funding.period_kind, funding.start, funding.end),
        amount=funding.amount,
        amount_in_period=amount_in_period,
        percentage=percentage,
        is_this=is_this,
    )


def co_financing(
    *, user, agreements: Iterable[FundingAgreement]
) -> dict[int, tuple[ProgrammeFunding, ...]]:
    """Per agreement (by pk), per programme: the agreements that pay for it in the same period.

    Co-financers are the other agreements of the same municipality that cover
    the programme and overlap the agreement's period; each one counts with the
    part of its amount for the overlapping days (an agreement of two years
    counts half in one of its years). An agreement for several programmes
    counts with its amount for each of them, since it does not say how it is
    split. ``agreements`` must have ``programmes`` prefetched (as ``agreements()``
    does); the whole lookup is one query, however many agreements.
    """
    agreements = list(agreements)
    programme_ids = {p.pk for a in agreements for p in a.programmes.all()}
    if not programme_ids:
        return {a.pk: () for a in agreements}
    through = FundingAgreement.programmes.through
    rows = through.objects.filter(
        programme_id__in=programme_ids,
        fundingagreement__municipality_id__in={a.municipality_id for a in agreements},
        fundingagreement__start_date__lte=max(a.end_date for a in agreements),
        fundingagreement__end_date__gte=min(a.start_date for a in agreements),
        fundingagreement__in=FundingAgreement.objects.visible_to(user).values("pk"),
    ).values_list(
        "programme_id",
        "fundingagreement_id",
        "fundingagreement__municipality_id",
        "fundingagreement__amount",
        "fundingagreement__start_date",
        "fundingagreement__end_date",
        "fundingagreement__period_kind",
        "fundingagreement__funder__name",
        "fundingagreement__funder__kind",
        "fundingagreement__reference",
    )
    by_programme: dict[int, list[_Funding]] = defaultdict(list)
    for programme_id, *fields in rows:
        by_programme[programme_id].append(_Funding(*fields))

    result = {}
    for agreement in agreements:
        this = _Funding(
            agreement_id=agreement.pk,
            municipality_id=agreement.municipality_id,
            amount=agreement.amount,
            start=agreement.start_date,
            end=agreement.end_date,
            period_kind=agreement.period_kind,
            funder=agreement.funder.name,
            funder_kind=agreement.funder.kind,
            reference=agreement.reference,
        )
        per_programme = []
        for programme in agreement.programmes.all():
            others = sorted(
                (
                    (other, _in_period(other, agreement.start_date, agreement.end_date))
                    for other in by_programme.get(programme.pk, ())
                    if other.agreement_id != agreement.pk
                    and other.municipality_id == agreement.municipality_id
                    and _overlaps(other, agreement)
                ),
                key=lambda item: (-item[1], item[0].funder),
            )
            total = agreement.amount + sum((a for _o, a in others), Decimal(0))
            shares = [_share(this, agreement.amount, total, is_this=True)]
            shares.extend(_share(o, a, total, is_this=False) for o, a in others)
            per_programme.append(
                ProgrammeFunding(programme=programme, shares=tuple(shares), total=total)
            )
        result[agreement.pk] = tuple(per_programme)
    return result


def _overlaps(funding: _Funding, agreement: FundingAgreement) -> bool:
    return funding.start <= agreement.end_date and funding.end >= agreement.start_date


# --- accountability --------------------------------------------------------------


@dataclass(frozen=True)
class AccountabilityPeriod:
    start: dt.date
    end: dt.date
    label: str
    text: AccountabilityText | None

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def accountability_periods(agreement: FundingAgreement) -> list[AccountabilityPeriod]:
    """The periods the initiative can account for, each with its text when written.

    Each year of a two-year agreement and the agreement as a whole; and any
    other period a text was written for. Uses the prefetched
    ``accountability_texts`` when there are.
    """
    texts = {(t.period_start, t.period_end): t for t in agreement.accountability_texts.all()}
    spans: list[tuple[dt.date, dt.date]] = []
    kind, start, end = agreement.period_kind, agreement.start_date, agreement.end_date
    if _fits(kind, start, end) and (years := period_years(kind, start, end)) > 1:
        spans.extend(period_bounds(kind, start.year + offset) for offset in range(years))
    spans.append((start, end))
    spans.extend(sorted(span for span in texts if span not in spans))
    return [
        AccountabilityPeriod(start=s, end=e, label=period_label(kind, s, e), text=texts.get((s, e)))
        for s, e in spans
    ]
