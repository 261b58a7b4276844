"""Logging a contact moment: quick on a phone, with today and the usual length filled in.

The form checks types only; the rules (no future date, duration, phase for
a teacher contact, absent pupils of the group) live in
``referrals.services.sessions`` and come back onto the fields from there.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import ContactMoment, Match, Pupil
from ..services.sessions import LOGGABLE_KINDS, MAX_DURATION_MINUTES
from .leader import DATE_WIDGET

KIND_LABELS = dict(ContactMoment.Kind.choices)


class ContactMomentForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": 0, "max": MAX_DURATION_MINUTES, "step": 5}
        ),
        error_messages={"invalid": _("Give the duration as a number of minutes.")},
    )
    attendance = forms.ChoiceField(
        label=_("Did it take place?"),
        choices=ContactMoment.Attendance.choices,
        widget=forms.RadioSelect,
        initial=ContactMoment.Attendance.HELD,
    )
    absent_pupils = forms.MultipleChoiceField(
        label=_("Absent pupils"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the pupils of the group who were not there."),
    )
    note = forms.CharField(
        label=_("Short note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What you did, how it went. Only the initiative sees this note; the school does not."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind of contact"),
        choices=[(k.value, KIND_LABELS[k.value]) for k in LOGGABLE_KINDS],
        widget=forms.RadioSelect,
        initial=ContactMoment.Kind.SESSION,
    )
    phase = forms.ChoiceField(
        label=_("Phase"),
        required=False,
        choices=ContactMoment.Phase.choices,
        widget=forms.RadioSelect,
        help_text=_("Needed for contact with the teacher or mentor: start, mid-term or end."),
    )

    def __init__(self, *args, match: Match, group_members: Sequence[Pupil] = (), **kwargs):
        initial = {
            "date": timezone.localdate(),
            "duration_minutes": match.session_minutes,
            **kwargs.pop("initial", {}),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.match = match
        if match.kind == Match.Kind.GROUP and group_members:
            self.fields["absent_pupils"].choices = [
                (str(pupil.pk), pupil.full_name) for pupil in group_members
            ]
        else:
            del self.fields["absent_pupils"]

    @classmethod
    def initial_from(cls, moment: ContactMoment) -> dict:
        return {
            "date": moment.date,
            "duration_minutes": moment.duration_minutes,
            "attendance": moment.attendance,
            "kind": moment.kind,
            "phase": moment.phase,
            "note": moment.note,
            "absent_pupils": [str(pk) for pk in moment.absent_pupils.values_list("pk", flat=True)],
        }

    @property
    def shows_other_kinds(self) -> bool:
        """Open the 'other kind of contact' part: not a session, or a problem there."""
        if self.errors.get("kind") or self.errors.get("phase"):
            return True
        value = self["kind"].value()
        return bool(value) and value != ContactMoment.Kind.SESSION

    @property
    def kind_label(self) -> str:
        value = self["kind"].value() or ContactMoment.Kind.SESSION
        return str(KIND_LABELS.get(value, KIND_LABELS[ContactMoment.Kind.SESSION]))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "date": data["date"],
            "duration_minutes": data["duration_minutes"],
            "attendance": data["attendance"],
            "phase": data.get("phase") or "",
            "note": data.get("note") or "",
            "absent_pupil_ids": [int(pk) for pk in data.get("absent_pupils") or ()],
        }
