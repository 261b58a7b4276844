"""Forms for the project leader's side of the referral journey.

Every form that changes a referral carries the referral's ``version`` as a
hidden field; the view passes it to the service as ``expected_version``, so
of two people acting on the same page at once the first wins and the second
is told, instead of silently overwriting.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import SchoolGrade
from initiatives.models import Programme
from municipality.models import Neighbourhood
from schools.models import SchoolLocation

from ..models import Guardian, Referral, TripartiteMeeting
from ..services.intake import GoalData
from ..services.lifecycle import GuardianData, PupilData
from .school import PastDatesMixin

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# How far from today a driehoeksgesprek can be planned, or have been held.
DATE_RANGE = dt.timedelta(days=365)
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class VersionForm(forms.Form):
    """A button that changes a referral: only the version it was shown at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReasonForm(VersionForm):
    """Decline or withdraw: the reason is shown to the referrer."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The referrer sees this reason."),
        error_messages={"required": _("Give a reason.")},
    )


class PriorityForm(VersionForm):
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        choices=[
            (1, _("1 - most urgent")),
            (2, "2"),
            (3, "3"),
            (4, "4"),
            (5, _("5 - least urgent")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason for the new priority"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded with the change, so colleagues can see why."),
        error_messages={"required": _("Give a reason for the new priority.")},
    )


def _attendee_field(**kwargs) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Who takes part"),
        choices=TripartiteMeeting.Attendee.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose who takes part.")},
        **kwargs,
    )


class MeetingPlanForm(VersionForm):
    """Plan the driehoeksgesprek: when, and who is invited."""

    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    time = forms.TimeField(label=_("Time"), widget=TIME_WIDGET)
    attendees = _attendee_field(initial=TripartiteMeeting.Attendee.values)

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        if not today - DATE_RANGE <= day <= today + DATE_RANGE:
            # also keeps far-off dates (year 1) from overflowing in the time zone
            raise forms.ValidationError(_("Choose a date within a year of today."))
        return day

    @property
    def planned_at(self) -> dt.datetime:
        data = self.cleaned_data
        return timezone.make_aware(dt.datetime.combine(data["date"], data["time"]))


class MeetingOutcomeForm(VersionForm):
    """What was agreed in the driehoeksgesprek; the goals come in ``GoalFormSet``."""

    held_on = forms.DateField(label=_("Held on"), widget=DATE_WIDGET)
    attendees = _attendee_field(help_text=_("Who actually took part."))
    agreements = forms.CharField(label=_("Agreements"), widget=forms.Textarea(attrs={"rows": 4}))
    parent_conditions = forms.CharField(
        label=_("Conditions for the parents"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What the parents agree to do; without it the child cannot take part."),
    )
    conditions_accepted = forms.BooleanField(
        label=_("The parents accept the conditions"), required=False
    )

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate():
            raise forms.ValidationError(_("The meeting cannot have been held in the future."))
        if held_on < timezone.localdate() - DATE_RANGE:
            raise forms.ValidationError(
                _("The meeting cannot have been held more than a year ago.")
            )
        return held_on


class GoalForm(forms.Form):
    description = forms.CharField(
        label=_("Goal"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: finishes the material for the maths test in six weeks."),
    )
    responsible = forms.CharField(label=_("Who works on it"), max_length=200)
    review_date = forms.DateField(label=_("Review date"), widget=DATE_WIDGET)

    def as_goal(self) -> GoalData:
        data = self.cleaned_data
        return GoalData(
            description=data["description"],
            responsible=data["responsible"],
            review_date=data["review_date"],
        )


class BaseGoalFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.goals():
            raise forms.ValidationError(_("Add at least one goal."))

    def goals(self) -> list[GoalData]:
        return [
            form.as_goal()
            for form in self.forms
            if form.has_changed() and form.cleaned_data.get("description")
        ]


GoalFormSet = forms.formset_factory(GoalForm, formset=BaseGoalFormSet, extra=3, max_num=10)


# --- a referral that arrived by phone or mail -------------------------------


class LeaderReferralForm(PastDatesMixin, forms.Form):
    """Pupil, source, support question and consent; guardians in ``GuardianFormSet``."""

    SOURCES = [
        (Referral.Source.PARENT.value, Referral.Source.PARENT.label),
        (Referral.Source.WIJKTEAM.value, Referral.Source.WIJKTEAM.label),
        (Referral.Source.SCHOOL.value, Referral.Source.SCHOOL.label),
        (Referral.Source.SELF.value, Referral.Source.SELF.label),
        (Referral.Source.OTHER.value, Referral.Source.OTHER.label),
    ]

    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), empty_label=None
    )
    source = forms.ChoiceField(label=_("Referred by"), choices=SOURCES, widget=forms.RadioSelect)
    school = forms.ModelChoiceField(
        label=_("Referring school"),
        queryset=SchoolLocation.objects.none(),
        required=False,
        help_text=_("Only when the school referred the pupil."),
    )
    source_detail = forms.CharField(
        label=_("Source details"),
        max_length=200,
        required=False,
        help_text=_("For example the name of the neighbourhood team worker, or how it came in."),
    )

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE_WIDGET)
    grade = forms.TypedChoiceField(
        label=_("School year"),
        choices=[("", "---------"), *SchoolGrade.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"), queryset=Neighbourhood.objects.none(), required=False
    )
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^\s*[1-9][0-9]{3}\s?[A-Za-z]{2}\s*$",
        max_length=7,
        required=False,
        error_messages={"invalid": _("Enter a postcode such as 3531 AB.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 8}),
    )
    home_languages = forms.CharField(
        label=_("Languages spoken at home"),
        max_length=200,
        required=False,
        help_text=_("Separate languages with commas."),
    )
    needs = forms.CharField(
        label=_("Needs"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    support_what = forms.CharField(
        label=_("What support is needed"), widget=forms.Textarea(attrs={"rows": 3})
    )
    support_why = forms.CharField(
        label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    support_tried = forms.CharField(
        label=_("What has already been tried"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    consent_given_by = forms.CharField(
        label=_("Consent given by"),
        max_length=200,
        help_text=_("The parent or carer who gave consent for this referral."),
    )
    consent_date = forms.DateField(label=_("Consent date"), widget=DATE_WIDGET)
    consent_method = forms.ChoiceField(
        label=_("Consent given how"),
        choices=Referral.ConsentMethod.choices,
        widget=forms.RadioSelect,
    )

    save_anyway = forms.BooleanField(
        label=_("This is a different child or a new referral: save anyway"), required=False
    )

    def __init__(self, *args, programmes, schools, neighbourhoods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["school"].queryset = schools
        self.fields["neighbourhood"].queryset = neighbourhoods
        if len(programmes) == 1:
            self.fields["programme"].initial = programmes[0].pk

    def clean_postcode(self) -> str:
        """As the school's form stores it: "3531 AB"."""
        postcode = "".join(self.cleaned_data["postcode"].split()).upper()
        return f"{postcode[:4]} {postcode[4:]}" if postcode else ""

    def clean(self):
        data = super().clean()
        if data.get("source") == Referral.Source.SCHOOL and not data.get("school"):
            self.add_error("school", _("Choose the school that referred the pupil."))
        return data

    def pupil_data(self) -> PupilData:
        data = self.cleaned_data
        languages = [lang.strip() for lang in data["home_languages"].split(",") if lang.strip()]
        return PupilData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            grade=data["grade"],
            neighbourhood_id=data["neighbourhood"].pk if data["neighbourhood"] else None,
            postcode=data["postcode"],
            home_languages=languages,
            needs=data["needs"],
        )

    @property
    def school_or_none(self):
        data = self.cleaned_data
        return data["school"] if data["source"] == Referral.Source.SCHOOL else None


class GuardianForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relationship = forms.ChoiceField(
        label=_("Relationship"),
        choices=[("", "---------"), *Guardian.Relationship.choices],
        required=False,
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.CharField(label=_("Language spoken"), max_length=50, required=False)
    interpreter_needed = forms.BooleanField(label=_("Interpreter needed"), required=False)

    def as_guardian(self) -> GuardianData:
        data = self.cleaned_data
        return GuardianData(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            language=data["language"],
            interpreter_needed=data["interpreter_needed"],
            relationship=data["relationship"],
        )


class BaseGuardianFormSet(forms.BaseFormSet):
    def guardians(self) -> list[GuardianData]:
        return [
            form.as_guardian()
            for form in self.forms
            if form.has_changed() and form.cleaned_data.get("name")
        ]


GuardianFormSet = forms.formset_factory(
    GuardianForm, formset=BaseGuardianFormSet, extra=2, max_num=4
)
