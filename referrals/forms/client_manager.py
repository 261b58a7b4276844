"""Forms for adult newcomers: the klantmanager (client manager) refers one, the
project leader registers one directly, records drop-out signals and check-ins.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from initiatives.models import Programme
from municipality.models import Municipality, Neighbourhood

from ..models import LearnerProfile, Referral
from ..services.adults import ADULT_SOURCES, LearnerData, adult_programmes
from ..services.lifecycle import PupilData
from .school import (
    ConsentCharField,
    ConsentChoiceField,
    ConsentDateField,
    DateInput,
    PastDatesMixin,
)

POSTCODE_REGEX = r"^\s*[1-9][0-9]{3}\s?[A-Za-z]{2}\s*$"


class ProgrammeField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(programme)s (%(initiative)s)") % {
            "programme": obj.name,
            "initiative": obj.initiative.name,
        }


class AdultReferralForm(PastDatesMixin, forms.Form):
    """The person, their learner details, the question, the programme and own consent."""

    neighbourhood_elsewhere = _("Choose a neighbourhood in your municipality.")

    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none()
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    languages = forms.CharField(
        label=_("Language(s) spoken"),
        max_length=200,
        required=False,
        help_text=_("Separate languages with a comma."),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"), queryset=Neighbourhood.objects.none(), required=False
    )
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=POSTCODE_REGEX,
        max_length=7,
        required=False,
        error_messages={"invalid": _("Enter a postcode such as 3531 AB.")},
    )
    learning_route = forms.ChoiceField(
        label=_("Learning route"), choices=LearnerProfile.LearningRoute.choices
    )
    level_goal = forms.ChoiceField(
        label=_("Language level goal"),
        choices=[("", _("Not known")), *LearnerProfile.Level.choices],
        required=False,
    )
    language_school = forms.CharField(label=_("Language school"), max_length=200, required=False)
    has_coach = forms.BooleanField(label=_("The person has a coach"), required=False)
    support_what = forms.CharField(
        label=_("What does the person want to work on?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    programme = ProgrammeField(label=_("Programme"), queryset=Programme.objects.none())
    consent_given_by = ConsentCharField(
        label=_("Consent given by"),
        max_length=200,
        help_text=_("The person themselves agreed to the referral."),
    )
    consent_date = ConsentDateField(label=_("Consent date"), widget=DateInput())
    consent_method = ConsentChoiceField(
        label=_("Consent given how"),
        choices=Referral.ConsentMethod.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, municipality_ids, **kwargs):
        super().__init__(*args, **kwargs)
        ids = sorted(municipality_ids)
        self.fields["municipality"].queryset = Municipality.objects.filter(pk__in=ids).order_by(
            "name"
        )
        self.single_municipality = (
            Municipality.objects.filter(pk=ids[0]).first() if len(ids) == 1 else None
        )
        if self.single_municipality is not None:
            del self.fields["municipality"]
        self.fields["programme"].queryset = adult_programmes(municipality_ids=ids)
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(
            municipality_id__in=ids
        ).order_by("name")

    @classmethod
    def initial_from(cls, referral: Referral) -> dict:
        pupil = referral.pupil
        profile = getattr(pupil, "learner_profile", None)
        initial = {
            "first_name": pupil.first_name,
            "last_name": pupil.last_name,
            "date_of_birth": pupil.date_of_birth,
            "languages": ", ".join(pupil.home_languages or []),
            "neighbourhood": pupil.neighbourhood_id,
            "postcode": pupil.postcode,
            "support_what": referral.support_what,
            "programme": referral.programme_id,
            "consent_given_by": referral.consent_given_by,
            "consent_date": referral.consent_date,
            "consent_method": referral.consent_method,
        }
        if profile is not None:
            initial.update(
                municipality=profile.municipality_id,
                phone=profile.phone,
                email=profile.email,
                learning_route=profile.learning_route,
                level_goal=profile.level_goal,
                language_school=profile.language_school,
                has_coach=profile.has_coach,
            )
        return initial

    def clean(self):
        cleaned = super().clean()
        municipality = self.chosen_municipality(cleaned)
        neighbourhood = cleaned.get("neighbourhood")
        if municipality and neighbourhood and neighbourhood.municipality_id != municipality.pk:
            self.add_error("neighbourhood", self.neighbourhood_elsewhere)
        if (
            "postcode" not in self.errors
            and "neighbourhood" not in self.errors
            and not neighbourhood
            and not cleaned.get("postcode")
        ):
            self.add_error("postcode", _("Give the neighbourhood or the postcode."))
        if not cleaned.get("phone") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("phone", _("Give a phone number or an email address."))
        return cleaned

    def chosen_municipality(self, cleaned=None):
        if self.single_municipality is not None:
            return self.single_municipality
        return (cleaned if cleaned is not None else self.cleaned_data).get("municipality")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        languages = [part.strip() for part in data["languages"].split(",") if part.strip()]
        neighbourhood = data.get("neighbourhood")
        return {
            "municipality": self.chosen_municipality(),
            "programme": data["programme"],
            "pupil": PupilData(
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                neighbourhood_id=neighbourhood.pk if neighbourhood else None,
                postcode=data["postcode"],
                home_languages=languages,
            ),
            "learner": LearnerData(
                learning_route=data["learning_route"],
                level_goal=data["level_goal"],
                language_school=data["language_school"],
                has_coach=data["has_coach"],
                phone=data["phone"],
                email=data["email"],
            ),
            "support_what": data["support_what"],
            "consent_given_by": data["consent_given_by"] or "",
            "consent_date": data["consent_date"],
            "consent_method": data["consent_method"] or "",
        }


class LeaderAdultReferralForm(AdultReferralForm):
    """The project leader registers an adult directly: the klantmanager's form plus the source.

    The programmes are the leader's own programmes for adults; the
    municipality is one they serve, and may be left out when the chosen
    programme serves only one. Consent is needed: the referral is submitted
    at once (the service refuses it without).
    """

    neighbourhood_elsewhere = _("Choose a neighbourhood in the person's municipality.")

    source = forms.ChoiceField(
        label=_("Referred by"),
        choices=[(source.value, source.label) for source in ADULT_SOURCES],
        initial=Referral.Source.SELF,
        widget=forms.RadioSelect,
    )
    source_detail = forms.CharField(
        label=_("Source details"),
        max_length=200,
        required=False,
        help_text=_("For example the name of the neighbourhood team worker, or how it came in."),
    )
    save_anyway = forms.BooleanField(
        label=_("This is a different person or a new referral: save anyway"), required=False
    )

    def __init__(self, *args, programmes, **kwargs):
        municipality_ids = set(
            Municipality.objects.filter(programmes__in=programmes).values_list("pk", flat=True)
        )
        super().__init__(*args, municipality_ids=municipality_ids, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["programme"].empty_label = None
        if "municipality" in self.fields:
            self.fields["municipality"].required = False
            self.fields["municipality"].help_text = _(
                "Where the person lives. May be left empty when the programme serves one "
                "municipality."
            )
        self.fields["consent_given_by"].help_text = _(
            "The person themselves agreed to the registration."
        )

    def clean(self):
        self._resolve_municipality(self.cleaned_data)
        return super().clean()

    def _resolve_municipality(self, cleaned) -> None:
        """The chosen municipality must be served by the programme; one served is implied."""
        programme = cleaned.get("programme")
        if programme is None or "municipality" in self.errors:
            return
        served = list(programme.municipalities.all())
        if self.single_municipality is not None:
            if self.single_municipality not in served:
                self.add_error("programme", _("This programme does not serve this municipality."))
            return
        chosen = cleaned.get("municipality")
        if chosen is None:
            if len(served) == 1:
                cleaned["municipality"] = served[0]
            else:
                self.add_error(
                    "municipality",
                    _(
                        "This programme serves several municipalities: choose where the "
                        "person lives."
                    ),
                )
        elif chosen not in served:
            self.add_error("municipality", _("This programme does not serve this municipality."))

    def service_kwargs(self) -> dict:
        return {
            **super().service_kwargs(),
            "source": self.cleaned_data["source"],
            "source_detail": self.cleaned_data["source_detail"],
        }


class DropOutSignalForm(forms.Form):
    signalled_on = forms.DateField(label=_("Date"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CoachCheckInForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Short note"), max_length=500, required=False)
