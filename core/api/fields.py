"""Serializer fields that take the schema at its word.

The OpenAPI schema is the contract, and it is fuzzed (schemathesis): a value
that is valid by the schema must be accepted, and one that is not must be a
400. DRF's own fields are lenient in ways the schema does not say: a number
is quietly taken for text, ``"true"`` or ``1`` for a boolean, ``"12"`` for an
identifier, ``02-12-2026`` for a date. These fields take only what the schema
describes, and give the usual DRF errors otherwise.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Identifiers are 64-bit (``BigAutoField``, PostgreSQL ``bigint``): a larger number
# cannot name an object, and would overflow in the database (a 500 on SQLite).
MAX_ID = 2**63 - 1
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}

DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
DATETIME_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)


class IdField(serializers.IntegerField):
    """An identifier by number, 1 to ``MAX_ID`` (the schema says so): a larger one is
    a 400 before it reaches the database.

    For a related object in a request body use ``StrictPrimaryKeyRelatedField``,
    which also checks that the user may use it.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class _TextOnly:
    """Refuses anything but a JSON string (DRF's CharField turns 12 into "12")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(_TextOnly, serializers.CharField):
    """Text only."""


class StrictRegexField(_TextOnly, serializers.RegexField):
    """Text only, matching the pattern."""


class StrictEmailField(_TextOnly, serializers.EmailField):
    """Text only, an email address."""


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` only (DRF's BooleanField also takes "yes", 1, "on")."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: not "12", 12.5 or true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    """A full date, YYYY-MM-DD (the schema's ``format: date``), whatever the language."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictDateTimeField(serializers.DateTimeField):
    """A date and time with its offset (RFC 3339), e.g. 2026-03-02T15:30:00+01:00."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(DATETIME_PATTERN, value.upper()):
            self.fail("invalid", format="YYYY-MM-DDThh:mm:ss+hh:mm")
        return super().to_internal_value(value.upper())


class StrictChoiceField(serializers.ChoiceField):
    """One of the choices, of the choices' own type (a year group is a number, not "6")."""

    def to_internal_value(self, data):
        if data == "" and self.allow_blank:
            return ""
        numeric = all(isinstance(key, int) for key in self.choices)
        if isinstance(data, bool) or not isinstance(data, int if numeric else str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


@extend_schema_field(ID_SCHEMA)
class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An object by its identifier, a JSON integer from 1 to ``MAX_ID`` (also in the
    schema), among the queryset the serializer sets per request (``visible_to``).

    Not "12", true or 1.0, which DRF's field would look up; a number beyond the
    range is "does not exist", not a database overflow.
    """

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)
