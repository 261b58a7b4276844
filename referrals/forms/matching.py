"""Forms for matching: a match by hand, a batch proposal, ending, replacing, availability.

The forms check the shape of the input; the match services check the rules
(``referrals.services.matches`` and ``match_changes``) and their refusals
are put on the form.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Weekday
from initiatives.models import Programme, Volunteer

from ..models import Match, Referral
from .leader import DATE_WIDGET, TIME_WIDGET

BLANK = [("", "---------")]


def _today():
    return timezone.localdate()


class VolunteerChoiceField(forms.ModelChoiceField):
    """Volunteers by name, with how many more pupils they can take."""

    def __init__(self, *args, free_capacity: dict[int, int] | None = None, **kwargs):
        self.free_capacity = free_capacity or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Volunteer) -> str:
        free = self.free_capacity.get(obj.pk)
        if free is None:
            return obj.full_name
        return _("%(name)s (room for %(free)s)") % {"name": obj.full_name, "free": free}


class ReferralChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Referral) -> str:
        return obj.pupil.full_name


def _location_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Where the sessions take place"),
        choices=[*BLANK, *Match.LocationType.choices],
        error_messages={"required": _("Choose where the sessions take place.")},
        **kwargs,
    )


class MatchCreateForm(forms.Form):
    """One waiting pupil (or a group) with a volunteer who may be matched."""

    volunteer = VolunteerChoiceField(
        label=_("Volunteer"),
        queryset=Volunteer.objects.none(),
        help_text=_("Only volunteers who may be matched: valid VOG, trainings, free capacity."),
        error_messages={
            "required": _("Choose a volunteer."),
            "invalid_choice": _("This volunteer cannot be matched. Choose one from the list."),
        },
    )
    other_referrals = ReferralChoiceField(
        label=_("Other pupils in the group"),
        queryset=Referral.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Waiting pupils of this programme who join the same group."),
    )
    location_type = _location_field()
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    planned_end_date = forms.DateField(label=_("Planned end"), widget=DATE_WIDGET, required=False)
    frequency = forms.ChoiceField(label=_("Planned frequency"), choices=Programme.Frequency.choices)
    session_minutes = forms.IntegerField(
        label=_("Session length (minutes)"), min_value=1, max_value=480
    )

    def __init__(self, *args, programme, volunteers, free_capacity, group_referrals=None, **kw):
        super().__init__(*args, **kw)
        self.fields["volunteer"].queryset = volunteers
        self.fields["volunteer"].free_capacity = free_capacity
        if group_referrals is None:
            del self.fields["other_referrals"]
        else:
            self.fields["other_referrals"].queryset = group_referrals
            self.fields["other_referrals"].help_text = _(
                "Waiting pupils of this programme who join the same group "
                "(at most %(max)s pupils in all)."
            ) % {"max": programme.group_size_max}
        self.fields["planned_end_date"].help_text = _(
            "Leave empty for the usual duration of %(weeks)s weeks."
        ) % {"weeks": programme.usual_duration_weeks}
        self.initial.setdefault("start_date", _today())
        self.initial.setdefault("frequency", programme.session_frequency)
        self.initial.setdefault("session_minutes", programme.session_minutes)
        if not (programme.online or any(v.online_possible for v in volunteers)):
            self.fields["location_type"].choices = [
                c for c in self.fields["location_type"].choices if c[0] != Match.LocationType.ONLINE
            ]


class MatchEndForm(forms.Form):
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET)
    end_reason = forms.ChoiceField(
        label=_("End reason"),
        choices=[*BLANK, *Match.EndReason.choices],
        error_messages={"required": _("Give the end reason.")},
    )
    end_note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Only the initiative sees this note."),
    )
    back_to_waitlist = forms.BooleanField(
        label=_("The pupil goes back to the waitlist for a new volunteer"),
        required=False,
        help_text=_("Only after the volunteer stopped, a move or another reason."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("end_date", _today())

    def clean_end_date(self):
        end_date = self.cleaned_data["end_date"]
        if end_date > _today():
            raise forms.ValidationError(_("The end date cannot be in the future."))
        return end_date


class MatchReplaceForm(forms.Form):
    volunteer = VolunteerChoiceField(
        label=_("New volunteer"),
        queryset=Volunteer.objects.none(),
        help_text=_("Only volunteers who may take over all pupils of this match."),
        error_messages={
            "required": _("Choose a volunteer."),
            "invalid_choice": _("This volunteer cannot take over. Choose one from the list."),
        },
    )
    date = forms.DateField(
        label=_("Takes over on"),
        widget=DATE_WIDGET,
        help_text=_("The current match ends on this day and the new one starts."),
    )
    reason_note = forms.CharField(
        label=_("Why the volunteer stopped"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Only the initiative sees this note."),
    )

    def __init__(self, *args, volunteers, free_capacity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers
        self.fields["volunteer"].free_capacity = free_capacity
        self.initial.setdefault("date", _today())

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > _today():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return date


class AddParticipantForm(forms.Form):
    referral = forms.ModelChoiceField(
        label=_("Pupil"),
        queryset=Referral.objects.none(),
        help_text=_("Waiting pupils of this programme."),
        error_messages={"required": _("Choose a pupil.")},
    )
    date = forms.DateField(label=_("Joins on"), widget=DATE_WIDGET)

    def __init__(self, *args, referrals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = referrals
        self.fields["referral"].label_from_instance = lambda r: r.pupil.full_name
        self.initial.setdefault("date", _today())


class RemoveParticipantForm(MatchEndForm):
    """One pupil leaves a group: the same questions as ending a match."""

    end_note = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].label = _("Leaves on")


# --- the batch proposal ----------------------------------------------------------

LEAVE_OUT = ""


class BatchForm(forms.Form):
    """The reviewed proposal: for each pupil the proposed volunteer, another, or none.

    ``rows`` are ``(referral, options)`` with ``options`` a list of
    ``(volunteer_pk, label)``; the fields are named ``pupil_<referral pk>``.
    """

    start_date = forms.DateField(label=_("Start date of the matches"), widget=DATE_WIDGET)
    location_type = _location_field(initial=Match.LocationType.SCHOOL)

    def __init__(self, *args, rows, valid_volunteer_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("start_date", _today())
        self.rows = rows
        self.valid_volunteer_ids = set(valid_volunteer_ids)
        for referral, options in rows:
            self.fields[self.field_name(referral)] = forms.ChoiceField(
                label=_("Volunteer for %(name)s") % {"name": referral.pupil.full_name},
                choices=[*options, (LEAVE_OUT, _("Leave out"))],
                required=False,
            )

    @staticmethod
    def field_name(referral: Referral) -> str:
        return f"pupil_{referral.pk}"

    def clean(self):
        data = super().clean()
        for referral, _options in self.rows:
            value = data.get(self.field_name(referral))
            if value and int(value) not in self.valid_volunteer_ids:
                self.add_error(self.field_name(referral), _("Choose a volunteer from the list."))
        return data

    def chosen(self) -> list[tuple[Referral, int]]:
        """(referral, volunteer pk) for every pupil not left out."""
        return [
            (referral, int(self.cleaned_data[self.field_name(referral)]))
            for referral, _options in self.rows
            if self.cleaned_data.get(self.field_name(referral))
        ]


# --- the pupil's availability ------------------------------------------------------


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[*BLANK, *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    start_time = forms.TimeField(label=_("From"), widget=TIME_WIDGET, required=False)
    end_time = forms.TimeField(label=_("Until"), widget=TIME_WIDGET, required=False)

    def clean(self):
        data = super().clean()
        given = [data.get(f) is not None for f in ("weekday", "start_time", "end_time")]
        if any(given) and not all(given):
            raise forms.ValidationError(_("Give the day, the start and the end time."))
        if all(given) and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", _("A time slot must end after it starts."))
        return data


class BaseSlotFormSet(forms.BaseFormSet):
    def slots(self):
        return [
            (f.cleaned_data["weekday"], f.cleaned_data["start_time"], f.cleaned_data["end_time"])
            for f in self.forms
            if f.cleaned_data.get("weekday") is not None
        ]


SlotFormSet = forms.formset_factory(SlotForm, formset=BaseSlotFormSet, extra=3, max_num=21)
