"""Forms of the school referrer (IB'er): refer a pupil, filter the list, withdraw."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import SchoolGrade
from initiatives.models import Programme
from municipality.models import Neighbourhood
from schools.models import SchoolLocation

from ..models import Guardian, Referral
from ..services.lifecycle import GuardianData, PupilData


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class NeededToSubmitMixin:
    """A field marked as required, because submitting needs it, that a draft may leave empty.

    The form accepts an empty value; ``referral_submit`` refuses a referral
    without consent and its errors are shown next to these fields.
    """

    def validate(self, value):
        if value in self.empty_values:
            return
        super().validate(value)


class ConsentCharField(NeededToSubmitMixin, forms.CharField):
    pass


class ConsentDateField(NeededToSubmitMixin, forms.DateField):
    pass


class ConsentChoiceField(NeededToSubmitMixin, forms.ChoiceField):
    pass


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Programme) -> str:
        return _("%(programme)s (%(initiative)s, age %(min)s to %(max)s)") % {
            "programme": obj.name,
            "initiative": obj.initiative.name,
            "min": obj.min_age,
            "max": obj.max_age,
        }


def programmes_for_schools(schools) -> object:
    """Active programmes for pupils that serve at least one of ``schools``."""
    schools = list(schools)
    return (
        Programme.objects.filter(
            is_active=True,
            audience=Programme.Audience.PUPILS,
            municipalities__in={s.municipality_id for s in schools},
        )
        .filter(Q(schools__isnull=True) | Q(schools__in=schools))
        .select_related("initiative")
        .distinct()
        .order_by("initiative__name", "name")
    )


class PastDatesMixin:
    """A person's date of birth and the consent date cannot lie in the future."""

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean_consent_date(self):
        value = self.cleaned_data.get("consent_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The consent date cannot be in the future."))
        return value


class ReferralForm(PastDatesMixin, forms.Form):
    """Pupil, support question, programme and parental consent in one form.

    The guardians come in a separate formset (``GuardianFormSet``). A user with
    one school refers from that school; with several, they choose.
    """

    school = forms.ModelChoiceField(label=_("School"), queryset=SchoolLocation.objects.none())

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())
    grade = forms.TypedChoiceField(
        label=_("Year group"),
        help_text=_("Groep 1 to 8 in primary school, klas 1 to 6 in secondary school."),
        choices=[("", "---------"), *SchoolGrade.choices],
        coerce=int,
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.none(),
        required=False,
        help_text=_("Where the pupil lives. Give the neighbourhood or the postcode."),
    )
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^\s*[1-9][0-9]{3}\s?[A-Za-z]{2}\s*$",
        max_length=7,
        required=False,
        error_messages={"invalid": _("Enter a postcode such as 3531 AB.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 8}),
    )

    support_what = forms.CharField(
        label=_("What support does the pupil need?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    support_why = forms.CharField(
        label=_("Why does the pupil need it?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    support_tried = forms.CharField(
        label=_("What has the school already tried?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    programme = ProgrammeChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        help_text=_("Only programmes that take pupils from your school are listed."),
    )

    consent_given_by = ConsentCharField(
        label=_("Consent given by"),
        max_length=200,
        help_text=_("Name of the parent or carer who agreed to the referral."),
    )
    consent_date = ConsentDateField(label=_("Consent date"), widget=DateInput())
    consent_method = ConsentChoiceField(
        label=_("Consent given how"),
        choices=Referral.ConsentMethod.choices,
        widget=forms.RadioSelect,
    )

    confirm_duplicate = forms.BooleanField(
        label=_("This is a different pupil, or I want to refer this pupil again: save anyway"),
        required=False,
    )

    # The referral's version when the form was opened (editing a draft).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    CONSENT_FIELDS = ("consent_given_by", "consent_date", "consent_method")
    PUPIL_FIELDS = (
        "first_name",
        "last_name",
        "date_of_birth",
        "grade",
        "neighbourhood",
        "postcode",
    )
    SUPPORT_FIELDS = ("support_what", "support_why", "support_tried")

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.schools = list(schools)
        self.single_school = self.schools[0] if len(self.schools) == 1 else None
        if self.single_school is not None:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = SchoolLocation.objects.filter(
                pk__in=[s.pk for s in self.schools]
            ).order_by("name")
        self.fields["programme"].queryset = programmes_for_schools(self.schools)
        self.fields["neighbourhood"].queryset = (
            Neighbourhood.objects.filter(municipality_id__in={s.municipality_id for s in schools})
            .select_related("municipality")
            .order_by("name")
        )
        # Update the places left when the programme changes (htmx); without
        # JavaScript the page shows the places of every programme.
        places_url = reverse("referrals:school_places")
        if self.single_school is not None:
            places_url += f"?school={self.single_school.pk}"
        self.fields["programme"].widget.attrs.update(
            {
                "hx-get": places_url,
                "hx-target": "#places-left",
                "hx-trigger": "change",
                "hx-include": "[name='school']",
            }
        )
        if "school" in self.fields:
            self.fields["school"].widget.attrs.update(
                {
                    "hx-get": reverse("referrals:school_places"),
                    "hx-target": "#places-left",
                    "hx-trigger": "change",
                    "hx-include": "[name='programme']",
                }
            )

    # --- groups of fields, for the template ---------------------------------

    def _bound(self, names):
        return [self[name] for name in names if name in self.fields]

    @property
    def pupil_fields(self):
        return self._bound(self.PUPIL_FIELDS)

    @property
    def support_fields(self):
        return self._bound(self.SUPPORT_FIELDS)

    @property
    def consent_fields(self):
        return self._bound(self.CONSENT_FIELDS)

    # --- validation ---------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        school = self.chosen_school(cleaned)
        neighbourhood = cleaned.get("neighbourhood")
        if (
            school is not None
            and neighbourhood is not None
            and neighbourhood.municipality_id != school.municipality_id
        ):
            self.add_error(
                "neighbourhood",
                _("Choose a neighbourhood in the municipality of the school."),
            )
        if (
            "postcode" not in self.errors
            and "neighbourhood" not in self.errors
            and not neighbourhood
            and not cleaned.get("postcode")
        ):
            self.add_error("postcode", _("Give the neighbourhood or the postcode."))
        return cleaned

    def chosen_school(self, cleaned=None) -> SchoolLocation | None:
        if self.single_school is not None:
            return self.single_school
        return (cleaned if cleaned is not None else self.cleaned_data).get("school")

    # --- to the service -----------------------------------------------------

    def pupil_data(self, guardians: list[GuardianData]) -> PupilData:
        data = self.cleaned_data
        languages = []
        for guardian in guardians:
            if guardian.language and guardian.language not in languages:
                languages.append(guardian.language)
        postcode = " ".join(data["postcode"].split()).upper()
        if len(postcode) == 6:
            postcode = f"{postcode[:4]} {postcode[4:]}"
        return PupilData(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            grade=data["grade"],
            neighbourhood_id=data["neighbourhood"].pk if data["neighbourhood"] else None,
            postcode=postcode,
            home_languages=languages,
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "programme": data["programme"],
            "support_what": data["support_what"],
            "support_why": data["support_why"],
            "support_tried": data["support_tried"],
            "consent_given_by": data["consent_given_by"] or "",
            "consent_date": data["consent_date"],
            "consent_method": data["consent_method"] or "",
        }

    @classmethod
    def initial_from(cls, referral: Referral) -> dict:
        pupil = referral.pupil
        return {
            "version": referral.version,
            "school": referral.referring_school_id,
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "date_of_birth": pupil.date_of_birth,
            "grade": pupil.grade,
            "neighbourhood": pupil.neighbourhood_id,
            "postcode": pupil.postcode,
            "support_what": referral.support_what,
            "support_why": referral.support_why,
            "support_tried": referral.support_tried,
            "programme": referral.programme_id,
            "consent_given_by": referral.consent_given_by,
            "consent_date": referral.consent_date,
            "consent_method": referral.consent_method,
        }


class GuardianForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relationship = forms.ChoiceField(
        label=_("Relationship to the pupil"),
        choices=[("", "---------"), *Guardian.Relationship.choices],
        required=False,
    )
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^\+?[0-9][0-9 \-()]{5,18}$",
        max_length=20,
        required=False,
        error_messages={"invalid": _("Enter a phone number such as 06-12345678.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    language = forms.CharField(
        label=_("Language spoken at home"),
        max_length=50,
        required=False,
        help_text=_("For example Dutch, Arabic, Turkish, Tigrinya."),
    )
    interpreter_needed = forms.BooleanField(label=_("An interpreter is needed"), required=False)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("name")
            and not cleaned.get("phone")
            and not cleaned.get("email")
            and "phone" not in self.errors
            and "email" not in self.errors
        ):
            self.add_error("phone", _("Give a phone number or an email address."))
        return cleaned

    def guardian_data(self) -> GuardianData:
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
    default_error_messages = {
        "too_few_forms": _("Give at least one parent or carer."),
        "too_many_forms": _("Give at most %(num)d parents or carers."),
    }

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this parent or carer")

    def guardian_data(self) -> list[GuardianData]:
        return [
            form.guardian_data()
            for form in self.forms
            if form.has_changed()
            and form.cleaned_data.get("name")
            and not (self.can_delete and self._should_delete_form(form))
        ]


GuardianFormSet = forms.formset_factory(
    GuardianForm,
    formset=BaseGuardianFormSet,
    extra=1,
    min_num=1,
    validate_min=True,
    max_num=4,
    validate_max=True,
    # Saved guardians can be removed; a new, empty one is simply left blank.
    can_delete=True,
    can_delete_extra=False,
)


def guardian_initial(referral: Referral) -> list[dict]:
    return [
        {
            "name": g.name,
            "relationship": g.relationship,
            "phone": g.phone,
            "email": g.email,
            "language": g.language,
            "interpreter_needed": g.interpreter_needed,
        }
        for g in referral.pupil.guardians.all()
    ]


class ReferralFilterForm(forms.Form):
    """The GET filter above "My referrals"."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Referral.Status.choices],
        required=False,
    )
    school_year = forms.TypedChoiceField(
        label=_("School year"),
        choices=[("", _("All school years"))],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, school_years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_year"].choices = [
            ("", _("All school years")),
            *((year, f"{year}-{year + 1}") for year in school_years),
        ]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the referral?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The initiative sees this reason."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
