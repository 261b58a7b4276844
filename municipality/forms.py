"""Forms for funding agreements, funders and the accountability text.

They check the input; the services check the rules (which programmes fit,
which periods, who may).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from initiatives.models import Programme

from . import services
from .models import Funder, FundingAgreement, Target

PeriodKind = FundingAgreement.PeriodKind

YEARS_CHOICES = [(1, _("One year")), (2, _("Two years"))]


def target_field_name(indicator: str) -> str:
    """The form field (and the service's error key) of one indicator's target."""
    return f"target_{indicator}"


class ProgrammeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Programme) -> str:
        return f"{obj.initiative.name}: {obj.name}"


class FundingAgreementForm(forms.Form):
    """The agreement, its period given as a first year and a length, and its targets.

    ``municipalities``: the municipalities the user may choose from; with one,
    the field is left out (the service uses it).
    """

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    funder = forms.ModelChoiceField(
        label=_("Funder"),
        queryset=None,
        help_text=_("Who pays: this municipality, a national programme, a foundation..."),
    )
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=100,
        help_text=_("The number of the decision (beschikking) or contract."),
    )
    initiative = forms.ModelChoiceField(label=_("Initiative"), queryset=None)
    programmes = ProgrammeChoiceField(
        label=_("Programmes covered"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Programmes of the chosen initiative that work in the municipality."),
    )
    amount = forms.DecimalField(
        label=_("Amount (EUR)"),
        max_digits=12,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    period_kind = forms.ChoiceField(
        label=_("Period"),
        choices=PeriodKind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A calendar year runs from 1 January to 31 December, a school year from "
            "1 August to 31 July."
        ),
    )
    start_year = forms.IntegerField(
        label=_("First year"),
        min_value=2000,
        max_value=2100,
        help_text=_("For a school year: the year in which it starts (2025 for 2025-2026)."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    years = forms.TypedChoiceField(
        label=_("Length"), choices=YEARS_CHOICES, coerce=int, widget=forms.RadioSelect
    )

    AGREEMENT_FIELDS = (
        "municipality",
        "funder",
        "reference",
        "initiative",
        "programmes",
        "amount",
        "period_kind",
        "start_year",
        "years",
    )
    # Where the service's period errors are shown.
    FIELD_FOR_ERROR = {"start_date": "start_year", "end_date": "years"}

    def __init__(self, *args, municipalities, funders, initiatives, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        if len(municipalities) > 1:
            self.fields["municipality"].queryset = municipalities
        else:
            del self.fields["municipality"]
        self.fields["funder"].queryset = funders
        self.fields["initiative"].queryset = initiatives
        self.fields["programmes"].queryset = programmes
        for indicator, label in Target.Indicator.choices:
            self.fields[target_field_name(indicator)] = forms.IntegerField(
                label=label,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    @classmethod
    def initial_for(cls, agreement: FundingAgreement) -> dict:
        initial = {
            "municipality": agreement.municipality_id,
            "funder": agreement.funder_id,
            "reference": agreement.reference,
            "initiative": agreement.initiative_id,
            "programmes": [p.pk for p in agreement.programmes.all()],
            "amount": agreement.amount,
            "period_kind": agreement.period_kind,
            "start_year": agreement.start_date.year,
            "years": services.period_years(
                agreement.period_kind, agreement.start_date, agreement.end_date
            ),
        }
        for target in agreement.targets.all():
            initial[target_field_name(target.indicator)] = target.value
        return initial

    def agreement_fields(self):
        return [self[name] for name in self.AGREEMENT_FIELDS if name in self.fields]

    def target_fields(self):
        return [self[target_field_name(key)] for key in Target.Indicator.values]

    def clean(self):
        data = super().clean()
        kind, start_year, years = data.get("period_kind"), data.get("start_year"), data.get("years")
        if kind and start_year and years:
            data["start_date"], data["end_date"] = services.period_bounds(kind, start_year, years)
        return data

    def targets(self) -> dict[str, int]:
        """Indicator -> target, for the indicators given one."""
        return {
            key: value
            for key in Target.Indicator.values
            if (value := self.cleaned_data.get(target_field_name(key))) is not None
        }

    def save_kwargs(self) -> dict:
        """The service's keyword arguments from the cleaned data."""
        data = self.cleaned_data
        return {
            "municipality": data.get("municipality"),
            "funder": data["funder"],
            "initiative": data["initiative"],
            "programmes": list(data["programmes"]),
            "amount": data["amount"],
            "period_kind": data["period_kind"],
            "start_date": data.get("start_date"),
            "end_date": data.get("end_date"),
            "reference": data.get("reference", ""),
            "targets": self.targets(),
        }


class FunderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of funder"), choices=Funder.Kind.choices)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=None,
        required=False,
        help_text=_("Only for a municipality as funder."),
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        if len(municipalities) > 1:
            self.fields["municipality"].queryset = municipalities
        else:
            del self.fields["municipality"]


class AccountabilityTextForm(forms.Form):
    """The initiative's own words for one period of an agreement."""

    # Chosen with the links above the form, so a text is never saved under
    # another period than the one it was loaded for.
    period = forms.ChoiceField(label=_("Period"), widget=forms.HiddenInput)
    went_well = forms.CharField(
        label=_("What went well"),
        required=False,
        max_length=services.MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    went_less_well = forms.CharField(
        label=_("What went less well"),
        required=False,
        max_length=services.MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    story = forms.CharField(
        label=_("A short story"),
        required=False,
        max_length=services.MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "This text goes into the report to the municipality. Do not write names or "
            "anything else by which a child or family can be recognised."
        ),
    )

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = {p.key: p for p in periods}
        self.fields["period"].choices = [(p.key, p.label) for p in periods]

    def clean_period(self):
        return self.periods[self.cleaned_data["period"]]
