"""Funding agreements (read, record, change) and funders (read).

Output serializers show an agreement as its detail page does: funder,
initiative, programmes, amount, period and the target per indicator. The
input serializer checks only the shape of the input and turns it into the
keyword arguments of ``municipality.services.funding_agreement_save``, which
checks the rules (which programmes fit, which periods, who may). The objects
it takes by id are those the agreement form offers the user
(``selectors.agreement_form_choices``); any other id is a 400 "does not exist".

Input is strict about types, as the schema says: a number where a string is
documented (or the other way round) is refused, not converted.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from core.api.fields import (
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from initiatives.models import Initiative, Programme

from .. import selectors, services
from ..models import Funder, FundingAgreement, Municipality, Target

MAX_ITEMS = 100
AMOUNT_PATTERN = r"[0-9]{1,10}(\.[0-9]{1,2})?"
FIRST_YEARS = (2000, 2100)  # the agreement form's "first year"


# --- strict input fields (core.api.fields), and lists of ids ---------------------


@extend_schema_field(
    {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": MAX_ITEMS}
)
class VisibleManyField(serializers.ManyRelatedField):
    """A list of one or more ids (at most ``MAX_ITEMS``)."""

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > MAX_ITEMS:
            raise serializers.ValidationError(
                _("Give at most %(max)d identifiers.") % {"max": MAX_ITEMS}, code="max_length"
            )
        return super().to_internal_value(data)


class VisiblePrimaryKeyField(StrictPrimaryKeyRelatedField):
    """An object by its integer id; several of them as a bounded list."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return VisibleManyField(**list_kwargs)


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": f"^{AMOUNT_PATTERN}$",
        "example": "25000.00",
        "description": "Amount in euros, with at most two decimals, as a string.",
    }
)
class AmountField(serializers.DecimalField):
    """Euros as a string such as "25000.00", both ways."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(AMOUNT_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- output ---------------------------------------------------------------------


def _target_fields(*, read: bool) -> dict:
    fields = {}
    for key in Target.Indicator.values:
        percent = key in services.PERCENT_INDICATORS
        fields[key] = StrictIntegerField(
            required=False,
            allow_null=True,
            read_only=read,
            min_value=0,
            max_value=100 if percent else services.MAX_TARGET,
            help_text=f"Target for the indicator `{key}`"
            + (" (a percentage, 0 to 100)" if percent else "")
            + "; null: no target.",
        )
    return fields


class _AgreementTargetsOutput(serializers.Serializer):
    def to_representation(self, agreement):
        values = {t.indicator: t.value for t in agreement.targets.all()}
        return {key: values.get(key) for key in Target.Indicator.values}


# One field per ``Target.Indicator``, so the schema names every indicator.
AgreementTargetsSerializer = serializers.SerializerMetaclass(
    "AgreementTargetsSerializer",
    (_AgreementTargetsOutput,),
    {
        "__module__": __name__,
        "__doc__": "The target per indicator; every indicator is present, null where none was set.",
        **_target_fields(read=True),
    },
)
AgreementTargetsInputSerializer = serializers.SerializerMetaclass(
    "AgreementTargetsInputSerializer",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        "__doc__": "Targets to set: on a change an indicator left out keeps its target and "
        "null removes it.",
        **_target_fields(read=False),
    },
)


class AgreementProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "name"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the programme."},
            "name": {"help_text": "Name of the programme."},
        }


class FundingAgreementSerializer(serializers.ModelSerializer):
    municipality_name = serializers.CharField(
        source="municipality.name", read_only=True, help_text="Name of the municipality."
    )
    funder_name = serializers.CharField(
        source="funder.name", read_only=True, help_text="Name of the funder."
    )
    # Text, not an enum: the funder's ``kind`` (see ``/funders/``) documents the values.
    funder_kind = serializers.CharField(
        source="funder.kind",
        read_only=True,
        help_text="What kind of funder pays: "
        + ", ".join(f"`{value}`" for value in Funder.Kind.values)
        + ".",
    )
    initiative_name = serializers.CharField(
        source="initiative.name", read_only=True, help_text="Name of the initiative."
    )
    programmes = AgreementProgrammeSerializer(
        many=True, read_only=True, help_text="The programmes the agreement pays for."
    )
    amount = AmountField(read_only=True, help_text="The amount of the agreement in euros.")
    period_label = serializers.SerializerMethodField(
        help_text='The period in words, e.g. "school year 2025-2026".'
    )
    targets = AgreementTargetsSerializer(
        source="*", read_only=True, help_text="The target agreed per indicator."
    )

    class Meta:
        model = FundingAgreement
        fields = [
            "id",
            "reference",
            "municipality",
            "municipality_name",
            "funder",
            "funder_name",
            "funder_kind",
            "initiative",
            "initiative_name",
            "programmes",
            "amount",
            "period_kind",
            "start_date",
            "end_date",
            "period_label",
            "targets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the funding agreement."},
            "reference": {"help_text": "The number of the decision (beschikking) or contract."},
            "municipality": {"help_text": "Identifier of the municipality it is for."},
            "funder": {"help_text": "Identifier of the funder."},
            "initiative": {"help_text": "Identifier of the funded initiative."},
            "period_kind": {"help_text": "Whether it runs over calendar years or school years."},
            "start_date": {"help_text": "First day of the agreement."},
            "end_date": {"help_text": "Last day of the agreement."},
            "created_at": {"help_text": "When the agreement was recorded."},
            "updated_at": {"help_text": "When the agreement was last changed."},
        }

    def get_period_label(self, agreement: FundingAgreement) -> str:
        return selectors.agreement_period_label(agreement)


class FunderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Funder
        fields = ["id", "name", "kind", "municipality"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the funder."},
            "name": {"help_text": "Name of the funder."},
            "kind": {"help_text": "What kind of funder this is."},
            "municipality": {
                "help_text": "Identifier of the municipality, for a municipality as funder."
            },
        }


# --- input ----------------------------------------------------------------------


class FundingAgreementInputSerializer(serializers.Serializer):
    """A funding agreement to record, or the fields of one to change."""

    # Built with ``user`` (and ``agreement`` when changing one): the ids it takes
    # are those the agreement form offers that user.

    municipality = VisiblePrimaryKeyField(
        queryset=Municipality.objects.none(),
        required=False,
        allow_null=True,
        help_text="Identifier of the municipality. Needed only for an administrator or an "
        "official of several municipalities; otherwise the official's own.",
    )
    funder = VisiblePrimaryKeyField(
        queryset=Funder.objects.none(),
        help_text="Identifier of the funder (see `/funders/`): a non-municipal funder or "
        "your own municipality.",
    )
    reference = StrictCharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The number of the decision (beschikking) or contract.",
    )
    initiative = VisiblePrimaryKeyField(
        queryset=Initiative.objects.none(),
        help_text="Identifier of the initiative; it must work in the municipality.",
    )
    programmes = VisiblePrimaryKeyField(
        many=True,
        allow_empty=False,
        queryset=Programme.objects.none(),
        help_text="Identifiers of the programmes it pays for: programmes of the initiative "
        "that serve the municipality.",
    )
    amount = AmountField(help_text='The amount in euros, as a string such as "25000.00".')
    period_kind = serializers.ChoiceField(
        choices=FundingAgreement.PeriodKind.choices,
        help_text="`calendar`: 1 January to 31 December; `school`: 1 August to 31 July.",
    )
    start_date = StrictDateField(
        help_text="First day: 1 January for calendar years, 1 August for school years."
    )
    end_date = StrictDateField(
        help_text="Last day: 31 December or 31 July, one or two years after the start."
    )
    targets = AgreementTargetsInputSerializer(
        required=False,
        help_text="Targets per indicator. On a change, an indicator left out keeps its target "
        "and null removes it; on recording, the indicators given are the targets.",
    )

    def __init__(self, *args, user=None, agreement: FundingAgreement | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        if user is None:  # the schema: no choices
            return
        choices = selectors.agreement_form_choices(user=user, agreement=agreement)
        self.fields["municipality"].queryset = choices["municipalities"]
        self.fields["funder"].queryset = choices["funders"]
        self.fields["initiative"].queryset = choices["initiatives"]
        self.fields["programmes"].child_relation.queryset = choices["programmes"]

    def validate_start_date(self, day: dt.date) -> dt.date:
        # As the page's "first year": 2000 to 2100.
        if not FIRST_YEARS[0] <= day.year <= FIRST_YEARS[1]:
            raise serializers.ValidationError(_("Choose a first year from 2000 to 2100."))
        return day

    def service_kwargs(self) -> dict:
        """The keyword arguments of ``funding_agreement_save``; on a change, the
        agreement's own values for what was not sent."""
        data = dict(self.validated_data)
        agreement = self.agreement
        if agreement is None:
            current = {"municipality": None, "reference": "", "targets": {}}
        else:
            current = {
                "municipality": agreement.municipality,
                "funder": agreement.funder,
                "reference": agreement.reference,
                "initiative": agreement.initiative,
                "programmes": list(agreement.programmes.all()),
                "amount": agreement.amount,
                "period_kind": agreement.period_kind,
                "start_date": agreement.start_date,
                "end_date": agreement.end_date,
                "targets": {t.indicator: t.value for t in agreement.targets.all()},
            }
        targets = {**current.pop("targets"), **data.pop("targets", {})}
        kwargs = {**current, **data}
        kwargs["targets"] = {key: value for key, value in targets.items() if value is not None}
        return kwargs
