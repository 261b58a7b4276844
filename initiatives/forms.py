"""Forms for the volunteer and programme pages. They check input; the services check the rules."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Weekday
from municipality.models import Neighbourhood

from .models import Initiative, Programme, Training, Volunteer
from .selectors import ALL, CURRENT
from .services import Slot, VolunteerProfile

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

SCHOOL_LEVEL_CHOICES = [
    ("PO", _("Primary school (PO)")),
    ("VO", _("Secondary school (VO)")),
]


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class PastDateField(forms.DateField):
    """A date that cannot lie in the future."""

    widget = DATE_WIDGET

    def __init__(self, *args, future_message, **kwargs):
        self.future_message = future_message
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError(self.future_message, code="in_future")


class ChoicesForm(forms.Form):
    """A form whose choice fields get their querysets from keyword arguments.

    ``choice_fields`` maps each keyword argument to the field it fills, e.g.
    ``{"trainings": "training"}``: ``Form(trainings=qs)`` offers ``qs``.
    """

    choice_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, *args, **kwargs):
        missing = sorted(set(self.choice_fields) - set(kwargs))
        if missing:
            raise TypeError(f"{type(self).__name__}() needs {', '.join(missing)}")
        querysets = {keyword: kwargs.pop(keyword) for keyword in self.choice_fields}
        super().__init__(*args, **kwargs)
        for keyword, name in self.choice_fields.items():
            self.fields[name].queryset = querysets[keyword]


class VolunteerFilterForm(ChoicesForm):
    STATUS_CHOICES = [
        (CURRENT, _("Everyone except stopped")),
        *Volunteer.Status.choices,
        (ALL, _("Everyone")),
    ]

    q = forms.CharField(label=_("Search by name"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("All programmes"),
    )

    choice_fields = {"programmes": "programme"}


class VolunteerForm(ChoicesForm):
    """Contact details and the profile matching looks at."""

    choice_fields = {"programmes": "programmes", "neighbourhoods": "neighbourhoods"}

    initiative = forms.ModelChoiceField(
        label=_("Initiative"), queryset=Initiative.objects.none(), empty_label=None
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=7, required=False)
    date_of_birth = PastDateField(
        label=_("Date of birth"),
        required=False,
        future_message=_("The date of birth cannot be in the future."),
    )
    programmes = forms.ModelMultipleChoiceField(
        label=_("Programmes"),
        queryset=Programme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every programme of the initiative."),
    )
    capacity = forms.IntegerField(
        label=_("Pupils at once"),
        min_value=1,
        max_value=20,
        initial=1,
        help_text=_("How many pupils this volunteer can guide at the same time."),
    )
    school_levels = forms.MultipleChoiceField(
        label=_("School levels"),
        choices=SCHOOL_LEVEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    subjects = forms.CharField(
        label=_("Subjects"),
        max_length=300,
        required=False,
        help_text=_("Separate subjects with commas, for example: Dutch, maths, reading."),
    )
    languages = forms.CharField(
        label=_("Languages spoken"),
        max_length=300,
        required=False,
        help_text=_("Separate languages with commas, for example: Dutch, Arabic, English."),
    )
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Neighbourhoods they can go to"),
        queryset=Neighbourhood.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_travel_km = forms.IntegerField(
        label=_("Maximum travel distance (km)"), min_value=0, max_value=200, required=False
    )
    online_possible = forms.BooleanField(label=_("Online possible"), required=False)
    education_level = forms.ChoiceField(
        label=_("Education level"),
        choices=[("", "---------"), *Volunteer.EducationLevel.choices],
        required=False,
    )

    def __init__(self, *args, initiatives=None, **kwargs):
        """``initiatives``: the choice for a new volunteer; ``None`` when editing one.

        With a single initiative there is nothing to choose and the field is left out.
        """
        super().__init__(*args, **kwargs)
        self.only_initiative = None
        if initiatives is not None and len(initiatives) > 1:
            self.fields["initiative"].queryset = initiatives
        else:
            del self.fields["initiative"]
            if initiatives is not None:
                self.only_initiative = initiatives[0]

    @property
    def chosen_initiative(self) -> Initiative:
        """The initiative a new volunteer joins."""
        return self.cleaned_data.get("initiative") or self.only_initiative

    @classmethod
    def initial_for(cls, volunteer: Volunteer) -> dict:
        return {
            "first_name": volunteer.first_name,
            "last_name": volunteer.last_name,
            "email": volunteer.email,
            "phone": volunteer.phone,
            "postcode": volunteer.postcode,
            "date_of_birth": volunteer.date_of_birth,
            "programmes": list(volunteer.programmes.values_list("pk", flat=True)),
            "capacity": volunteer.capacity,
            "school_levels": volunteer.school_levels,
            "subjects": ", ".join(volunteer.subjects),
            "languages": ", ".join(volunteer.languages),
            "neighbourhoods": list(volunteer.neighbourhoods.values_list("pk", flat=True)),
            "max_travel_km": volunteer.max_travel_km,
            "online_possible": volunteer.online_possible,
            "education_level": volunteer.education_level,
        }

    def profile(self) -> VolunteerProfile:
        data = self.cleaned_data
        return VolunteerProfile(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            postcode=data["postcode"],
            date_of_birth=data["date_of_birth"],
            neighbourhood_ids=[n.pk for n in data["neighbourhoods"]],
            programme_ids=[p.pk for p in data["programmes"]],
            max_travel_km=data["max_travel_km"],
            online_possible=data["online_possible"],
            languages=split_list(data["languages"]),
            subjects=split_list(data["subjects"]),
            school_levels=data["school_levels"],
            education_level=data["education_level"],
            capacity=data["capacity"],
        )


class AvailabilityForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", "---------"), *Weekday.choices],
        coerce=int,
        empty_value=None,
    )
    start_time = forms.TimeField(label=_("From"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("Until"), widget=TIME_WIDGET)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time."))
        return data


class BaseAvailabilityFormSet(forms.BaseFormSet):
    """Weekly time slots. Empty rows are left out; ticked rows are removed."""

    def slots(self) -> list[Slot]:
        slots = []
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            data = form.cleaned_data
            slots.append((data["weekday"], data["start_time"], data["end_time"]))
        return slots


AvailabilityFormSet = forms.formset_factory(
    AvailabilityForm,
    formset=BaseAvailabilityFormSet,
    extra=2,
    max_num=21,
    validate_max=True,
    can_delete=True,
)


def availability_initial(volunteer: Volunteer) -> list[dict]:
    return [
        {"weekday": a.weekday, "start_time": a.start_time, "end_time": a.end_time}
        for a in volunteer.availability.order_by("weekday", "start_time")
    ]


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    date = PastDateField(
        label=_("Date"), future_message=_("The date of a status change cannot be in the future.")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Required when the volunteer stops. Use the same words for the same reason."),
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Volunteer.Status.choices)
        self.fields["to_status"].choices = [(s, labels[s]) for s in allowed]
        if len(allowed) == 1:
            self.fields["to_status"].initial = allowed[0]

    def clean(self):
        data = super().clean()
        if data.get("to_status") == Volunteer.Status.STOPPED and not data.get("reason"):
            self.add_error("reason", _("Give the reason why the volunteer stops."))
        return data


class IntakeForm(forms.Form):
    date = PastDateField(
        label=_("Date of the intake talk"),
        future_message=_("The intake talk cannot have been held in the future."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "Motivation, experience, agreements. Only the project leaders see these notes."
        ),
    )


class VOGForm(forms.Form):
    issued_on = PastDateField(
        label=_("Issue date of the VOG"),
        future_message=_("The issue date cannot be in the future."),
        help_text=_("The date on the certificate. Do not keep a copy or scan."),
    )
    checked_on = PastDateField(
        label=_("Original checked on"),
        future_message=_("The original cannot have been checked in the future."),
        help_text=_("You are recorded as the person who checked the original."),
    )

    def clean(self):
        data = super().clean()
        issued, checked = data.get("issued_on"), data.get("checked_on")
        if issued and checked and checked < issued:
            self.add_error(
                "checked_on", _("The original cannot have been checked before it was issued.")
            )
        return data


class TrainingCompletionForm(ChoicesForm):
    choice_fields = {"trainings": "training"}

    training = forms.ModelChoiceField(label=_("Training"), queryset=Training.objects.none())
    completed_on = PastDateField(
        label=_("Followed on"),
        future_message=_("The training cannot have been followed in the future."),
    )


class InitiativeRulesForm(ChoicesForm):
    choice_fields = {"trainings": "required_trainings"}

    vog_max_age_years = forms.IntegerField(
        label=_("Maximum VOG age (years)"),
        min_value=1,
        max_value=10,
        help_text=_("A volunteer whose newest VOG is older cannot be matched."),
    )
    required_trainings = forms.ModelMultipleChoiceField(
        label=_("Trainings every volunteer must follow"),
        queryset=Training.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A programme can require more trainings of its own."),
    )
    volunteers_log_sessions = forms.BooleanField(
        label=_("Volunteers log their own sessions"), required=False
    )
    attention_no_session_weeks = forms.IntegerField(
        label=_("Signal a match without a held session after (weeks)"), min_value=1, max_value=52
    )

    @classmethod
    def initial_for(cls, initiative: Initiative) -> dict:
        return {
            "vog_max_age_years": initiative.vog_max_age_years,
            "required_trainings": list(
                initiative.trainings.filter(required=True).values_list("pk", flat=True)
            ),
            "volunteers_log_sessions": initiative.volunteers_log_sessions,
            "attention_no_session_weeks": initiative.attention_no_session_weeks,
        }


class TrainingForm(forms.Form):
    name = forms.CharField(label=_("Name of the training"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    required = forms.BooleanField(label=_("Required for every volunteer"), required=False)


class ImpactQuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Question"),
        max_length=200,
        help_text=_("Scored from 1 to 5, for example: How much does the pupil enjoy reading?"),
    )


class ImpactQuestionEditForm(ImpactQuestionForm):
    order = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=32767,
        help_text=_("Questions are asked from the lowest position to the highest."),
    )
    is_active = forms.BooleanField(
        label=_("Ask this question"),
        required=False,
        help_text=_(
            "Switched off, the question is no longer asked at new measurements. "
            "Its scores are kept."
        ),
    )

    def __init__(self, *args, scored: bool, **kwargs):
        """``scored``: the question has been answered, so its words stay as they are."""
        super().__init__(*args, **kwargs)
        if scored:
            text = self.fields["text"]
            text.disabled = True
            text.help_text = _(
                "This question has been answered already, so its words cannot change. "
                "Switch it off and add a new question to ask something else."
            )

    @classmethod
    def initial_for(cls, question) -> dict:
        return {"text": question.text, "order": question.order, "is_active": question.is_active}


class DropInSessionForm(forms.Form):
    """One drop-in session: the date and headcounts. No names, by design."""

    date = PastDateField(label=_("Date"), future_message=_("The date cannot be in the future."))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=480, initial=90
    )
    headcount = forms.IntegerField(label=_("Visitors"), min_value=0, max_value=500)
    first_visits = forms.IntegerField(
        label=_("Of whom first visit"), min_value=0, max_value=500, required=False
    )
    volunteers_present = forms.IntegerField(
        label=_("Volunteers present"), min_value=0, max_value=500, initial=0
    )

    def clean(self):
        data = super().clean()
        headcount, first = data.get("headcount"), data.get("first_visits")
        if headcount is not None and first is not None and first > headcount:
            self.add_error(
                "first_visits", _("The first visits cannot be more than the number of visitors.")
            )
        return data
