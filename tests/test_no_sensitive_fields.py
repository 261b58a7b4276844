"""No special category data: no model field for ethnicity, migration background,
nationality or country of birth (issue 2; BSN has its own test in
referrals/tests/test_adult_scoping.py). Date of birth and languages are allowed.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps

SENSITIVE = re.compile(
    r"ethni|etni"  # ethnicity, etniciteit, etnische achtergrond
    r"|(^|_)(race|ras)(_|$)"
    r"|migra"  # migration background, migratieachtergrond
    r"|allochto|autochto"
    r"|nationalit"  # nationality, nationaliteit
    r"|herkomst|afkomst|country_?of_?origin|origin_?country"
    r"|country_?of_?birth|birth_?country|birth_?place|place_?of_?birth"
    r"|geboorte_?land|geboorte_?plaats",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    "name",
    [
        "ethnicity",
        "etniciteit",
        "race",
        "migration_background",
        "migratieachtergrond",
        "nationality",
        "nationaliteit",
        "country_of_birth",
        "birth_country",
        "birthplace",
        "geboorteland",
        "land_van_herkomst",
        "country_of_origin",
    ],
)
def test_the_pattern_catches_sensitive_names(name):
    assert SENSITIVE.search(name)


@pytest.mark.parametrize(
    "name", ["date_of_birth", "denomination", "languages", "home_language", "trace_id", "source"]
)
def test_the_pattern_leaves_ordinary_names_alone(name):
    assert not SENSITIVE.search(name)


def test_no_model_field_is_named_like_ethnicity_migration_background_or_nationality():
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if SENSITIVE.search(field.name) or SENSITIVE.search(getattr(field, "column", None) or "")
    ]
    assert offenders == []
