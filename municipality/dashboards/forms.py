"""The dashboard filters: period, (municipality,) initiative, programme, neighbourhood.

A GET form. A value that does not validate is dropped and its default used,
so a hand-edited or stale URL shows a page with a message, never an error.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.periods import Period, school_year_label, school_year_start
from initiatives.models import Initiative, Programme
from municipality.models import Neighbourhood

# How many school years and calendar years back the period select offers.
YEARS_BACK = 5

SCHOOL = "school"
CALENDAR = "calendar"


def current_school_year() -> int:
    return school_year_start(timezone.localdate())


def default_period_key() -> str:
    return f"{SCHOOL}-{current_school_year()}"


def period_choices() -> list:
    """Grouped choices: school years, then calendar years, the newest first."""
    today = timezone.localdate()
    school_year = school_year_start(today)
    school_years = [
        (f"{SCHOOL}-{year}", _("School year %(label)s") % {"label": school_year_label(year)})
        for year in range(school_year, school_year - YEARS_BACK, -1)
    ]
    calendar_years = [
        (f"{CALENDAR}-{year}", _("Calendar year %(year)s") % {"year": year})
        for year in range(today.year, today.year - YEARS_BACK, -1)
    ]
    return [(_("School years"), school_years), (_("Calendar years"), calendar_years)]


def period_from_key(key: str) -> Period:
    """``school-2025`` -> 1 Aug 2025 - 31 Jul 2026; ``calendar-2026`` -> 2026."""
    kind, _sep, year = key.partition("-")
    if kind == SCHOOL:
        return Period.school_year(int(year))
    if kind == CALENDAR:
        return Period.calendar_year(int(year))
    raise ValueError(key)


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Programme) -> str:
        return f"{obj.initiative.name}: {obj.name}"


class DashboardFilterForm(forms.Form):
    """Bound to ``request.GET``; ``initiatives`` etc. are what this user may pick from.

    ``municipalities`` (optional) adds a municipality select; it is only
    offered when there is a choice. Which municipality is shown is decided by
    the view, which turns a municipality the user may not see into a 404.
    """

    municipality = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Municipality"), empty_label=None
    )
    period = forms.ChoiceField(label=_("Period"))
    initiative = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Initiative"), empty_label=_("All initiatives")
    )
    programme = ProgrammeChoiceField(
        queryset=None, required=False, label=_("Programme"), empty_label=_("All programmes")
    )
    neighbourhood = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Neighbourhood"),
        empty_label=_("All neighbourhoods"),
    )

    def __init__(
        self,
        data=None,
        *,
        initiatives: QuerySet[Initiative] | None,
        programmes: QuerySet[Programme],
        neighbourhoods: QuerySet[Neighbourhood],
        municipalities=None,
        municipality_optional: bool = False,
        **kwargs,
    ):
        super().__init__(data, **kwargs)
        self.fields["period"].choices = period_choices()
        # Only what the options and the checks below read: these lists run to
        # hundreds of options at city scale.
        self.fields["programme"].queryset = programmes.select_related("initiative").only(
            "name", "initiative_id", "initiative__name"
        )
        self.fields["neighbourhood"].queryset = neighbourhoods.only("name", "municipality_id")
        if initiatives is None:
            del self.fields["initiative"]
        else:
            self.fields["initiative"].queryset = initiatives.only("name")
        if municipalities is None:
            del self.fields["municipality"]
        else:
            self.fields["municipality"].queryset = municipalities
            if municipality_optional:
                self.fields["municipality"].empty_label = _("All municipalities")

    def clean_period(self) -> Period:
        return period_from_key(self.cleaned_data["period"])

    def clean(self):
        cleaned = super().clean()
        initiative = cleaned.get("initiative")
        programme = cleaned.get("programme")
        if initiative and programme and programme.initiative_id != initiative.pk:
            self.add_error("programme", _("This programme belongs to another initiative."))
        municipality = cleaned.get("municipality")
        neighbourhood = cleaned.get("neighbourhood")
        if municipality and neighbourhood and neighbourhood.municipality_id != municipality.pk:
            self.add_error("neighbourhood", _("This neighbourhood lies in another municipality."))
        return cleaned


def filter_form(data, **choices) -> tuple[DashboardFilterForm, list[str]]:
    """A valid filter form for ``data``: invalid values are replaced by their default.

    Returns the form and the names of the fields that were reset. Without a
    period in ``data`` the current school year is shown.
    """
    data = data.copy()
    if not data.get("period"):
        data["period"] = default_period_key()
    form = DashboardFilterForm(data, **choices)
    if form.is_valid():
        return form, []
    reset = sorted(form.errors)
    for name in reset:
        data.pop(name, None)
    if "period" in reset:
        data["period"] = default_period_key()
    form = DashboardFilterForm(data, **choices)
    if not form.is_valid():  # pragma: no cover - the defaults always validate
        form = DashboardFilterForm({"period": default_period_key()}, **choices)
        form.is_valid()
    return form, reset
