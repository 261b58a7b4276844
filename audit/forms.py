from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ProcessingLogEntry


class LogSearchForm(forms.Form):
    """Search the processing log. Only ids, codes and dates: nothing personal in the URL."""

    record_type = forms.ChoiceField(
        label=_("Record type"),
        required=False,
        choices=[("", _("All")), *ProcessingLogEntry.RecordType.choices],
    )
    record_id = forms.IntegerField(
        label=_("Record number"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Find a person's number with “Find a person” below."),
    )
    actor = forms.TypedChoiceField(
        label=_("User"), required=False, coerce=int, empty_value=None, choices=()
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Up to and including"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All")), *ProcessingLogEntry.Action.choices],
    )
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("All")), *ProcessingLogEntry.Result.choices],
    )

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [
            ("", _("Everyone")),
            *((user.pk, f"{user.get_full_name() or user.email} ({user.email})") for user in actors),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date lies before the start date."))
        if data.get("record_id") and not data.get("record_type"):
            self.add_error("record_type", _("Choose the type of record for this number."))
        return data


class PersonLookupForm(forms.Form):
    """Find a pupil or volunteer by name; sent by POST so the name stays out of URLs and logs."""

    name = forms.CharField(label=_("Name"), max_length=100, min_length=2, strip=True)
