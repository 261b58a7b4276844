"""The forms that ask for a report: an agreement and period, or a municipal overview.

Each is one choice among the agreements (or municipalities) and periods the
user may ask for, so a form cannot name an agreement the user does not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from core.periods import Period
from municipality.selectors import period_label

from . import selectors


def _key(pk: int, period: Period) -> str:
    return f"{pk}|{period.start.isoformat()}|{period.end.isoformat()}"


@dataclass(frozen=True)
class _AgreementChoice:
    """What a choice's label needs of an agreement (``agreement_label``, ``agreement_periods``)."""

    pk: int
    start_date: dt.date
    end_date: dt.date
    period_kind: str
    reference: str
    funder: str
    initiative: str


class AgreementReportForm(forms.Form):
    agreement_period = forms.ChoiceField(
        label=_("Funding agreement and period"),
        help_text=_("Each year of the agreement, or the whole agreement."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Only what the labels need, as plain rows: an official may choose among hundreds.
        self.agreements = {
            row[0]: _AgreementChoice(*row)
            for row in selectors.requestable_agreements(user=user).values_list(
                "pk",
                "start_date",
                "end_date",
                "period_kind",
                "reference",
                "funder__name",
                "initiative__name",
            )
        }
        choices = []
        for agreement in self.agreements.values():
            label = selectors.agreement_label(agreement)
            for period in selectors.agreement_periods(agreement):
                kind = agreement.period_kind
                choices.append(
                    (
                        _key(agreement.pk, period),
                        f"{label}: {period_label(kind, period.start, period.end)}",
                    )
                )
        self.fields["agreement_period"].choices = choices

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["agreement_period"].choices)

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get("agreement_period")
        if value:
            pk, start, end = value.split("|")
            cleaned["agreement"] = selectors.requestable_agreements(user=self.user).get(pk=pk)
            cleaned["period"] = Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        return cleaned


class OverviewReportForm(forms.Form):
    municipality_period = forms.ChoiceField(
        label=_("Municipality and period"),
        help_text=_("All funded initiatives in the municipality over a school or calendar year."),
    )

    def __init__(self, *args, user, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipalities = {m.pk: m for m in selectors.requestable_municipalities(user=user)}
        choices = []
        for municipality in self.municipalities.values():
            for period in selectors.overview_periods(municipality=municipality, today=today):
                kind = "school" if period.start.month == 8 else "calendar"
                choices.append(
                    (
                        _key(municipality.pk, period),
                        f"{municipality}: {period_label(kind, period.start, period.end)}",
                    )
                )
        self.fields["municipality_period"].choices = choices

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["municipality_period"].choices)

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get("municipality_period")
        if value:
            pk, start, end = value.split("|")
            cleaned["municipality"] = self.municipalities[int(pk)]
            cleaned["period"] = Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        return cleaned
